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

import { ClockModel } from "./clock-model.js";
import { displayOptions } from "./clock-state.js";
import { ClockView, openConnection, runPage } from "./clock-view.js";

const options = displayOptions(location.search);
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

function render() {
  const drawn = view.render();
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
