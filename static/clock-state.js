// clock-state.js — what the pages make of the remaining time, as pure functions: the
// phase (waiting, running, paused, time up), the low-time warning and its threshold, whether
// Start makes sense, and the display page's URL options. No DOM, no clock: the pages pass
// the remaining time in, and `node --test` checks the rules.

/** Warning colours from this many seconds left, unless the page says otherwise. */
export const DEFAULT_WARN_SECONDS = 60;
/** The largest threshold accepted (an hour: a threshold over a period means "always"). */
export const MAX_WARN_SECONDS = 3600;
/** Where the operator page keeps its threshold (per browser). */
export const WARN_STORAGE_KEY = "score.warnSeconds";

/**
 * The phase of the clock for drawing:
 *   "waiting"  no state from the server yet (ms is null)
 *   "unset"    at zero before anything happened (a new game: last_event_id 0)
 *   "timeup"   zero reached: the period is over (0.0 is held until a new time is set)
 *   "running"  counting down
 *   "paused"   stopped with time left
 */
export function clockPhase(ms, running, lastEventId = null) {
  if (ms === null || ms === undefined) return "waiting";
  if (ms <= 0) return lastEventId === 0 ? "unset" : "timeup";
  return running ? "running" : "paused";
}

/** True when time is running low: some time left, and at most `warnSeconds` of it.
 *  A threshold of 0 turns the warning off. */
export function isWarning(ms, warnSeconds) {
  if (ms === null || ms === undefined || !(warnSeconds > 0)) return false;
  return ms > 0 && ms <= warnSeconds * 1000;
}

/**
 * A warning threshold as typed or stored ("45", "90.5", ""), in whole seconds, or null
 * when it is not one (then the caller keeps its default). 0 means "no warning".
 */
export function parseWarnSeconds(text) {
  if (text === null || text === undefined) return null;
  const trimmed = String(text).trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return null;
  const seconds = Math.floor(Number(trimmed));
  return seconds <= MAX_WARN_SECONDS ? seconds : null;
}

/** The label under the operator's clock for a phase. */
export function phaseLabel(phase) {
  return {
    waiting: "Waiting for the server…",
    unset: "No time set",
    running: "Running",
    paused: "Paused",
    timeup: "Time up",
  }[phase];
}

/**
 * What the Start/Pause button does now: "pause" while running, "start" with time left,
 * and "blocked" at 0:00, where a start could only be refused (clock_at_zero): the page
 * disables the button and says to set a time instead.
 */
export function toggleAction(ms, running) {
  if (running) return "pause";
  return ms !== null && ms !== undefined && ms <= 0 ? "blocked" : "start";
}

/**
 * The display page's options from its query string:
 *   ?bg=transparent   an overlay for OBS: nothing but the digits is ever drawn
 *   ?status=0         hide the small PAUSED line
 *   ?warn=N           warning colours from N seconds left (0: never)
 */
export function displayOptions(search) {
  const params = new URLSearchParams(search);
  const transparent = params.get("bg") === "transparent";
  const status = params.get("status");
  const hideStatus = status !== null && ["0", "false", "no", "off"].includes(status.toLowerCase());
  const warn = parseWarnSeconds(params.get("warn"));
  return {
    transparent,
    showStatus: !transparent && !hideStatus,
    warnSeconds: warn ?? DEFAULT_WARN_SECONDS,
  };
}
