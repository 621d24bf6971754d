// The clock's text and what an operator may type (static/format.js).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  MAX_SECONDS,
  adjustedSeconds,
  clockWidth,
  formatClock,
  parseTime,
} from "../../static/format.js";

const cases = JSON.parse(readFileSync(new URL("./format-cases.json", import.meta.url), "utf8"));

test("formatClock: h:mm:ss, m:ss, s.t, truncated, 0.0 only at zero", () => {
  for (const [ms, text] of cases.formatClock) assert.equal(formatClock(ms), text, `ms=${ms}`);
  assert.equal(formatClock(NaN), "0.0");
  assert.equal(formatClock(Infinity), "0.0");
});

test("parseTime accepts the documented forms and explains the rest", () => {
  for (const [typed, seconds] of cases.parseTime) {
    const parsed = parseTime(typed);
    if (seconds === null) {
      assert.equal(parsed.ok, false, `"${typed}" should be refused`);
      assert.match(parsed.error, /\w/);
    } else {
      assert.deepEqual(parsed, { ok: true, seconds, tenths: Math.round(seconds * 10) }, typed);
    }
  }
});

test("parseTime names the problem", () => {
  assert.match(parseTime("1:5").error, /two digits, e\.g\. 1:05/);
  assert.match(parseTime("1:75").error, /00–59 \(got 75\)/);
  assert.match(parseTime("-5").error, /negative/);
  assert.match(parseTime("12.34").error, /one digit after the point/);
  assert.match(parseTime("100:00:00").error, /at most 99:59:59\.9/);
  assert.match(parseTime("x".repeat(30)).error, /^“x{20}…” is not a time/);
});

test("clockWidth counts digits as 1 and separators as 1/2", () => {
  assert.equal(clockWidth("59.9"), 3.5);
  assert.equal(clockWidth("12:34"), 4.5);
  assert.equal(clockWidth("1:23:45"), 6);
  assert.equal(clockWidth(""), 1);
});

test("adjustedSeconds adds tenths to the shown time, clamped to the range", () => {
  assert.equal(adjustedSeconds(90_000, 10), 91);
  assert.equal(adjustedSeconds(90_099, 1), 90.1); // the shown 90.0, not 90.099
  assert.equal(adjustedSeconds(500, -10), 0);
  assert.equal(adjustedSeconds(MAX_SECONDS * 1000, 10), MAX_SECONDS);
  assert.equal(adjustedSeconds(-300, 1), 0.1);
});
