// When a display sounds the horn (static/horn-plan.js): predicted zeros handed to the
// audio clock ahead of time, called off when the clock stops, announced horns sounded
// once, never twice for the same zero, and not at all when stale or already known.
import assert from "node:assert/strict";
import { test } from "node:test";

import { HornPlan, LOOKAHEAD_MS, predictedZeros } from "../../static/horn-plan.js";

const T = 1_800_000_000_000;
const running = (remaining, extra = {}) => ({
  running: true, remaining_ms: remaining, server_time_ms: T, horn: null, ...extra,
});

test("predictedZeros: the game clock's zero, and the shot clock's when it comes first", () => {
  assert.deepEqual(predictedZeros(running(5000)).map((z) => [z.reason, z.at]), [["period_end", T + 5000]]);
  const shot = running(60000, { shot_clock: { running: true, remaining_ms: 24000 } });
  assert.deepEqual(predictedZeros(shot).map((z) => z.at), [T + 60000, T + 24000]);
  const late = running(10000, { shot_clock: { running: true, remaining_ms: 24000 } });
  assert.equal(predictedZeros(late).length, 1); // the period ends first: no shot horn
  assert.deepEqual(predictedZeros({ ...running(5000), running: false }), []);
});

test("a zero is scheduled once it is within the look-ahead, for its true instant", () => {
  const plan = new HornPlan();
  const left = LOOKAHEAD_MS + 3000;
  assert.deepEqual(plan.update(running(left), T).schedule, []);
  const { schedule } = plan.update(running(left), T + left - LOOKAHEAD_MS + 1);
  assert.deepEqual(schedule.map((s) => [s.at, s.reason, s.late]), [[T + left, "period_end", false]]);
  assert.deepEqual(plan.update(running(left), T + left - 1000).schedule, []); // not twice
  // The server's own horn for that zero arrives: the same horn, not sounded again.
  const after = { running: false, remaining_ms: 0, server_time_ms: T + left + 1, horn: { at_ms: T + left, reason: "period_end" } };
  assert.deepEqual(plan.update(after, T + left + 10), { schedule: [], cancel: [] });
});

test("a pause before the zero calls the scheduled horn off", () => {
  const plan = new HornPlan();
  const [item] = plan.update(running(1000), T).schedule;
  const paused = { running: false, remaining_ms: 400, server_time_ms: T + 600, horn: null };
  assert.deepEqual(plan.update(paused, T + 600), { schedule: [], cancel: [item.id] });
});

test("an announced horn sounds at once, unless it was already there or is too old", () => {
  const plan = new HornPlan();
  const first = { running: false, remaining_ms: 1000, server_time_ms: T, horn: { at_ms: T - 50000, reason: "operator" } };
  assert.deepEqual(plan.update(first, T).schedule, []); // the last horn before the page opened
  const pressed = { ...first, horn: { at_ms: T + 100, reason: "operator" } };
  const { schedule } = plan.update(pressed, T + 130);
  assert.deepEqual(schedule.map((s) => [s.at, s.late]), [[T + 100, true]]);
  assert.deepEqual(plan.update(pressed, T + 200).schedule, []);
  const old = { ...first, horn: { at_ms: T + 1000, reason: "operator" } };
  assert.deepEqual(plan.update(old, T + 5000).schedule, []); // came back after a long outage
});
