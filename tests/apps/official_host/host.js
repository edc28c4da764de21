// The tests' MCP Apps host, built the way the ext-apps project's basic-host example builds one: the official
// TypeScript MCP client talks to the server under test over streamable HTTP from this page's own origin (so
// the server must answer CORS), and the official AppBridge speaks to the page through a sandbox proxy on a
// second origin (sandbox.html, served with the Content-Security-Policy header derived from the page's
// _meta.ui.csp), which puts the page in an inner iframe. Everything a page asks for, and every form the
// server asks, is recorded in window.hostLog for the tests to read.
//
// What a host may or may not support is set per page (show()'s options), so the tests can play hosts that
// pass tool calls through or not, accept model-context updates or not, and re-send tool-input/tool-result
// after each of the page's own calls (the spec's interactive phase).
import {
  AppBridge,
  PostMessageTransport,
  RESOURCE_MIME_TYPE,
  getToolUiResourceUri,
  isToolVisibilityModelOnly,
} from "@modelcontextprotocol/ext-apps/app-bridge";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

const UI = "io.modelcontextprotocol/ui";
const HOST = { name: "voice-tools-official-host", version: "1.0.0" };
const mcp = { client: null, tools: new Map(), era: null, elicitation: "accept" };
const shown = { bridge: null, iframe: null, options: null, context: null };
const log = { appCalls: [], modelContext: [], sizes: [], elicitations: [], echoes: 0 };
window.hostLog = log;

// What the person answers when the server asks a form: accept with {confirm: true}, decline, or cancel.
async function answerForm(request) {
  log.elicitations.push(request.params);
  if (mcp.elicitation === "accept") return { action: "accept", content: { confirm: true } };
  return { action: mcp.elicitation };
}

// era: "legacy" (2025-11-25, initialize handshake) or "modern" (2026-07-28, pinned). elicitation: "accept",
// "decline", "cancel", or "none" (the client declares no forms). apps: whether to advertise MCP Apps.
async function connect({ url, era = "legacy", elicitation = "accept", apps = true, token = null }) {
  mcp.era = era;
  mcp.elicitation = elicitation;
  const capabilities = {};
  if (elicitation !== "none") capabilities.elicitation = { form: {} };
  if (apps) capabilities.extensions = { [UI]: { mimeTypes: [RESOURCE_MIME_TYPE] } };
  const options = { capabilities };
  if (era === "modern") options.versionNegotiation = { mode: { pin: "2026-07-28" } };
  const client = new Client(HOST, options);
  if (elicitation !== "none") client.setRequestHandler("elicitation/create", answerForm);
  const requestInit = token ? { headers: { Authorization: `Bearer ${token}` } } : undefined;
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit }));
  mcp.client = client;
  mcp.tools = new Map((await client.listTools()).tools.map((tool) => [tool.name, tool]));
  return {
    protocolVersion: client.getNegotiatedProtocolVersion(),
    serverCapabilities: client.getServerCapabilities(),
    tools: [...mcp.tools.values()],
  };
}

function sandboxReady(iframe) {
  return new Promise((resolve) => {
    const listener = ({ source, data }) => {
      if (source === iframe.contentWindow && data?.method === "ui/notifications/sandbox-proxy-ready") {
        window.removeEventListener("message", listener);
        resolve();
      }
    };
    window.addEventListener("message", listener);
  });
}

// The host's half of visibility: a page may call a tool unless it is for the model only.
function callableByPage(name) {
  const tool = mcp.tools.get(name);
  return tool !== undefined && !isToolVisibilityModelOnly(tool);
}

function hostCapabilities(options) {
  const server = mcp.client.getServerCapabilities() || {};
  const capabilities = { openLinks: {}, logging: {} };
  if (options.toolCalls) capabilities.serverTools = server.tools || {};
  if (options.toolCalls) capabilities.serverResources = server.resources || {};
  if (options.modelContext) capabilities.updateModelContext = { text: {} };
  return capabilities;
}

// What a chat host does when the model calls a tool that links a page: call it, read the page, show it in
// the sandbox, hand it the call's input and result. Options: context (the host context), toolCalls (pass the
// page's tool calls to the server), modelContext (accept ui/update-model-context), echo (re-send
// tool-input/tool-result after each of the page's own calls), height (the frame's height before the page
// says its own), result (show this result instead of calling the tool: a conversation shown again).
async function show(name, args, options = {}) {
  options = { toolCalls: true, modelContext: true, echo: false, context: {}, height: 200, ...options };
  const tool = mcp.tools.get(name);
  const uri = getToolUiResourceUri(tool);
  if (!uri) throw new Error(`${name} links no page`);
  const result = options.result || (await mcp.client.callTool({ name, arguments: args }));
  const read = await mcp.client.readResource({ uri });
  const content = read.contents[0];
  if (content.mimeType !== RESOURCE_MIME_TYPE) throw new Error(`page served as ${content.mimeType}`);
  const csp = content._meta?.ui?.csp;

  if (shown.bridge) await shown.bridge.close();
  const iframe = document.createElement("iframe");
  iframe.setAttribute("sandbox", "allow-scripts allow-same-origin allow-forms");
  iframe.title = uri;
  iframe.style.height = `${options.height}px`;
  const sandbox = new URL(window.SANDBOX_URL);
  if (csp) sandbox.searchParams.set("csp", JSON.stringify(csp));
  const ready = sandboxReady(iframe);
  iframe.src = sandbox.href;
  document.getElementById("frame-slot").replaceChildren(iframe);
  await ready;

  const context = { theme: "light", displayMode: "inline", platform: "web", ...options.context };
  const bridge = new AppBridge(options.toolCalls ? mcp.client : null, HOST, hostCapabilities(options), {
    hostContext: context,
  });
  bridge.onsizechange = ({ width, height }) => {
    log.sizes.push({ width, height });
    if (height !== undefined) iframe.style.height = `${height}px`;
  };
  if (options.modelContext) {
    bridge.onupdatemodelcontext = async (params) => {
      log.modelContext.push(params);
      return {};
    };
  }
  const initialized = new Promise((resolve) => {
    bridge.oninitialized = resolve;
  });
  await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
  if (options.toolCalls) {
    const forward = bridge.oncalltool; // installed by connect(): the call goes to the server as it is
    bridge.oncalltool = async (params, extra) => {
      if (!callableByPage(params.name)) throw new Error(`tool ${params.name} is not callable from this page`);
      log.appCalls.push(params);
      const answered = await forward(params, extra);
      if (options.echo) {
        // the interactive phase: the host tells the page about the call it just made, after answering it
        setTimeout(() => {
          log.echoes += 1;
          bridge.sendToolInput({ arguments: params.arguments || {} });
          bridge.sendToolResult(answered);
        }, 0);
      }
      return answered;
    };
  }
  await bridge.sendSandboxResourceReady({ html: content.text, csp });
  await initialized;
  shown.bridge = bridge;
  shown.iframe = iframe;
  shown.options = options;
  shown.context = context;
  await bridge.sendToolInput({ arguments: args });
  await bridge.sendToolResult(result);
  return result;
}

// The model's own calls, as the host makes them for it.
async function callAsModel(name, args) {
  return mcp.client.callTool({ name, arguments: args });
}

// A call as AppBridge forwards a page's call (client.request, not callTool): what answers a form asked
// during a page's call.
async function callAsBridge(name, args) {
  return mcp.client.request({ method: "tools/call", params: { name, arguments: args } });
}

// A replay: the page's last call of a tool sent again as it was (an attacker resending a captured click).
async function replay(name) {
  const last = [...log.appCalls].reverse().find((call) => call.name === name);
  return mcp.client.callTool(last);
}

function setContext(changes) {
  shown.context = { ...shown.context, ...changes };
  shown.bridge.setHostContext(shown.context);
}

// Tell the page about a tool call it did not make (the model's), as a host that reuses a page may.
async function sendToolCall(args, result) {
  await shown.bridge.sendToolInput({ arguments: args });
  await shown.bridge.sendToolResult(result);
}

function setWidth(px) {
  shown.iframe.style.width = `${px}px`;
}

window.officialHost = { connect, show, callAsModel, callAsBridge, replay, setContext, sendToolCall, setWidth, mcp };
