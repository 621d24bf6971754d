// app.js — the operator page (index.html).
//
// Draws the clock every animation frame (clock-view.js) and drives the server: Start/Pause
// toggle, set from the typed time, ±1 s / ±0.1 s nudges (the adjust command), with keyboard shortcuts (Space,
// ArrowUp/Down, Shift+ArrowUp/Down — not while typing in the time field). At 0:00 Start is
// disabled with a hint to set a time (the server would refuse it), and the clock shows the
// time-up state (red 0.0, "End of period"). The digits turn amber from the warning
// threshold, which the operator sets below the controls (kept in this browser). Also shows
// the pusher delivery status, a "Connection lost" banner while the WebSocket is down, a
// stale marker when no state arrived for > 3 s, errors (alerts.js), what the start
// restored (restored.js) and the "Join from a tablet" QR code (join.js). An operator token given as ?token=... is passed on.
// Under a game's rules the game console (console.js) shows as well and gets every key
// press first: Space and the arrows are then its (remappable) keys.

import { Alerts } from "./alerts.js";
import { ClockModel, localNow } from "./clock-model.js";
import {
  DEFAULT_WARN_SECONDS,
  WARN_STORAGE_KEY,
  parseWarnSeconds,
  phaseLabel,
  toggleAction,
} from "./clock-state.js";
import { ClockView, openConnection, runPage } from "./clock-view.js";
import { GameConsole } from "./console.js";
import { isGame } from "./game-format.js";
import { adjustedSeconds, parseTime } from "./format.js";
import { showJoinPanel } from "./join.js";
import { DeliveryStatus } from "./delivery-status.js";
import { showRestored } from "./restored.js";

const $ = (id) => document.getElementById(id);
const el = {
  runState: $("run-state"),
  endMark: $("end-mark"),
  toggle: $("toggle"),
  toggleHint: $("toggle-hint"),
  form: $("set-form"),
  input: $("time-input"),
  inputError: $("input-error"),
  statusLabel: $("status-label"),
  banner: $("banner"),
  warnInput: $("warn-input"),
};
const alerts = new Alerts({
  box: $("server-error"),
  boxText: $("server-error-text"),
  boxClose: $("server-error-close"),
  storageBanner: $("storage-banner"),
  storageText: $("storage-banner-text"),
});

const token = new URLSearchParams(location.search).get("token") || "";
const model = new ClockModel();
let warnSeconds = loadWarnSeconds();
const view = new ClockView(model, $("clock"), {
  staleBadge: $("stale-badge"),
  warnSeconds: () => warnSeconds,
});

// ---------------------------------------------------------------------------------------
// Drawing

const delivery = new DeliveryStatus({
  light: $("status-light"),
  label: $("status-label"),
  detail: $("status-detail"),
  list: $("status-destinations"),
});

function render() {
  const drawn = view.render();
  if (isGame(model.state)) {
    gameConsole.activate();
    gameConsole.render(model.state, drawn.ms);
  }
  if (drawn.changed.stale) el.statusLabel.parentElement.classList.toggle("stale", drawn.stale);
  if (drawn.changed.running || drawn.changed.phase) {
    const action = toggleAction(drawn.ms, drawn.running);
    el.toggle.textContent = action === "pause" ? "Pause" : "Start";
    el.toggle.classList.toggle("pause", action === "pause");
    el.toggle.classList.toggle("start", action !== "pause");
    el.toggle.disabled = action === "blocked";
    el.toggleHint.hidden = action !== "blocked";
    el.runState.textContent = phaseLabel(drawn.phase);
    el.endMark.hidden = drawn.phase !== "timeup";
  }
  delivery.render(model.pusherStatus, model.pusherDetail, model.state && model.state.destinations);
}

// ---------------------------------------------------------------------------------------
// Commands

async function send(cmd) {
  try {
    const state = await connection.command(cmd);
    alerts.clear();
    return state;
  } catch (error) {
    alerts.show(error);
    return undefined;
  }
}

// The toggle still waiting for its answer: a second press before the answer comes (a
// quick double tap, a slow link) means the opposite of the first press, not the same
// command again — the operator toggles what they last asked for, not what they last saw.
let pendingToggle = null; // {command}

function toggle() {
  let command;
  if (pendingToggle !== null) {
    command = pendingToggle.command === "start" ? "pause" : "start";
  } else {
    command = toggleAction(model.remainingAt(localNow()), model.running);
  }
  if (command === "blocked") {
    // Space at 0:00: the button is disabled and its hint says why; nothing is sent.
    el.toggleHint.hidden = false;
    return;
  }
  const mine = { command };
  pendingToggle = mine;
  send(mine).finally(() => {
    if (pendingToggle === mine) pendingToggle = null;
  });
}

// A nudge is its own command (CLOCK_ADJUSTED {delta_ms}), so the log tells it from a
// set and quick presses add up on the server. The last one still in flight is only
// remembered to keep a run of presses from asking for less than 0:00.
let inFlight = null; // {ms, at, running}

function adjust(deltaTenths) {
  const now = localNow();
  let ms = model.remainingAt(now);
  if (ms === null) {
    alerts.show({ code: "no_state", message: "No clock state from the server yet — cannot adjust." });
    return;
  }
  if (inFlight !== null) {
    ms = inFlight.running ? Math.max(0, inFlight.ms - (now - inFlight.at)) : inFlight.ms;
  }
  const target = adjustedSeconds(ms, deltaTenths);
  const deltaMs = Math.round(target * 10) * 100 - Math.max(0, Math.floor(ms / 100)) * 100;
  if (deltaMs === 0) return; // already at 0:00 (or at the top): nothing to nudge
  const mine = { ms: ms + deltaMs, at: now, running: model.running };
  inFlight = mine;
  send({ command: "adjust", delta_ms: deltaMs }).finally(() => {
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

function showInputError(message) {
  el.inputError.textContent = message;
  el.input.setAttribute("aria-invalid", "true");
}

function clearInputError() {
  el.inputError.textContent = "";
  el.input.removeAttribute("aria-invalid");
}

el.toggle.addEventListener("click", toggle);
const gameConsole = new GameConsole({
  root: $("game"),
  send,
  toggle: () => {
    if (!el.toggle.disabled) toggle();
    else el.toggleHint.hidden = false;
  },
  focusTime: () => el.input.focus(),
  adjust: (tenths) => adjust(tenths),
  storage: (() => {
    try {
      return localStorage;
    } catch {
      return null; // storage blocked: the keys hold until the page is closed
    }
  })(),
});
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
// The warning threshold: per browser (localStorage), since each bench has its own habits.

function loadWarnSeconds() {
  let stored = null;
  try {
    stored = localStorage.getItem(WARN_STORAGE_KEY);
  } catch {
    /* storage blocked: the default it is */
  }
  return parseWarnSeconds(stored) ?? DEFAULT_WARN_SECONDS;
}

el.warnInput.value = String(warnSeconds);
el.warnInput.addEventListener("change", () => {
  const seconds = parseWarnSeconds(el.warnInput.value);
  if (seconds === null) {
    el.warnInput.value = String(warnSeconds); // not a threshold: keep the last good one
    return;
  }
  warnSeconds = seconds;
  el.warnInput.value = String(seconds);
  try {
    localStorage.setItem(WARN_STORAGE_KEY, String(seconds));
  } catch {
    /* storage blocked: it holds until the page is closed */
  }
});
$("warn-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  el.warnInput.blur(); // Enter: "change" fires, and Space is a command again
});

// ---------------------------------------------------------------------------------------
// Keyboard

function isTyping(target) {
  if (!(target instanceof Element)) return false;
  return target.matches("input, textarea, select, [contenteditable], [contenteditable] *");
}

const isSpace = (ev) => ev.code === "Space" || ev.key === " ";

document.addEventListener("keydown", (ev) => {
  if (isTyping(ev.target) && ev.key === "Escape") {
    if (ev.target === el.input) clearInputError();
    ev.target.blur();
    return;
  }
  if (ev.ctrlKey || ev.metaKey || ev.altKey || isTyping(ev.target)) return;
  if (gameConsole.active && gameConsole.handleKey(ev)) return;
  if (gameConsole.active && isSpace(ev)) {
    ev.preventDefault(); // Space was given another action: it does not click buttons either
  } else if (isSpace(ev)) {
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

const connection = openConnection({
  model,
  render,
  token,
  onOpen: () => {
    el.banner.hidden = true;
    showJoinPanel({ token, panel: $("join-panel"), image: $("join-qr"), link: $("join-url") });
  },
  onClose: () => {
    el.banner.hidden = false;
  },
  onError: (error) => alerts.show(error),
});
// The banner stays hidden during the very first connection attempt, unless it drags on.
runPage({ connection, render, onSlowStart: () => (el.banner.hidden = false) });
showRestored({ note: $("restored-note"), text: $("restored-text"), dismiss: $("restored-close") });
