"use strict";
// The MCP Apps bridge, guest side: JSON-RPC 2.0 over postMessage with the host (the iframe's parent).
// It reads what the host supports at ui/initialize (tool calls, model-context updates), so a page can say
// in words what it cannot do there; it tells the echoes of the page's own calls (a host may send
// tool-input and tool-result after each call the page makes) from news; and it reports the content's
// size as the official ext-apps SDK measures it, so the frame shrinks again when the content does.
// (Comments on lines of their own are left out of the page served, as is indentation: views/files.py.)
const NO_CALLS = "This chat app does not let the page reach the server.";
const NOT_TOLD = "The assistant was not told: this chat app does not pass it on.";
const host = (() => {
  let next = 1;
  let echo = false;
  let sent = "";
  let queued = false;
  const waiting = new Map();
  const handlers = new Map();
  const can = { call: false, tell: false };
  // this page's calls and their results, as JSON with sorted keys: what an echo repeats
  const mine = [];
  const key = (kind, value) =>
    kind + JSON.stringify(value || {}, (_, v) => (v && v.constructor === Object ? Object.fromEntries(Object.entries(v).sort()) : v));
  const remember = (kind, value) => mine.push(key(kind, value)) > 100 && mine.shift();
  const post = (message) => window.parent.postMessage({ jsonrpc: "2.0", ...message }, "*");
  const request = (method, params) =>
    new Promise((resolve, reject) => {
      waiting.set(next, { resolve, reject });
      post({ id: next++, method, params });
    });
  const notified = (method, params) => {
    if (method.endsWith("/tool-input")) {
      echo = mine.includes(key("call", params.arguments));
      if (echo) return;
    } else if (method.endsWith("/tool-result")) {
      const repeated = echo || mine.includes(key("result", params.structuredContent || params.content));
      echo = false;
      // the page made that call and has its answer already
      if (repeated) return;
    }
    handlers.get(method)?.(params);
  };
  window.addEventListener("message", ({ source, data: m }) => {
    if (source !== window.parent || !m || m.jsonrpc !== "2.0") return;
    if (m.method === undefined) {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (w && m.error) w.reject(new Error(m.error.message));
      else if (w) w.resolve(m.result || {});
    } else if (m.id === undefined) {
      notified(m.method, m.params || {});
    } else {
      Promise.resolve(handlers.get(m.method)?.(m.params || {})).then((result) => post({ id: m.id, result: result || {} }));
    }
  });
  const theme = (context) => {
    const root = document.documentElement;
    if (context.theme === "light" || context.theme === "dark") root.dataset.theme = context.theme;
    for (const [name, value] of Object.entries(context.styles?.variables || {})) {
      if (name.startsWith("--") && typeof value === "string") root.style.setProperty(name, value);
    }
  };
  // The content's own height, not the frame's: the root set to max-content, measured, put back.
  const size = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      const root = document.documentElement;
      const kept = root.style.height;
      root.style.height = "max-content";
      const height = Math.ceil(root.getBoundingClientRect().height);
      const width = Math.ceil(window.innerWidth);
      root.style.height = kept;
      queued = false;
      if (sent !== `${width}x${height}`) post({ method: "ui/notifications/size-changed", params: { width, height } });
      sent = `${width}x${height}`;
    });
  };
  return {
    can,
    on: (method, handler) => handlers.set(method, handler),
    // A tool call through the host. A failure is told in words for a person (the tool's own text is written
    // for the model), and a host that cannot pass calls on is never asked.
    async call(name, args) {
      if (!can.call) throw new Error(NO_CALLS);
      remember("call", args);
      const result = await request("tools/call", { name, arguments: args }).catch(() => {
        throw new Error("The chat app could not pass this on to the server. Try again in a moment.");
      });
      const text = textOf(result);
      if (result.isError) throw new Error(forPerson(text));
      remember("result", result.structuredContent || result.content);
      return result.structuredContent || JSON.parse(text);
    },
    // Tells the model what the person did here, for its next turn; false when this host cannot.
    tell(text) {
      if (can.tell) request("ui/update-model-context", { content: [{ type: "text", text }] }).catch(() => {});
      return can.tell;
    },
    async start(name) {
      handlers.set("ui/notifications/host-context-changed", theme);
      const init = await request("ui/initialize", {
        protocolVersion: "2026-01-26",
        appInfo: { name, version: "1" },
        appCapabilities: { availableDisplayModes: ["inline"] },
      });
      can.call = Boolean(init.hostCapabilities?.serverTools);
      can.tell = Boolean(init.hostCapabilities?.updateModelContext);
      theme(init.hostContext || {});
      post({ method: "ui/notifications/initialized", params: {} });
      const observer = new ResizeObserver(size);
      observer.observe(document.documentElement);
      observer.observe(document.body);
    },
  };
})();

const textOf = (result) => (result.content || []).map((block) => block.text || "").join("\n");
// A tool's failure is written for the model ("<what happened>. Retry: … Next: …"); a person reads what
// happened, without the sentences that name tools, arguments or settings.
function forPerson(text) {
  const what = text.split(/\.\s+Retry:/)[0].replace(/^not \w+: /, "");
  const plain = what.split(/(?<=\.)\s+/).filter((s) => !/[a-z]_[a-z]|[A-Z]_[A-Z]/.test(s)).join(" ");
  if (!plain) return "This did not work. The assistant in the chat can say why.";
  return plain[0].toUpperCase() + plain.slice(1).replace(/\.?$/, ".");
}

const $ = (id) => document.getElementById(id);
function el(tag, text, attributes) {
  const node = document.createElement(tag);
  if (text != null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  return node;
}
function say(text, kind) {
  $("status").textContent = text;
  $("status").className = kind || "";
}
// As dialled at home: the server's national form (search_numbers' "display", from libphonenumber's metadata);
// without one, a North American number's own shape, else the number as given.
function national(display, number) {
  if (display) return display;
  const nanp = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(number || "");
  return nanp ? `(${nanp[1]}) ${nanp[2]}-${nanp[3]}` : number || "";
}
// A number's cell: as dialled at home, with the international form under it when they differ.
function numberCell(display, number) {
  const cell = el("td");
  const local = national(display, number);
  cell.append(el("span", local));
  if (local !== number) cell.append(el("br"), el("small", number));
  return cell;
}
