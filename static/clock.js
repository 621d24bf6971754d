// clock.js — shared by the operator page (app.js) and the display page (display.js).
//
// What is in here:
//   * small pure functions, unit-testable without a browser:
//       formatClock(ms)            remaining time -> "1:23:45" | "12:34" | "59.9"
//       parseTime(text)            what the operator typed -> {ok, seconds} | {ok:false, error}
//       computeRemaining(...)      remaining ms at a given server instant (clamped at 0)
//       adjustedSeconds(ms, d)     current remaining +/- d tenths, clamped to 0..359999.9
//       backoffDelay(attempt)      reconnect delay: 0.5 s doubling up to 10 s, ±50% jitter
//       wsUrlFor(href, token)      ws:// or wss:// URL of the state stream
//       clockWidth(text)           width of a clock string in "digit widths" (font sizing)
//   * OffsetEstimator: browser clock -> server clock offset, best (least latency) recent sample
//   * ClockModel: the last state from the server + the offset; gives the remaining time
//     at any local instant so the pages can redraw tenths at the screen's frame rate
//   * Connection: the WebSocket client (jittered exponential reconnect, command ids,
//     answers, timeouts, watchdog) with an HTTP fallback for commands while it is down.
//
// Nothing here touches the DOM at import time, so the module also loads in node.

export const MAX_SECONDS = 359999.9;
export const MAX_TENTHS = 3599999;
/** No state message for longer than this: the clock is shown as stale. */
export const STALE_AFTER_MS = 3000;
/** The server sends at least once a second; this much silence means a dead socket. */
export const WATCHDOG_MS = 5000;
/** A command not answered within this time is reported as an error. */
export const COMMAND_TIMEOUT_MS = 5000;
/** Latency correction applied to one message is bounded (guards against clock steps). */
export const MAX_LATENCY_MS = 1000;

// ---------------------------------------------------------------------------------------
// Pure functions

const pad2 = (n) => String(n).padStart(2, "0");

/**
 * Format remaining milliseconds the way a game clock shows them.
 *   >= 1 h   -> h:mm:ss   ("1:05:09")
 *   >= 60 s  -> m:ss      ("12:34")
 *   <  60 s  -> s.t       ("59.9", "7.0")
 * Always truncated (never rounded up), so a value is shown only once it is reached —
 * except the last tenth: any time left above zero shows as "0.1", so "0.0" appears only
 * when the clock has truly reached zero.
 */
export function formatClock(ms) {
  if (!Number.isFinite(ms) || ms <= 0) return "0.0";
  let tenths = Math.floor(ms / 100);
  if (tenths === 0) tenths = 1; // time is left: never show 0.0 early
  if (tenths < 600) return `${Math.floor(tenths / 10)}.${tenths % 10}`;
  const total = Math.floor(tenths / 10);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad2(m)}:${pad2(s)}` : `${m}:${pad2(s)}`;
}

/**
 * Width of a clock string in digit widths (separators count as about half a digit).
 * The pages put it in the CSS variable --w so the font fills the screen whatever the format.
 */
export function clockWidth(text) {
  let w = 0;
  for (const ch of text) w += /[0-9]/.test(ch) ? 1 : 0.5;
  return Math.max(w, 1);
}

const FORMAT_HELP = "Use m:ss, m:ss.t, h:mm:ss or seconds (90, 12.5).";

/**
 * Parse a time typed by the operator. Accepted:
 *   "90", "12.5", ".5"           plain seconds (tenths at most)
 *   "1:30", "1:30.5", "90:00"    m:ss or m:ss.t (seconds need two digits)
 *   "1:02:03", "1:02:03.4"       h:mm:ss (minutes and seconds need two digits)
 * A comma is accepted as the decimal point ("12,5"). Surrounding spaces are ignored.
 * Returns {ok: true, seconds, tenths} or {ok: false, error} with a sentence for the operator.
 */
export function parseTime(input) {
  const text = String(input ?? "").trim().replace(",", ".");
  if (text === "") return fail("Type a time first, e.g. 1:30, 45.5 or 90.");
  if (text.startsWith("-")) return fail("The time can't be negative.");
  if (/\.\d{2,}$/.test(text)) return fail("Tenths at most: one digit after the point (e.g. 12.5).");

  let m;
  let tenths;
  if ((m = /^(\d*)(?:\.(\d))?$/.exec(text)) && (m[1] !== "" || m[2] !== undefined)) {
    tenths = Number(m[1] || "0") * 10 + Number(m[2] ?? "0");
  } else if ((m = /^(\d+):(\d+)(?:\.(\d))?$/.exec(text))) {
    const [, mins, secs, t] = m;
    if (secs.length !== 2) return fail(`Seconds need two digits, e.g. ${mins}:0${secs.slice(-1)}.`);
    if (Number(secs) > 59) return fail(`Seconds must be 00–59 (got ${secs}).`);
    tenths = (Number(mins) * 60 + Number(secs)) * 10 + Number(t ?? "0");
  } else if ((m = /^(\d+):(\d+):(\d+)(?:\.(\d))?$/.exec(text))) {
    const [, hrs, mins, secs, t] = m;
    if (mins.length !== 2 || secs.length !== 2) {
      return fail("Minutes and seconds need two digits in h:mm:ss, e.g. 1:05:00.");
    }
    if (Number(mins) > 59) return fail(`Minutes must be 00–59 (got ${mins}).`);
    if (Number(secs) > 59) return fail(`Seconds must be 00–59 (got ${secs}).`);
    tenths = ((Number(hrs) * 60 + Number(mins)) * 60 + Number(secs)) * 10 + Number(t ?? "0");
  } else {
    return fail(`“${text.length > 20 ? text.slice(0, 20) + "…" : text}” is not a time. ${FORMAT_HELP}`);
  }
  if (!Number.isSafeInteger(tenths) || tenths > MAX_TENTHS) {
    return fail("Too long: at most 99:59:59.9 (359999.9 seconds).");
  }
  return { ok: true, seconds: tenths / 10, tenths };
}

function fail(error) {
  return { ok: false, error };
}

/**
 * Remaining milliseconds at server instant `nowServerMs`, given a state that said
 * `remainingMs` were left at `serverTimeMs`. A running clock counts down, never below 0;
 * a paused one stays put.
 */
export function computeRemaining(remainingMs, running, serverTimeMs, nowServerMs) {
  if (!running) return Math.max(0, remainingMs);
  const elapsed = Math.max(0, nowServerMs - serverTimeMs);
  return Math.max(0, remainingMs - elapsed);
}

/**
 * The seconds to send for an adjust button: the remaining time as shown (truncated to
 * tenths) plus `deltaTenths`, clamped to 0..359999.9. Returns a number with at most
 * one decimal (e.g. 91.7).
 */
export function adjustedSeconds(remainingMs, deltaTenths) {
  const current = Math.max(0, Math.floor(remainingMs / 100));
  const tenths = Math.min(MAX_TENTHS, Math.max(0, current + deltaTenths));
  return tenths / 10;
}

/**
 * Reconnect delay for the given attempt (0, 1, 2, ...): a base of 0.5 s doubling up to
 * 10 s, jittered ±50% (so many displays do not reconnect in lockstep), never above 10 s.
 */
export function backoffDelay(attempt, random = Math.random) {
  const base = Math.min(10000, 500 * 2 ** Math.min(attempt, 30));
  return Math.min(10000, base * (0.5 + random()));
}

/** The WebSocket URL for a page: same host, ws/wss matching http/https, optional token. */
export function wsUrlFor(pageHref, token) {
  const url = new URL("ws", pageHref);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.search = "";
  url.hash = "";
  if (token) url.searchParams.set("token", token);
  return url.href;
}

/** The local clock: monotonic (immune to the browser's wall clock being changed), in ms
 *  on the same scale as Date.now(). */
export function localNow() {
  return performance.timeOrigin + performance.now();
}

// ---------------------------------------------------------------------------------------
// Clock offset and the local clock model

/**
 * Estimates offset = server clock - browser clock. Each sample (server_time_ms minus the
 * local time at receipt) is the true offset minus that message's network delay, so the
 * largest recent sample is the best one. Samples older than `windowMs` are forgotten so
 * the estimate follows clock drift.
 */
export class OffsetEstimator {
  constructor(windowMs = 10000) {
    this.windowMs = windowMs;
    this.samples = []; // {at, offset}
  }

  add(offset, at) {
    this.samples.push({ at, offset });
    const cutoff = at - this.windowMs;
    while (this.samples.length > 1 && this.samples[0].at < cutoff) this.samples.shift();
  }

  /** The best estimate, or null before any sample. */
  get value() {
    if (this.samples.length === 0) return null;
    let best = -Infinity;
    for (const s of this.samples) best = Math.max(best, s.offset);
    return best;
  }
}

/**
 * The last known state and how to extrapolate it:
 *   displayed remaining = remaining_ms - (now_in_server_time - server_time_ms), if running,
 * with now_in_server_time = local now + offset. Within one run (same last_event_id, still
 * running) the shown time never goes back up when a new message lands, so tenths do not
 * flicker.
 */
export class ClockModel {
  constructor() {
    this.state = null; // the raw state object from the server
    this.remainingMs = null;
    this.serverTimeMs = null;
    this.receivedAt = null; // local time of receipt
    this.offsets = new OffsetEstimator();
    this.ceilingMs = null;
  }

  /** Take a state object (the value of "state" in a server message) received at `at`. */
  apply(state, at) {
    if (!state || typeof state !== "object") return;
    const prev = this.state;
    const remainingMs = Number.isFinite(state.remaining_ms)
      ? state.remaining_ms
      : Math.round(Number(state.seconds) * 1000);
    if (!Number.isFinite(remainingMs)) return;
    const serverTimeMs = Number.isFinite(state.server_time_ms) ? state.server_time_ms : null;
    if (serverTimeMs !== null) this.offsets.add(serverTimeMs - at, at);
    const sameRun =
      prev !== null &&
      prev.running &&
      state.running &&
      state.last_event_id != null &&
      prev.last_event_id === state.last_event_id;
    if (!sameRun) this.ceilingMs = null;
    this.state = state;
    this.remainingMs = remainingMs;
    this.serverTimeMs = serverTimeMs;
    this.receivedAt = at;
  }

  get running() {
    return Boolean(this.state && this.state.running);
  }

  get pusherStatus() {
    return (this.state && this.state.pusher_status) || "unknown";
  }

  /** Milliseconds since the last state arrived (Infinity before the first). */
  ageMs(at) {
    return this.receivedAt === null ? Infinity : at - this.receivedAt;
  }

  /** Remaining milliseconds at local time `at`, or null before the first state. */
  remainingAt(at) {
    if (this.state === null) return null;
    if (!this.state.running) return Math.max(0, this.remainingMs);
    // Elapsed server time since the state's instant: time since receipt on the local
    // (monotonic) clock plus this message's estimated network delay, which is bounded
    // so a stepped server clock cannot throw the display off by more than a second.
    const sinceReceipt = Math.max(0, at - this.receivedAt);
    let elapsed = sinceReceipt;
    const offset = this.offsets.value;
    if (this.serverTimeMs !== null && offset !== null) {
      const delay = offset - (this.serverTimeMs - this.receivedAt);
      elapsed += Math.min(MAX_LATENCY_MS, Math.max(0, delay));
    }
    const nowServer = this.serverTimeMs === null ? elapsed : this.serverTimeMs + elapsed;
    let ms = computeRemaining(this.remainingMs, true, this.serverTimeMs ?? 0, nowServer);
    if (this.ceilingMs !== null && ms > this.ceilingMs) ms = this.ceilingMs;
    this.ceilingMs = ms;
    return ms;
  }
}

// ---------------------------------------------------------------------------------------
// The connection

/**
 * WebSocket client for /ws.
 *   new Connection({url, token, httpBase, onState, onOpen, onClose, onError})
 *   .start()                 connect, and reconnect forever with jittered backoff
 *   .command({command,...})  Promise of the answer's state; rejects with {code, message}
 *   .connected               true while the socket is open
 * onState(state, at) gets every state (broadcasts and answers); onError(error) gets errors
 * the server sent without a matching command id. While the socket is down, commands go
 * over HTTP (POST /start, /pause, /clock) with "Authorization: Bearer <token>".
 */
export class Connection {
  constructor({ url, token = "", httpBase, onState, onOpen, onClose, onError }) {
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
  }

  get connected() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
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
      ws = new WebSocket(this.url);
    } catch (err) {
      this.onError({ code: "ws_failed", message: `Cannot open the connection: ${err.message}` });
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.addEventListener("open", () => {
      if (this.ws !== ws) return;
      this.lastMessageAt = localNow();
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
    if (this.reconnectTimer !== null) return;
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  reconnectNow() {
    if (this.ws !== null) return;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.connect();
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
      response = await fetch(new URL(path, this.httpBase), {
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
      throw { code: `http_${response.status}`, message: `Server answered ${response.status} ${response.statusText}`.trim() };
    }
    // Only use it if the socket is down; otherwise the broadcast carries the same news.
    if (payload.state && !this.connected) this.onState(payload.state, localNow());
    return payload.state;
  }
}

function normaliseError(error) {
  if (error && typeof error === "object") {
    return { code: String(error.code ?? "error"), message: String(error.message ?? "Unknown error") };
  }
  return { code: "error", message: String(error) };
}

// ---------------------------------------------------------------------------------------
// Small browser helpers shared by both pages

/** Keep the screen on where the browser allows it (secure contexts only); best effort. */
export function keepScreenAwake() {
  if (typeof navigator === "undefined" || !navigator.wakeLock) return;
  const request = () => {
    if (document.visibilityState !== "visible") return;
    navigator.wakeLock.request("screen").catch(() => {
      /* not allowed here (e.g. plain http on a LAN address): the screen may sleep */
    });
  };
  request();
  document.addEventListener("visibilitychange", request);
}

/** Tell the page (and browser tests) whether the WebSocket is open. */
export function markConnected(connected) {
  document.body.dataset.connected = connected ? "true" : "false";
}
