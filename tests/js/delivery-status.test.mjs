import assert from "node:assert/strict";
import { test } from "node:test";

import { destinationLine } from "../../static/delivery-status.js";

test("a healthy destination says only that", () => {
  assert.equal(
    destinationLine({ name: "file:/srv/final.events.log", status: "healthy", behind: 0 }),
    "file:/srv/final.events.log: healthy",
  );
});

test("an unwell destination says how far behind, its dead letters and why", () => {
  const line = destinationLine({
    name: "https://stats.example/hook",
    status: "failing",
    behind: 3,
    dead_letters: 1,
    last_error: "HTTP 500",
  });
  assert.equal(line, "https://stats.example/hook: failing, 3 behind, 1 dead letters, HTTP 500");
});
