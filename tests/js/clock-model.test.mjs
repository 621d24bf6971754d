// Clock arithmetic, the offset estimate and the local clock model (static/clock-model.js),
// on made-up instants: no timers, no real clock.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  ClockModel,
  MAX_LATENCY_MS,
  OffsetEstimator,
  STALE_AFTER_MS,
  computeRemaining,
} from "../../static/clock-model.js";

const state = (fields) => ({ running: false, pusher_status: "healthy", ...fields });

test("computeRemaining counts a running clock down to 0 and holds a paused one", () => {
  assert.equal(computeRemaining(10_000, true, 1_000, 4_000), 7_000);
  assert.equal(computeRemaining(10_000, true, 1_000, 20_000), 0);
  assert.equal(computeRemaining(10_000, true, 5_000, 4_000), 10_000); // instant before the state
  assert.equal(computeRemaining(10_000, false, 1_000, 9_000), 10_000);
  assert.equal(computeRemaining(-5, false, 0, 0), 0);
});

test("OffsetEstimator keeps the largest recent sample and forgets old ones", () => {
  const offsets = new OffsetEstimator(10_000);
  assert.equal(offsets.value, null);
  offsets.add(100, 0);
  offsets.add(80, 1_000); // a slower message: a smaller sample
  assert.equal(offsets.value, 100);
  offsets.add(90, 12_000); // the first two are now older than the window
  assert.equal(offsets.value, 90);
  assert.equal(offsets.samples.length, 1);
});

test("ClockModel: nothing before the first state, then the state's time", () => {
  const model = new ClockModel();
  assert.equal(model.remainingAt(0), null);
  assert.equal(model.ageMs(0), Infinity);
  assert.equal(model.pusherStatus, "unknown");
  model.apply(state({ seconds: 90, remaining_ms: 90_000, server_time_ms: 5_000 }), 1_000);
  assert.equal(model.remainingAt(3_000), 90_000); // paused: no countdown
  assert.equal(model.ageMs(1_000 + STALE_AFTER_MS), STALE_AFTER_MS);
  assert.equal(model.pusherStatus, "healthy");
});

test("ClockModel falls back to seconds when remaining_ms is missing, ignores garbage", () => {
  const model = new ClockModel();
  model.apply(state({ seconds: 12.5 }), 0);
  assert.equal(model.remainingAt(0), 12_500);
  model.apply(state({ seconds: "soon" }), 1);
  model.apply(null, 2);
  assert.equal(model.remainingAt(10), 12_500);
});

test("ClockModel extrapolates a running clock by the local time since receipt", () => {
  const model = new ClockModel();
  // Server clock = local + 1000 exactly (the sample has no network delay).
  const run = { running: true, last_event_id: 3 };
  model.apply(state({ ...run, remaining_ms: 30_000, server_time_ms: 11_000 }), 10_000);
  assert.equal(model.remainingAt(10_000), 30_000);
  assert.equal(model.remainingAt(12_500), 27_500);
  assert.equal(model.remainingAt(50_000), 0); // never below zero
});

test("ClockModel corrects for a slow message's delay, bounded by MAX_LATENCY_MS", () => {
  const model = new ClockModel();
  const run = { running: true, last_event_id: 3 };
  model.apply(state({ ...run, remaining_ms: 30_000, server_time_ms: 1_000 }), 0); // offset 1000
  // Sent at server time 2000 but received at local 1300: 300 ms in flight.
  model.apply(state({ ...run, remaining_ms: 29_000, server_time_ms: 2_000 }), 1_300);
  assert.equal(model.remainingAt(1_300), 29_000 - 300);
  // A server clock stepped back by a minute: the correction stays within the bound.
  const stepped = new ClockModel();
  stepped.apply(state({ ...run, remaining_ms: 30_000, server_time_ms: 61_000 }), 0);
  stepped.apply(state({ ...run, remaining_ms: 29_000, server_time_ms: 2_000 }), 1_000);
  assert.equal(stepped.remainingAt(1_000), 29_000 - MAX_LATENCY_MS);
});

test("ClockModel never shows a running clock going back up within one run", () => {
  const model = new ClockModel();
  const run = { running: true, last_event_id: 3 };
  model.apply(state({ ...run, remaining_ms: 30_000, server_time_ms: 1_000 }), 0);
  assert.equal(model.remainingAt(2_000), 28_000);
  model.apply(state({ ...run, remaining_ms: 28_500, server_time_ms: 3_000 }), 2_000);
  assert.equal(model.remainingAt(2_000), 28_000); // held at the ceiling, not 28.5 s
  // A new event (a set while running) starts a new run: the clock may go up again.
  model.apply(state({ running: true, last_event_id: 4, remaining_ms: 60_000, server_time_ms: 3_100 }), 2_100);
  assert.equal(model.remainingAt(2_100), 60_000);
});

test("ClockModel: the reason delivery is not healthy, only when the server gives one", () => {
  const model = new ClockModel();
  assert.equal(model.pusherDetail, null);
  model.apply(state({ seconds: 5, pusher_status: "pending", pusher_detail: "disk full" }), 0);
  assert.equal(model.pusherDetail, "disk full");
  model.apply(state({ seconds: 5, pusher_detail: null }), 1);
  assert.equal(model.pusherDetail, null);
  model.apply(state({ seconds: 5, pusher_detail: 42 }), 2);
  assert.equal(model.pusherDetail, null);
});
