// The "Join from a tablet" panel's pure parts (static/join.js) and the vendored encoder.
import assert from "node:assert/strict";
import { test } from "node:test";

import { joinUrl, qrDataUrl } from "../../static/join.js";
import qrcode from "../../static/vendor/qrcode-generator.js";

test("joinUrl takes the first operator URL, or nothing", () => {
  const url = "http://192.168.1.20:8000/?token=abc";
  assert.equal(joinUrl({ operator_urls: [url, "http://10.0.0.2:8000/"], display_urls: [] }), url);
  assert.equal(joinUrl({ operator_urls: [] }), null);
  assert.equal(joinUrl({ display_urls: [url] }), null);
  assert.equal(joinUrl({ operator_urls: ["javascript:alert(1)"] }), null);
  assert.equal(joinUrl(null), null);
});

test("qrDataUrl draws the URL's QR code as a GIF with a quiet zone", () => {
  const url = "http://192.168.1.20:8000/?token=abc";
  const code = qrcode(0, "M");
  code.addData(url);
  code.make();
  const modules = code.getModuleCount();
  assert.ok(modules >= 21 && (modules - 17) % 4 === 0, `${modules} is a QR size`);
  const gif = Buffer.from(qrDataUrl(url, 4).replace("data:image/gif;base64,", ""), "base64");
  assert.equal(gif.subarray(0, 6).toString("latin1"), "GIF87a");
  const width = gif.readUInt16LE(6);
  assert.equal(width, (modules + 8) * 4); // 4 modules of white on each side
  assert.notEqual(qrDataUrl(url), qrDataUrl(`${url}x`));
});
