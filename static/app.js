// app.js — the operator page (index.html).
//
// Draws the clock every animation frame from the local clock model (clock.js), and drives
// the server: Start/Pause toggle, set from the typed time, ±1 s / ±0.1 s adjust, with
// keyboard shortcuts (Space, ArrowUp/Down, Shift+ArrowUp/Down — not while typing in the
// time field). Shows the pusher delivery status (dot + text), a "Connection lost" banner
// while the WebSocket is down, a stale marker when no state arrived for > 3 s, and every
// error the server sends. An operator token given as ?token=... is passed on (WebSocket
// URL and HTTP Authorization header).

import {
  ClockModel,
  Connection,
  STALE_AFTER_MS,
  adjustedSeconds,
  clockWidth,
  formatClock,
  keepScreenAwake,
  localNow,
  markConnected,
  parseTime,
  wsUrlFor,
} from "./clock.js";

const $ = (id) => document.getElementById(id);
const el = {
  clock: $("clock"),
  runState: $("run-state"),
  staleBadge: $("stale-badge"),
  toggle: $("toggle"),
  form: $("set-form"),
  input: $("time-input"),
  inputError: $("input-error"),
  statusLight: $("status-light"),
  statusLabel: $("status-label"),
  banner: $("banner"),
  serverError: $("server-error"),
  serverErrorText: $("server-error-text"),
  serverErrorClose: $("server-error-close"),
};

const token = new URLSearchParams(location.search).get("token") || "";
const model = new ClockModel();
let everConnected = false;

const connection = new Connection({
  url: wsUrlFor(location.href, token),
  token,
  httpBase: location.href,
  onState: (state, at) => {
    model.apply(state, at);
    render();
  },
  onOpen: () => {
    everConnected = true;
    markConnected(true);
    el.banner.hidden = true;
  },
  onClose: () => {
    markConnected(false);
    el.banner.hidden = false;
    render();
  },
  onError: showServerError,
});

// ---------------------------------------------------------------------------------------
// Drawing

let shownText = null;
let shownStale = null;
let shownRunning = null;
let shownStatus = null;

function render() {
  const now = localNow();
  const ms = model.remainingAt(now);
  const text = ms === null ? "--:--" : formatClock(ms);
  if (text !== shownText) {
    el.clock.textContent = text;
    el.clock.style.setProperty("--w", String(clockWidth(text)));
    shownText = text;
  }

  const stale = model.ageMs(now) > STALE_AFTER_MS;
  if (stale !== shownStale) {
    el.clock.dataset.stale = String(stale);
    el.clock.classList.toggle("stale", stale);
    el.staleBadge.hidden = !stale || model.state === null;
    el.statusLabel.parentElement.classList.toggle("stale", stale);
    shownStale = stale;
  }

  const running = model.state === null ? null : model.running;
  if (running !== shownRunning) {
    el.clock.dataset.running = String(Boolean(running));
    el.toggle.textContent = running ? "Pause" : "Start";
    el.toggle.classList.toggle("pause", Boolean(running));
    el.toggle.classList.toggle("start", !running);
    el.runState.textContent = running === null ? "Waiting for the server…" : running ? "Running" : "Paused";
    shownRunning = running;
  }

  const status = model.pusherStatus;
  if (status !== shownStatus) {
    el.statusLight.dataset.status = status;
    el.statusLabel.textContent = `Delivery: ${status}`;
    el.statusLight.title = STATUS_HELP[status] || status;
    shownStatus = status;
  }
}

const STATUS_HELP = {
  unknown: "No delivery process yet",
  healthy: "Every event delivered",
  pending: "Some events not delivered yet",
  dead: "Delivery process not running",
};

function frame() {
  render();
  requestAnimationFrame(frame);
}

// ---------------------------------------------------------------------------------------
// Errors

function showServerError(error) {
  const code = error && error.code ? ` (${error.code})` : "";
  el.serverErrorText.textContent = `${(error && error.message) || "Unknown error"}${code}`;
  el.serverError.hidden = false;
}

function clearServerError() {
  el.serverError.hidden = true;
  el.serverErrorText.textContent = "";
}

el.serverErrorClose.addEventListener("click", clearServerError);

function showInputError(message) {
  el.inputError.textContent = message;
  el.input.setAttribute("aria-invalid", "true");
}

function clearInputError() {
  el.inputError.textContent = "";
  el.input.removeAttribute("aria-invalid");
}

// ---------------------------------------------------------------------------------------
// Commands

async function send(cmd) {
  try {
    const state = await connection.command(cmd);
    clearServerError();
    return state;
  } catch (error) {
    showServerError(error);
    return undefined;
  }
}

// The toggle still waiting for its answer: a second press before the answer comes (a
// quick double tap, a slow link) means the opposite of the first press, not the same
// command again — the operator toggles what they last asked for, not what they last saw.
let pendingToggle = null; // {command}

function toggle() {
  const running = pendingToggle !== null ? pendingToggle.command === "start" : model.running;
  const mine = { command: running ? "pause" : "start" };
  pendingToggle = mine;
  send(mine).finally(() => {
    if (pendingToggle === mine) pendingToggle = null;
  });
}

// The last adjust still waiting for its answer: quick presses (or key repeat) build on it
// rather than on a state the server has not updated yet, so three taps on +1 s add 3 s.
let inFlight = null; // {ms, at, running}

function adjust(deltaTenths) {
  const now = localNow();
  let ms = model.remainingAt(now);
  if (ms === null) {
    showServerError({ code: "no_state", message: "No clock state from the server yet — cannot adjust." });
    return;
  }
  if (inFlight !== null) {
    ms = inFlight.running ? Math.max(0, inFlight.ms - (now - inFlight.at)) : inFlight.ms;
  }
  const seconds = adjustedSeconds(ms, deltaTenths);
  const mine = { ms: seconds * 1000, at: now, running: model.running };
  inFlight = mine;
  send({ command: "set", seconds }).finally(() => {
    if (inFlight === mine) inFlight = null;
  });
}

async function submitTime() {
  const parsed = parseTime(el.input.value);
  if (!parsed.ok) {
    showInputError(parsed.error);
    el.input.focus();
    return;
  }
  clearInputError();
  const state = await send({ command: "set", seconds: parsed.seconds });
  if (state !== undefined) {
    // Done: empty the field and leave it, so Space starts the clock straight away.
    el.input.value = "";
    if (document.activeElement === el.input) el.input.blur();
  }
}

el.toggle.addEventListener("click", toggle);
$("plus1").addEventListener("click", () => adjust(10));
$("minus1").addEventListener("click", () => adjust(-10));
$("plus01").addEventListener("click", () => adjust(1));
$("minus01").addEventListener("click", () => adjust(-1));
el.form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  submitTime();
});
el.input.addEventListener("input", clearInputError);

// ---------------------------------------------------------------------------------------
// Keyboard

function isTyping(target) {
  if (!(target instanceof Element)) return false;
  return target.matches("input, textarea, select, [contenteditable], [contenteditable] *");
}

const isSpace = (ev) => ev.code === "Space" || ev.key === " ";

document.addEventListener("keydown", (ev) => {
  if (ev.target === el.input && ev.key === "Escape") {
    clearInputError();
    el.input.blur();
    return;
  }
  if (ev.ctrlKey || ev.metaKey || ev.altKey || isTyping(ev.target)) return;
  if (isSpace(ev)) {
    // Also stops a focused button from "clicking" itself on Space (no double toggle).
    ev.preventDefault();
    if (!ev.repeat) toggle();
  } else if (ev.key === "ArrowUp" || ev.key === "ArrowDown") {
    ev.preventDefault();
    const step = ev.shiftKey ? 1 : 10;
    adjust(ev.key === "ArrowUp" ? step : -step);
  }
});

// Firefox clicks a focused button on Space keyup; the keydown handler already toggled.
document.addEventListener("keyup", (ev) => {
  if (isSpace(ev) && !isTyping(ev.target) && !(ev.ctrlKey || ev.metaKey || ev.altKey)) {
    ev.preventDefault();
  }
});

// ---------------------------------------------------------------------------------------
// Start

markConnected(false);
connection.start();
// The banner stays hidden during the very first connection attempt, unless it drags on.
setTimeout(() => {
  if (!everConnected && !connection.connected) el.banner.hidden = false;
}, 2000);
// Keep stale marking right even when animation frames are throttled.
setInterval(render, 500);
requestAnimationFrame(frame);
keepScreenAwake();
