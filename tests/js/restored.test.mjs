import assert from "node:assert/strict";
import { test } from "node:test";

import { restoredText } from "../../static/restored.js";

test("a resumed game is said once, as a sentence", () => {
  assert.equal(
    restoredText({ restored: "resumed 9:48.1, running; the clock kept running" }),
    "Resumed 9:48.1, running; the clock kept running",
  );
});

test("a new game, a missing field or a bad answer shows nothing", () => {
  assert.equal(restoredText({ restored: "new game: nothing stored yet" }), null);
  assert.equal(restoredText({ state: {} }), null);
  assert.equal(restoredText(null), null);
  assert.equal(restoredText({ restored: 42 }), null);
});
