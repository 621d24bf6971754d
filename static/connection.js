// connection.js — the WebSocket client of /ws shared by both pages: jittered exponential
// reconnect, command ids and their answers, timeouts, a watchdog for a silent socket, and
// an HTTP fallback for commands while the socket is down. No DOM; the socket and fetch
// can be handed in, so `node --test` drives it with fakes.

import { localNow } from "./clock-model.js";

/** The server sends at least once a second; this much silence means a dead socket. */
export const WATCHDOG_MS = 5000;
/** A command not answered within this time is reported as an error. */
export const COMMAND_TIMEOUT_MS = 5000;

/**
 * Reconnect delay for the given attempt (0, 1, 2, ...): a base of 0.5 s doubling up to
 * 10 s, jittered ±50% (so many displays do not reconnect in lockstep), never above 10 s.
 */
export function backoffDelay(attempt, random = Math.random) {
  const base = Math.min(10000, 500 * 2 ** Math.min(attempt, 30));
  return Math.min(10000, base * (0.5 + random()));
}

/**
 * Reopen `source` (a Connection or mqtt-source.js's BrokerConnection: its `attempt` and
 * `reconnectTimer`) after the backoff of its attempt; a retry already waiting is kept.
 */
export function scheduleRetry(source, reopen) {
  if (source.reconnectTimer !== null) return;
  const delay = backoffDelay(source.attempt);
  source.attempt += 1;
  source.reconnectTimer = setTimeout(reopen, delay);
}

/** Reopen `source` at once, dropping the retry that waits, if any. */
export function retryNow(source, reopen) {
  if (source.reconnectTimer !== null) clearTimeout(source.reconnectTimer);
  reopen();
}

/** What a 507 means (DESIGN: the server could not record the change). */
export const STORAGE_FULL_MESSAGE = "The disk is full; this change was not recorded.";

/** The WebSocket URL for a page: same host, ws/wss matching http/https, optional token. */
export function wsUrlFor(pageHref, token) {
  const url = new URL("ws", pageHref);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.search = "";
  url.hash = "";
  if (token) url.searchParams.set("token", token);
  return url.href;
}

/** An error from the server (or made here) as {code, message}, both strings. */
export function normaliseError(error) {
  if (error && typeof error === "object") {
    return { code: String(error.code ?? "error"), message: String(error.message ?? "Unknown error") };
  }
  return { code: "error", message: String(error) };
}

/**
 * WebSocket client for /ws.
 *   new Connection({url, token, httpBase, onState, onOpen, onClose, onError})
 *   .start()                 connect, and reconnect forever with jittered backoff
 *   .command({command,...})  Promise of the answer's state; rejects with {code, message}
 *   .connected               true while the socket is open
 *   .everOpened              true once the socket has opened at least once
 * onState(state, at) gets every state (broadcasts and answers); onError(error) gets errors
 * the server sent without a matching command id. `socket` (a WebSocket class) and `fetch`
 * default to the browser's. While the socket is down, commands go over HTTP (POST /start,
 * /pause, /clock) with "Authorization: Bearer <token>".
 */
export class Connection {
  constructor({ url, token = "", httpBase, onState, onOpen, onClose, onError, socket, fetch }) {
    this.Socket = socket || globalThis.WebSocket;
    this.fetch = fetch || ((...args) => globalThis.fetch(...args));
    this.url = url;
    this.token = token;
    this.httpBase = httpBase;
    this.onState = onState || (() => {});
    this.onOpen = onOpen || (() => {});
    this.onClose = onClose || (() => {});
    this.onError = onError || (() => {});
    this.ws = null;
    this.attempt = 0;
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject, timer}
    this.lastMessageAt = 0;
    this.reconnectTimer = null;
    this.watchdog = null;
    this.everOpened = false;
  }

  get connected() {
    return this.ws !== null && this.ws.readyState === 1 /* OPEN */;
  }

  start() {
    this.connect();
    this.watchdog = setInterval(() => this.checkAlive(), 1000);
    // Back online (laptop woke up, Wi-Fi returned): try at once instead of waiting.
    if (typeof window !== "undefined") {
      window.addEventListener("online", () => this.reconnectNow());
    }
  }

  connect() {
    this.reconnectTimer = null;
    let ws;
    try {
      ws = new this.Socket(this.url);
    } catch (err) {
      this.onError({ code: "ws_failed", message: `Cannot open the connection: ${err.message}` });
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.addEventListener("open", () => {
      if (this.ws !== ws) return;
      this.lastMessageAt = localNow();
      this.everOpened = true;
      this.onOpen();
    });
    ws.addEventListener("message", (ev) => {
      if (this.ws !== ws) return;
      this.handleMessage(ev.data);
    });
    ws.addEventListener("close", () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.failPending({ code: "disconnected", message: "Connection lost before the server answered." });
      this.onClose();
      this.scheduleReconnect();
    });
    // "error" is always followed by "close"; nothing to do here.
  }

  scheduleReconnect() {
    scheduleRetry(this, () => this.connect());
  }

  reconnectNow() {
    if (this.ws === null) retryNow(this, () => this.connect());
  }

  /** Close a socket that went silent (the server sends at least once a second). */
  checkAlive() {
    if (this.connected && localNow() - this.lastMessageAt > WATCHDOG_MS) {
      const ws = this.ws;
      this.ws = null;
      try {
        ws.close();
      } catch {
        /* already closing */
      }
      this.failPending({ code: "disconnected", message: "The server stopped answering." });
      this.onClose();
      this.scheduleReconnect();
    }
  }

  handleMessage(data) {
    const at = localNow();
    this.lastMessageAt = at;
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      this.onError({ code: "bad_message", message: "The server sent something that is not JSON." });
      return;
    }
    if (!msg || typeof msg !== "object") return;
    // A working connection: the next outage starts again from the shortest delay.
    this.attempt = 0;
    if (msg.state) this.onState(msg.state, at);
    const waiter = msg.id != null ? this.pending.get(msg.id) : undefined;
    if (waiter) {
      this.pending.delete(msg.id);
      clearTimeout(waiter.timer);
      if (msg.error) waiter.reject(normaliseError(msg.error));
      else waiter.resolve(msg.state);
    } else if (msg.error) {
      this.onError(normaliseError(msg.error));
    }
  }

  failPending(error) {
    for (const [, waiter] of this.pending) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.pending.clear();
  }

  /** Send a command; resolves with the new state, rejects with {code, message}. */
  command(cmd) {
    if (!this.connected) return this.commandOverHttp(cmd);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject({
          code: "timeout",
          message: `No answer from the server to “${cmd.command}” (it may or may not have been applied).`,
        });
      }, COMMAND_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      try {
        this.ws.send(JSON.stringify({ ...cmd, id }));
      } catch (err) {
        this.pending.delete(id);
        clearTimeout(timer);
        reject({ code: "send_failed", message: `Could not send “${cmd.command}”: ${err.message}` });
      }
    });
  }

  async commandOverHttp(cmd) {
    const routes = { start: "start", pause: "pause", set: "clock" };
    const path = routes[cmd.command];
    if (!path) throw { code: "unknown_command", message: `Unknown command ${cmd.command}` };
    const body = cmd.command === "set" ? { seconds: cmd.seconds } : {};
    const headers = { "Content-Type": "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let response;
    try {
      response = await this.fetch(new URL(path, this.httpBase), {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        cache: "no-store",
      });
    } catch (err) {
      throw { code: "unreachable", message: `Server unreachable — “${cmd.command}” was not sent.` };
    }
    let payload = null;
    try {
      payload = await response.json();
    } catch {
      /* not JSON: reported below */
    }
    if (!response.ok || !payload || payload.error) {
      if (payload && payload.error) throw normaliseError(payload.error);
      if (response.status === 507) throw { code: "storage_full", message: STORAGE_FULL_MESSAGE };
      throw { code: `http_${response.status}`, message: `Server answered ${response.status} ${response.statusText}`.trim() };
    }
    // Only use it if the socket is down; otherwise the broadcast carries the same news.
    if (payload.state && !this.connected) this.onState(payload.state, localNow());
    return payload.state;
  }
}
