// display.js — the read-only display page (display.html).
//
// Follows the clock over the WebSocket (or an MQTT broker: mqtt-source.js) and draws it
// every animation frame (clock-view.js), as large as the screen allows (font size in
// vw/vh, scaled by the width of the current format). No controls and no token needed.
// Double-click (or double-tap) toggles full screen. What it shows besides the digits,
// from the URL options (clock-state.js):
//   * a large STALE badge (readable across a gym) with no state for > 3 s, and a
//     "reconnecting" marker in a corner while the connection is down;
//   * a small PAUSED line while stopped with time left (?status=0 hides it);
//   * an END OF PERIOD mark at zero, with the digits red and 0.0 held;
//   * amber digits once ?warn=N seconds or less are left (default 60, 0 = never).
// With ?bg=transparent (an OBS overlay) every one of those marks is removed from the page:
// nothing but the digits is ever drawn, and stale or reconnecting only dims them.
// Under a game's rules (state.rules) the page is the scoreboard (game-view.js draws it);
// ?show=clock keeps the clock alone, ?show=shot is the shot-clock unit (the shot clock
// big, the game clock under it). body[data-mode] says which: clock, board or shot. The
// clock element moves into the layout of the mode. ?horn=1 sounds the horn (horn.js).

import { ClockModel } from "./clock-model.js";
import { displayOptions } from "./clock-state.js";
import { ClockView, openConnection, runPage } from "./clock-view.js";
import { isGame } from "./game-format.js";
import { GameView } from "./game-view.js";
import { HornPlayer } from "./horn.js";

const options = displayOptions(location.search);
const params = new URLSearchParams(location.search);
const show = params.get("show"); // "clock", "shot" or null (the board under a game's rules)
const $ = (id) => document.getElementById(id);
const marks = {
  conn: $("conn"),
  staleBadge: $("stale-badge"),
  runStatus: $("run-status"),
  endMark: $("end-mark"),
};
if (options.transparent) {
  for (const [name, element] of Object.entries(marks)) {
    element.remove();
    marks[name] = null;
  }
}

const model = new ClockModel();
const view = new ClockView(model, $("clock"), {
  staleBadge: marks.staleBadge,
  warnSeconds: () => options.warnSeconds,
});

const gameView = new GameView(document.body);
const horn = params.get("horn") === "1"
  ? new HornPlayer({ model, button: options.transparent ? null : soundButton() })
  : null;

/** The one-tap "Enable sound" (only on a page with ?horn=1: a display has no controls). */
function soundButton() {
  const button = document.createElement("button");
  button.id = "enable-sound";
  button.className = "enable-sound";
  button.type = "button";
  button.hidden = true;
  button.textContent = "🔊 Enable sound";
  document.body.append(button);
  return button;
}
const clockHome = {
  clock: document.querySelector(".display-stage"),
  board: $("board-clock-slot"),
  shot: $("shot-clock-slot"),
};
let mode = null;

function pageMode(state) {
  if (show === "clock") return "clock";
  if (show === "shot") return "shot";
  return isGame(state) ? "board" : "clock";
}

function showMode(next) {
  mode = next;
  document.body.dataset.mode = next;
  clockHome[next].append($("clock"));
  $("board").hidden = next !== "board";
  $("shot-unit").hidden = next !== "shot";
  document.querySelector(".display-stage").hidden = next !== "clock";
}

function render() {
  const next = pageMode(model.state);
  if (next !== mode) showMode(next);
  const drawn = view.render();
  if (mode !== "clock") gameView.render(model.state, drawn.ms);
  if (horn) horn.tick();
  if (drawn.changed.phase) {
    if (marks.runStatus) marks.runStatus.hidden = !options.showStatus || drawn.phase !== "paused";
    if (marks.endMark) marks.endMark.hidden = drawn.phase !== "timeup";
  }
}

function showConnected(connected) {
  if (marks.conn) marks.conn.hidden = connected;
}

// The source: Score's own /ws, or a broker (?mqtt=ws://broker:9001&topic=score/court1),
// whose client is loaded only then.
const broker = new URLSearchParams(location.search).has("mqtt")
  ? await import("./mqtt-source.js")
  : null;
const source = broker ? broker.openBrokerConnection : openConnection;
const connection = source({
  ...(broker ? broker.brokerOptions(location.search) : {}),
  model,
  render,
  onOpen: () => showConnected(true),
  onClose: () => showConnected(false),
  // A display has nobody to read errors; the console keeps them for whoever debugs.
  onError: (error) => console.warn("Score server error:", error.code, error.message),
});

document.addEventListener("dblclick", () => {
  if (!document.fullscreenEnabled) return;
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  else document.documentElement.requestFullscreen().catch(() => {});
});

// Quiet during the very first connection attempt, unless it drags on.
runPage({ connection, render, onSlowStart: () => showConnected(false) });
