// restored.js — the operator page says once what Score found at its start ("resumed
// 9:48.1, running; the clock kept running while Score was off, ..."), from GET /state's
// `restored` field, so that a clock that ran on during a restart never surprises anyone.
// The note stays until dismissed; a new game (nothing stored) shows nothing.

const NEW_GAME = "new game: nothing stored yet";

/** The sentence to show from a GET /state answer, or null. */
export function restoredText(answer) {
  const text = answer && typeof answer.restored === "string" ? answer.restored : "";
  return text && text !== NEW_GAME ? text.charAt(0).toUpperCase() + text.slice(1) : null;
}

/** Fetch /state once and fill (or keep hidden) the note. Never throws. */
export async function showRestored({ note, text, dismiss }) {
  let sentence = null;
  try {
    const response = await fetch(new URL("state", location.href), { cache: "no-store" });
    if (response.ok) sentence = restoredText(await response.json());
  } catch {
    /* no answer: no note */
  }
  if (sentence === null) return;
  text.textContent = sentence;
  note.hidden = false;
  dismiss.addEventListener("click", () => (note.hidden = true), { once: true });
}
