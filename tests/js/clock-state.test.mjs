// Phases, the low-time warning, Start at zero and the display's options (static/clock-state.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  DEFAULT_WARN_SECONDS,
  clockPhase,
  displayOptions,
  isWarning,
  parseWarnSeconds,
  phaseLabel,
  toggleAction,
} from "../../static/clock-state.js";

test("clockPhase: waiting, unset, time up, running, paused", () => {
  assert.equal(clockPhase(null, null), "waiting");
  assert.equal(clockPhase(0, false, 0), "unset"); // a new game: nothing happened yet
  assert.equal(clockPhase(0, false, 7), "timeup");
  assert.equal(clockPhase(0, true, 7), "timeup"); // reached zero before the server said so
  assert.equal(clockPhase(0, false), "timeup"); // no event id: assume the period ran
  assert.equal(clockPhase(100, true, 7), "running");
  assert.equal(clockPhase(100, false, 7), "paused");
  assert.equal(phaseLabel("timeup"), "Time up");
  assert.equal(phaseLabel("paused"), "Paused");
});

test("isWarning: some time left and at most the threshold; 0 turns it off", () => {
  assert.equal(isWarning(60_000, 60), true);
  assert.equal(isWarning(60_001, 60), false);
  assert.equal(isWarning(1, 60), true);
  assert.equal(isWarning(0, 60), false); // zero is time up, not a warning
  assert.equal(isWarning(null, 60), false);
  assert.equal(isWarning(5_000, 0), false);
});

test("parseWarnSeconds: whole seconds up to an hour, else null", () => {
  assert.equal(parseWarnSeconds("45"), 45);
  assert.equal(parseWarnSeconds(" 90.7 "), 90);
  assert.equal(parseWarnSeconds("0"), 0);
  assert.equal(parseWarnSeconds("3600"), 3600);
  for (const bad of [null, undefined, "", "-1", "abc", "3601", "1e3"]) {
    assert.equal(parseWarnSeconds(bad), null, String(bad));
  }
});

test("toggleAction: pause while running, start with time left, blocked at zero", () => {
  assert.equal(toggleAction(5000, true), "pause");
  assert.equal(toggleAction(0, true), "pause");
  assert.equal(toggleAction(5000, false), "start");
  assert.equal(toggleAction(0, false), "blocked");
  assert.equal(toggleAction(null, false), "start"); // no state yet: let the server answer
});

test("displayOptions: transparent draws no status; status=0 hides it; warn=N", () => {
  assert.deepEqual(displayOptions(""), {
    transparent: false,
    showStatus: true,
    warnSeconds: DEFAULT_WARN_SECONDS,
  });
  assert.deepEqual(displayOptions("?bg=transparent"), {
    transparent: true,
    showStatus: false,
    warnSeconds: DEFAULT_WARN_SECONDS,
  });
  assert.equal(displayOptions("?status=0").showStatus, false);
  assert.equal(displayOptions("?status=off").showStatus, false);
  assert.equal(displayOptions("?status=1").showStatus, true);
  assert.equal(displayOptions("?warn=30").warnSeconds, 30);
  assert.equal(displayOptions("?warn=0").warnSeconds, 0);
  assert.equal(displayOptions("?warn=soon").warnSeconds, DEFAULT_WARN_SECONDS);
});
