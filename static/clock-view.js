// clock-view.js — the DOM side both pages share: drawing the clock from a ClockModel
// (digits, their width, stale, running, phase, low-time warning), the connection wired to
// the model, and the start-up (frame loop, stale check, screen wake lock). Each page adds
// only what is its own: app.js the controls, display.js the display's marks.

import { STALE_AFTER_MS, localNow } from "./clock-model.js";
import { clockPhase, isWarning } from "./clock-state.js";
import { Connection, wsUrlFor } from "./connection.js";
import { clockWidth } from "./format.js";
import { formatGameClock } from "./game-format.js";

/**
 * Draws one clock element. render() recomputes everything from the model but touches the
 * DOM only for what changed, and returns what it drew: {ms, text, stale, running, phase,
 * warning, changed}, where `changed` names the fields that differ from the last frame, so a
 * page updates its own marks only when needed. The element gets data-stale, data-running,
 * data-phase (see clockPhase) and data-warning, which the style sheet colours and the
 * browser tests read; body[data-phase] follows it, for page-wide styles.
 */
export class ClockView {
  constructor(model, clock, { staleBadge = null, warnSeconds = () => 0 } = {}) {
    this.model = model;
    this.clock = clock;
    this.staleBadge = staleBadge;
    this.warnSeconds = warnSeconds;
    this.shown = {};
  }

  render(now = localNow()) {
    const model = this.model;
    const ms = model.remainingAt(now);
    const running = model.state === null ? null : model.running;
    const next = {
      text: ms === null ? "--:--" : formatGameClock(ms, model.state),
      stale: model.ageMs(now) > STALE_AFTER_MS,
      running,
      phase: clockPhase(ms, running, model.state && model.state.last_event_id),
      warning: isWarning(ms, this.warnSeconds()),
    };
    const changed = {};
    for (const key of Object.keys(next)) changed[key] = next[key] !== this.shown[key];
    const clock = this.clock;
    if (changed.text) {
      clock.textContent = next.text;
      clock.style.setProperty("--w", String(clockWidth(next.text)));
    }
    if (changed.stale) {
      clock.dataset.stale = String(next.stale);
      clock.classList.toggle("stale", next.stale);
      if (this.staleBadge) this.staleBadge.hidden = !next.stale || model.state === null;
    }
    if (changed.running) clock.dataset.running = String(Boolean(running));
    if (changed.phase) {
      clock.dataset.phase = next.phase;
      document.body.dataset.phase = next.phase;
    }
    if (changed.warning) clock.dataset.warning = String(next.warning);
    this.shown = next;
    return { ...next, ms, changed };
  }
}

/** Tell the page (and browser tests) whether the WebSocket is open. */
export function markConnected(connected) {
  document.body.dataset.connected = connected ? "true" : "false";
}

/**
 * A page's side of its connection opening and closing, for /ws (openConnection) and a
 * broker (mqtt-source.js): body[data-connected], the caller's own hooks, and a redraw
 * once it is lost (the state shows stale).
 */
export function connectionHooks({ render, onOpen, onClose }) {
  return {
    onOpen: () => {
      markConnected(true);
      if (onOpen) onOpen();
    },
    onClose: () => {
      markConnected(false);
      if (onClose) onClose();
      render();
    },
  };
}

/**
 * The page's connection to /ws: every state goes into `model` and is drawn at once;
 * body[data-connected] follows the socket. `token` (operator page) is passed on.
 */
export function openConnection({ model, render, token = "", onOpen, onClose, onError }) {
  return new Connection({
    url: wsUrlFor(location.href, token),
    token,
    httpBase: location.href,
    onState: (state, at) => {
      model.apply(state, at);
      render();
    },
    ...connectionHooks({ render, onOpen, onClose }),
    onError,
  });
}

/**
 * Start a page: connect, draw every animation frame (and twice a second, so the stale mark
 * stays right when frames are throttled), keep the screen on. `onSlowStart` runs when the
 * very first connection is still not up after 2 s: pages stay quiet until then.
 */
export function runPage({ connection, render, onSlowStart }) {
  markConnected(false);
  connection.start();
  setTimeout(() => {
    if (!connection.everOpened && onSlowStart) onSlowStart();
  }, 2000);
  setInterval(render, 500);
  const frame = () => {
    render();
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  keepScreenAwake();
}

/** Keep the screen on where the browser allows it (secure contexts only); best effort. */
function keepScreenAwake() {
  if (!navigator.wakeLock) return;
  const request = () => {
    if (document.visibilityState !== "visible") return;
    navigator.wakeLock.request("screen").catch(() => {
      /* not allowed here (e.g. plain http on a LAN address): the screen may sleep */
    });
  };
  request();
  document.addEventListener("visibilitychange", request);
}
