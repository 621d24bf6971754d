// game-format.js — how a game's state reads on the pages, as pure functions (no DOM, no
// clock), so `node --test` checks them:
//
//   isGame(state)                   a game's state (rules other than the plain clock)
//   clockShownMs(ms, state)         remaining ms -> what the clock shows: time played when
//                                   the rules count up (handball), time left otherwise
//   formatGameClock(ms, state)      the game clock's text, tenths below the rules' limit
//   formatShot(ms, shotRules)       "24", "13", "4.9": whole seconds (rounded up, so "24"
//                                   shows for its whole first second) and tenths below the limit
//   formatPenalty(ms)               "1:59" (rounded up, as penalty clocks are read)
//   periodLabel(period, rules)      "Q2", "OT1", "P3", "H2"
//   subClockAt(subMs, stateMs, gameMs)  a clock that runs with the game clock, now
//   undoLabel(undoNext, teams)      "Undo: Hawks +3"

import { formatClock } from "./format.js";

const pad2 = (n) => String(n).padStart(2, "0");

export function isGame(state) {
  return Boolean(state && state.rules && state.rules.name && state.rules.name !== "clock");
}

export function countsUp(state) {
  return isGame(state) && state.rules.count === "up";
}

export function clockShownMs(ms, state) {
  if (ms === null || ms === undefined) return ms;
  if (!countsUp(state)) return ms;
  const length = Number.isFinite(state.period_ms) ? state.period_ms : state.rules.period_seconds * 1000;
  return Math.max(0, length - ms);
}

/** The game clock's text. Counting down it is format.js's clock, except that tenths
 *  start below the rules' `tenths_below` (not always at 60 s); counting up it is the
 *  time played in whole seconds, truncated ("0:00" at the start, "30:00" at the end). */
export function formatGameClock(remainingMs, state) {
  if (!isGame(state)) return formatClock(remainingMs);
  if (countsUp(state)) {
    const played = Math.floor(clockShownMs(remainingMs, state) / 1000);
    return `${Math.floor(played / 60)}:${pad2(played % 60)}`;
  }
  const below = Number(state.rules.tenths_below ?? 60);
  if (remainingMs > 0 && remainingMs < below * 1000) {
    const text = formatClock(remainingMs);
    if (remainingMs >= 60000) {
      const tenths = Math.floor(remainingMs / 100);
      const total = Math.floor(tenths / 10);
      return `${Math.floor(total / 60)}:${pad2(total % 60)}.${tenths % 10}`;
    }
    return text;
  }
  if (remainingMs >= 60000 || remainingMs <= 0) return formatClock(remainingMs);
  // Above the tenths limit but under a minute: whole seconds, "0:45".
  const total = Math.floor(remainingMs / 1000);
  return `0:${pad2(total)}`;
}

export function formatShot(ms, shotRules) {
  if (ms === null || ms === undefined) return "";
  if (ms <= 0) return "0";
  const below = Number((shotRules && shotRules.tenths_below) ?? 0);
  if (ms < below * 1000) return formatClock(ms);
  return String(Math.ceil(ms / 1000));
}

export function formatPenalty(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(total / 60)}:${pad2(total % 60)}`;
}

export function periodLabel(period, rules) {
  if (!rules || !Number.isFinite(period) || period < 1) return "";
  const periods = Number(rules.periods);
  if (period > periods) return `OT${period - periods}`;
  const prefix = periods === 4 ? "Q" : periods === 2 ? "H" : "P";
  return `${prefix}${period}`;
}

/** A clock that is a mark on the game clock (the shot clock, a penalty): it showed
 *  `subMs` when the game clock showed `stateMs`, so with the game clock at `gameMs` it
 *  shows subMs - (stateMs - gameMs), never below 0. */
export function subClockAt(subMs, stateMs, gameMs) {
  if (!Number.isFinite(subMs)) return null;
  if (!Number.isFinite(stateMs) || !Number.isFinite(gameMs)) return Math.max(0, subMs);
  return Math.max(0, subMs - Math.max(0, stateMs - gameMs));
}

const signed = (n) => (n > 0 ? `+${n}` : `−${Math.abs(n)}`);

/** The Undo button's label from the state's `undo_next` (and the teams' names). */
export function undoLabel(undoNext, teams) {
  if (!undoNext) return "Undo";
  const name = (team) => (teams && teams[team] && teams[team].name) || team;
  const what = {
    score: () => `${name(undoNext.team)} ${signed(undoNext.points)}`,
    foul: () => `${name(undoNext.team)} foul ${signed(undoNext.delta)}`,
    timeout: () => `${name(undoNext.team)} timeout`,
    team: () => `${name(undoNext.team)} name`,
    period: () => `period ${undoNext.period}`,
    penalty: () => `${name(undoNext.team)} #${undoNext.player} penalty`,
    possession: () => `possession ${name(undoNext.team)}`,
    horn: () => "horn",
    start: () => "start",
    pause: () => "pause",
    shot_clock: () => "shot clock reset",
    clock: () => "clock change",
  }[undoNext.kind];
  return `Undo: ${what ? what() : "last change"}`;
}
