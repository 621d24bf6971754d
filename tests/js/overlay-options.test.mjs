// The scorebug's URL options (static/overlay-options.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { overlayOptions } from "../../static/overlay-options.js";

test("defaults, and every option in range", () => {
  assert.deepEqual(overlayOptions(""), { position: "top-left", scale: 1, margin: 3, horn: false });
  assert.deepEqual(overlayOptions("?pos=bottom-right&scale=1.5&margin=0&horn=1"), {
    position: "bottom-right", scale: 1.5, margin: 0, horn: true,
  });
});

test("a bad value is the default, not an error", () => {
  const options = overlayOptions("?pos=middle&scale=-2&margin=99&horn=yes");
  assert.deepEqual(options, { position: "top-left", scale: 1, margin: 3, horn: false });
  assert.equal(overlayOptions("?scale=5").scale, 1);
  assert.equal(overlayOptions("?scale=abc").scale, 1);
});
