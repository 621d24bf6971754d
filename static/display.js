// display.js — the read-only display page (display.html).
//
// Follows the clock over the WebSocket (clock.js) and draws it every animation frame,
// as large as the screen allows (font size in vw/vh, scaled by the width of the current
// format). No controls and no token needed. While the connection is down a small marker
// (#conn) shows in a corner; with no state for > 3 s the clock is dimmed and marked stale.
// Double-click (or double-tap) toggles full screen.

import {
  ClockModel,
  Connection,
  STALE_AFTER_MS,
  clockWidth,
  formatClock,
  keepScreenAwake,
  localNow,
  markConnected,
  wsUrlFor,
} from "./clock.js";

const clock = document.getElementById("clock");
const conn = document.getElementById("conn");
const staleBadge = document.getElementById("stale-badge");
const model = new ClockModel();
let everConnected = false;

function setConnected(connected) {
  markConnected(connected);
  conn.dataset.connected = String(connected);
  conn.hidden = connected;
}

const connection = new Connection({
  url: wsUrlFor(location.href, ""),
  httpBase: location.href,
  onState: (state, at) => {
    model.apply(state, at);
    render();
  },
  onOpen: () => {
    everConnected = true;
    setConnected(true);
  },
  onClose: () => {
    setConnected(false);
    render();
  },
  // A display has nobody to read errors; the console keeps them for whoever debugs.
  onError: (error) => console.warn("Score server error:", error.code, error.message),
});

let shownText = null;
let shownStale = null;
let shownRunning = null;

function render() {
  const now = localNow();
  const ms = model.remainingAt(now);
  const text = ms === null ? "--:--" : formatClock(ms);
  if (text !== shownText) {
    clock.textContent = text;
    clock.style.setProperty("--w", String(clockWidth(text)));
    shownText = text;
  }
  const stale = model.ageMs(now) > STALE_AFTER_MS;
  if (stale !== shownStale) {
    clock.dataset.stale = String(stale);
    clock.classList.toggle("stale", stale);
    staleBadge.hidden = !stale || model.state === null;
    shownStale = stale;
  }
  const running = model.running;
  if (running !== shownRunning) {
    clock.dataset.running = String(running);
    shownRunning = running;
  }
}

function frame() {
  render();
  requestAnimationFrame(frame);
}

document.addEventListener("dblclick", () => {
  if (!document.fullscreenEnabled) return;
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  else document.documentElement.requestFullscreen().catch(() => {});
});

setConnected(false);
conn.hidden = true; // quiet during the very first connection attempt
connection.start();
setTimeout(() => {
  if (!everConnected && !connection.connected) conn.hidden = false;
}, 2000);
setInterval(render, 500);
requestAnimationFrame(frame);
keepScreenAwake();
