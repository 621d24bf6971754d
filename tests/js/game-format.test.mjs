// A game's state as the pages read it (static/game-format.js): the game clock counting
// down or up, the shot clock, penalties, periods, clocks that run with the game clock,
// and the Undo button's label.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  clockShownMs,
  formatGameClock,
  formatPenalty,
  formatShot,
  isGame,
  periodLabel,
  subClockAt,
  undoLabel,
} from "../../static/game-format.js";

const fiba = { rules: { name: "basketball-fiba", count: "down", tenths_below: 60, periods: 4 }, period_ms: 600000 };
const handball = { rules: { name: "handball", count: "up", tenths_below: 0, periods: 2 }, period_ms: 1800000 };
const hockey = { rules: { name: "ice-hockey", count: "down", tenths_below: 0, periods: 3 }, period_ms: 1200000 };

test("isGame: the plain clock and no state are not games", () => {
  assert.equal(isGame(null), false);
  assert.equal(isGame({ seconds: 1 }), false);
  assert.equal(isGame({ rules: { name: "clock" } }), false);
  assert.equal(isGame(fiba), true);
});

test("formatGameClock: counting down, tenths below the rules' limit only", () => {
  assert.equal(formatGameClock(600000, fiba), "10:00");
  assert.equal(formatGameClock(60000, fiba), "1:00");
  assert.equal(formatGameClock(59999, fiba), "59.9");
  assert.equal(formatGameClock(0, fiba), "0.0");
  assert.equal(formatGameClock(45999, hockey), "0:45"); // no tenths in hockey
  assert.equal(formatGameClock(59999, { rules: { name: "clock" } }), "59.9"); // the plain clock as before
});

test("formatGameClock: counting up shows the time played, truncated", () => {
  assert.equal(formatGameClock(1800000, handball), "0:00");
  assert.equal(formatGameClock(1800000 - 30999, handball), "0:30");
  assert.equal(formatGameClock(1, handball), "29:59");
  assert.equal(formatGameClock(0, handball), "30:00");
  assert.equal(clockShownMs(1799000, handball), 1000);
  assert.equal(clockShownMs(1799000, fiba), 1799000);
});

test("formatShot: whole seconds rounded up, tenths below the limit, 0 at zero", () => {
  const shot = { full: 24, short: 14, tenths_below: 5 };
  assert.equal(formatShot(24000, shot), "24");
  assert.equal(formatShot(23001, shot), "24");
  assert.equal(formatShot(5000, shot), "5");
  assert.equal(formatShot(4999, shot), "4.9");
  assert.equal(formatShot(0, shot), "0");
  assert.equal(formatShot(null, shot), "");
});

test("formatPenalty and periodLabel", () => {
  assert.equal(formatPenalty(120000), "2:00");
  assert.equal(formatPenalty(119001), "2:00");
  assert.equal(formatPenalty(59000), "0:59");
  assert.equal(periodLabel(2, fiba.rules), "Q2");
  assert.equal(periodLabel(5, fiba.rules), "OT1");
  assert.equal(periodLabel(3, hockey.rules), "P3");
  assert.equal(periodLabel(2, handball.rules), "H2");
  assert.equal(periodLabel(0, fiba.rules), "");
});

test("subClockAt: a shot clock or penalty moves exactly with the game clock", () => {
  assert.equal(subClockAt(24000, 600000, 599000), 23000);
  assert.equal(subClockAt(24000, 600000, 500000), 0);
  assert.equal(subClockAt(24000, 600000, 600500), 24000); // never runs backwards
  assert.equal(subClockAt(undefined, 1, 1), null);
});

test("undoLabel: names what undo reverts, with the team's name", () => {
  const teams = { home: { name: "Hawks" }, away: { name: "Owls" } };
  assert.equal(undoLabel({ kind: "score", team: "home", points: 3 }, teams), "Undo: Hawks +3");
  assert.equal(undoLabel({ kind: "score", team: "away", points: -1 }, teams), "Undo: Owls −1");
  assert.equal(undoLabel({ kind: "foul", team: "away", delta: 1 }, teams), "Undo: Owls foul +1");
  assert.equal(undoLabel({ kind: "penalty", team: "home", player: "17" }, teams), "Undo: Hawks #17 penalty");
  assert.equal(undoLabel({ kind: "start" }, teams), "Undo: start");
  assert.equal(undoLabel({ kind: "something new" }, teams), "Undo: last change");
  assert.equal(undoLabel(null, teams), "Undo");
});
