"use strict";
// The MCP Apps bridge, guest side: JSON-RPC 2.0 over postMessage with the host (the iframe's parent).
const host = (() => {
  let next = 1;
  const waiting = new Map();
  const handlers = new Map();
  const post = (message) => window.parent.postMessage({ jsonrpc: "2.0", ...message }, "*");
  window.addEventListener("message", (event) => {
    const m = event.data;
    if (event.source !== window.parent || !m || m.jsonrpc !== "2.0") return;
    if (m.method === undefined) {
      const w = waiting.get(m.id);
      if (!w) return;
      waiting.delete(m.id);
      if (m.error) w.reject(new Error(m.error.message || "the host refused the request"));
      else w.resolve(m.result);
      return;
    }
    const handler = handlers.get(m.method);
    if (m.id === undefined) {
      if (handler) handler(m.params || {});
      return;
    }
    Promise.resolve(handler ? handler(m.params || {}) : {}).then((result) => post({ id: m.id, result: result || {} }));
  });
  const request = (method, params) =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      post({ id, method, params });
    });
  const theme = (context) => {
    const root = document.documentElement;
    if (context.theme === "light" || context.theme === "dark") root.dataset.theme = context.theme;
    const variables = (context.styles && context.styles.variables) || {};
    for (const [name, value] of Object.entries(variables)) {
      if (name.startsWith("--") && typeof value === "string") root.style.setProperty(name, value);
    }
  };
  return {
    on: (method, handler) => handlers.set(method, handler),
    request,
    // A tool call through the host; its result's text is the error message when it failed.
    async call(name, args) {
      const result = await request("tools/call", { name, arguments: args });
      const text = (result.content || []).map((block) => block.text || "").join("\n");
      if (result.isError) throw new Error(text || `${name} failed`);
      return result.structuredContent || JSON.parse(text);
    },
    // Tells the model what the person did here, for its next turn (hosts may not support it).
    tell: (text) => request("ui/update-model-context", { content: [{ type: "text", text }] }).catch(() => {}),
    async start(name) {
      handlers.set("ui/notifications/host-context-changed", theme);
      const init = await request("ui/initialize", {
        protocolVersion: "2026-01-26",
        appInfo: { name, version: "1" },
        appCapabilities: { availableDisplayModes: ["inline"] },
      });
      theme((init && init.hostContext) || {});
      post({ method: "ui/notifications/initialized", params: {} });
      const size = () => post({ method: "ui/notifications/size-changed", params: { width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight } });
      new ResizeObserver(size).observe(document.body);
    },
  };
})();

const $ = (id) => document.getElementById(id);
function el(tag, text, attributes) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  return node;
}
function say(text, kind) {
  const status = $("status");
  status.textContent = text;
  status.className = kind || "";
}
const TRUNK_ZERO = new Set(["44", "353", "49", "61", "33", "64", "81", "31", "32", "39", "34"]);
// "+44 161 118 2572" → "0161 118 2572"; "+1 (206) 568-3575" → "(206) 568-3575": as callers in that country dial it.
function national(display, number) {
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(number || "");
  const shown = display || (nanp ? `+1 (${nanp[1]}) ${nanp[2]}-${nanp[3]}` : number || "");
  const match = /^\+(\d{1,3})\s+(.+)$/.exec(shown);
  if (!match) return shown;
  return (TRUNK_ZERO.has(match[1]) ? "0" : "") + match[2];
}
// A number's cell: as dialled at home, with the international form under it when they differ.
function numberCell(display, number) {
  const cell = el("td");
  const local = national(display, number);
  cell.append(el("span", local));
  if (local !== number) cell.append(el("br"), el("small", number));
  return cell;
}
