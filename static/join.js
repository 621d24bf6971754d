// join.js — the operator page's "Join from a tablet" panel: asks the server for its LAN
// addresses (GET /join, with the operator token as a Bearer header when the page has one)
// and shows the first operator URL as a QR code (vendor/qrcode-generator.js) and as text.
// The panel stays hidden when the server has no /join, answers with an error, or lists
// no operator URL: a tablet then joins the way it always could, by typing the address.

import qrcode from "./vendor/qrcode-generator.js";

/** The operator URL a tablet should open, from a /join answer, or null. */
export function joinUrl(answer) {
  const urls = answer && Array.isArray(answer.operator_urls) ? answer.operator_urls : [];
  const first = urls[0];
  return typeof first === "string" && /^https?:\/\//.test(first) ? first : null;
}

/** A GIF data URL of `text` as a QR code (medium error correction, 4-module quiet zone). */
export function qrDataUrl(text, cellSize = 4) {
  const code = qrcode(0, "M");
  code.addData(text);
  code.make();
  return code.createDataURL(cellSize, cellSize * 4);
}

/** Fetch /join and fill (or hide) the panel. Never throws: the panel is a convenience. */
export async function showJoinPanel({ token, panel, image, link }) {
  let url = null;
  try {
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    const response = await fetch(new URL("join", location.href), { headers, cache: "no-store" });
    if (response.ok) url = joinUrl(await response.json());
  } catch {
    /* no answer: no panel */
  }
  panel.dataset.state = url === null ? "none" : "shown"; // for whoever checks (tests)
  if (url === null) {
    panel.hidden = true;
    return;
  }
  image.src = qrDataUrl(url);
  link.href = url;
  link.textContent = url;
  panel.hidden = false;
}
