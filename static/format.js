// format.js — how a game clock reads and what an operator may type: pure functions only
// (no DOM, no clock), so they run the same in the pages and under `node --test`.
//
//   formatClock(ms)          remaining time -> "1:23:45" | "12:34" | "59.9"
//   clockWidth(text)         width of a clock string in "digit widths" (font sizing)
//   parseTime(text)          what the operator typed -> {ok, seconds, tenths} | {ok:false, error}
//   adjustedSeconds(ms, d)   current remaining +/- d tenths, clamped to 0..359999.9

export const MAX_SECONDS = 359999.9;
export const MAX_TENTHS = 3599999;

const pad2 = (n) => String(n).padStart(2, "0");

/**
 * Format remaining milliseconds the way a game clock shows them.
 *   >= 1 h   -> h:mm:ss   ("1:05:09")
 *   >= 60 s  -> m:ss      ("12:34")
 *   <  60 s  -> s.t       ("59.9", "7.0")
 * Always truncated (never rounded up), so a value is shown only once it is reached —
 * except the last tenth: any time left above zero shows as "0.1", so "0.0" appears only
 * when the clock has truly reached zero.
 */
export function formatClock(ms) {
  if (!Number.isFinite(ms) || ms <= 0) return "0.0";
  let tenths = Math.floor(ms / 100);
  if (tenths === 0) tenths = 1; // time is left: never show 0.0 early
  if (tenths < 600) return `${Math.floor(tenths / 10)}.${tenths % 10}`;
  const total = Math.floor(tenths / 10);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad2(m)}:${pad2(s)}` : `${m}:${pad2(s)}`;
}

/**
 * Width of a clock string in digit widths (separators count as about half a digit).
 * The pages put it in the CSS variable --w so the font fills the screen whatever the format.
 */
export function clockWidth(text) {
  let w = 0;
  for (const ch of text) w += /[0-9]/.test(ch) ? 1 : 0.5;
  return Math.max(w, 1);
}

const FORMAT_HELP = "Use m:ss, m:ss.t, h:mm:ss or seconds (90, 12.5).";

/**
 * Parse a time typed by the operator. Accepted:
 *   "90", "12.5", ".5"           plain seconds (tenths at most)
 *   "1:30", "1:30.5", "90:00"    m:ss or m:ss.t (seconds need two digits)
 *   "1:02:03", "1:02:03.4"       h:mm:ss (minutes and seconds need two digits)
 * A comma is accepted as the decimal point ("12,5"). Surrounding spaces are ignored.
 * Returns {ok: true, seconds, tenths} or {ok: false, error} with a sentence for the operator.
 */
export function parseTime(input) {
  const text = String(input ?? "").trim().replace(",", ".");
  if (text === "") return fail("Type a time first, e.g. 1:30, 45.5 or 90.");
  if (text.startsWith("-")) return fail("The time can't be negative.");
  if (/\.\d{2,}$/.test(text)) return fail("Tenths at most: one digit after the point (e.g. 12.5).");

  let m;
  let tenths;
  if ((m = /^(\d*)(?:\.(\d))?$/.exec(text)) && (m[1] !== "" || m[2] !== undefined)) {
    tenths = Number(m[1] || "0") * 10 + Number(m[2] ?? "0");
  } else if ((m = /^(\d+):(\d+)(?:\.(\d))?$/.exec(text))) {
    const [, mins, secs, t] = m;
    if (secs.length !== 2) return fail(`Seconds need two digits, e.g. ${mins}:0${secs.slice(-1)}.`);
    if (Number(secs) > 59) return fail(`Seconds must be 00–59 (got ${secs}).`);
    tenths = (Number(mins) * 60 + Number(secs)) * 10 + Number(t ?? "0");
  } else if ((m = /^(\d+):(\d+):(\d+)(?:\.(\d))?$/.exec(text))) {
    const [, hrs, mins, secs, t] = m;
    if (mins.length !== 2 || secs.length !== 2) {
      return fail("Minutes and seconds need two digits in h:mm:ss, e.g. 1:05:00.");
    }
    if (Number(mins) > 59) return fail(`Minutes must be 00–59 (got ${mins}).`);
    if (Number(secs) > 59) return fail(`Seconds must be 00–59 (got ${secs}).`);
    tenths = ((Number(hrs) * 60 + Number(mins)) * 60 + Number(secs)) * 10 + Number(t ?? "0");
  } else {
    return fail(`“${text.length > 20 ? text.slice(0, 20) + "…" : text}” is not a time. ${FORMAT_HELP}`);
  }
  if (!Number.isSafeInteger(tenths) || tenths > MAX_TENTHS) {
    return fail("Too long: at most 99:59:59.9 (359999.9 seconds).");
  }
  return { ok: true, seconds: tenths / 10, tenths };
}

function fail(error) {
  return { ok: false, error };
}

/**
 * The seconds to send for an adjust button: the remaining time as shown (truncated to
 * tenths) plus `deltaTenths`, clamped to 0..359999.9. Returns a number with at most
 * one decimal (e.g. 91.7).
 */
export function adjustedSeconds(remainingMs, deltaTenths) {
  const current = Math.max(0, Math.floor(remainingMs / 100));
  const tenths = Math.min(MAX_TENTHS, Math.max(0, current + deltaTenths));
  return tenths / 10;
}
