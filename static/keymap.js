// keymap.js — the game console's keys: every action, its default key, the operator's own
// choices (kept in this browser), and the name of a key press. Pure: storage is handed in,
// so `node --test` checks remapping and what is stored.
//
//   ACTIONS                      [{id, label, group}] in the order the page lists them
//   DEFAULT_KEYS                 {actionId: keyName}
//   keyName(event)               a keydown -> "Q", "Shift+1", "Space", "Backspace", ...
//   class KeyMap                 .keyFor(action) .actionFor(key) .assign(action, key) .reset()

export const KEYS_STORAGE_KEY = "score.keys";

export const ACTIONS = [
  { id: "toggle", label: "Start / pause", group: "clock" },
  { id: "focus_time", label: "Type a time", group: "clock" },
  { id: "clock_plus1", label: "Clock +1 s", group: "clock" },
  { id: "clock_minus1", label: "Clock −1 s", group: "clock" },
  { id: "clock_plus01", label: "Clock +0.1 s", group: "clock" },
  { id: "clock_minus01", label: "Clock −0.1 s", group: "clock" },
  { id: "period_next", label: "Next period", group: "clock" },
  { id: "period_prev", label: "Previous period", group: "clock" },
  { id: "shot_full", label: "Shot clock full", group: "clock" },
  { id: "shot_short", label: "Shot clock short", group: "clock" },
  { id: "horn", label: "Horn", group: "clock" },
  { id: "undo", label: "Undo", group: "clock" },
  ...["home", "away"].flatMap((team) => [
    { id: `${team}_plus1`, label: "+1", group: team },
    { id: `${team}_plus2`, label: "+2", group: team },
    { id: `${team}_plus3`, label: "+3", group: team },
    { id: `${team}_minus1`, label: "−1", group: team },
    { id: `${team}_foul`, label: "Foul +1", group: team },
    { id: `${team}_foul_minus`, label: "Foul −1", group: team },
    { id: `${team}_timeout`, label: "Timeout", group: team },
    { id: `${team}_possession`, label: "Possession", group: team },
    { id: `${team}_penalty`, label: "Penalty…", group: team },
  ]),
];

// The home team under the left hand, the away team under the right, the clock between.
export const DEFAULT_KEYS = {
  toggle: "Space",
  focus_time: "C",
  clock_plus1: "ArrowUp",
  clock_minus1: "ArrowDown",
  clock_plus01: "Shift+ArrowUp",
  clock_minus01: "Shift+ArrowDown",
  period_next: "P",
  period_prev: "Shift+P",
  shot_full: "R",
  shot_short: "T",
  horn: "H",
  undo: "Backspace",
  home_plus1: "Q",
  home_plus2: "W",
  home_plus3: "E",
  home_minus1: "A",
  home_foul: "S",
  home_foul_minus: "Shift+S",
  home_timeout: "D",
  home_possession: "Z",
  home_penalty: "X",
  away_plus1: "U",
  away_plus2: "I",
  away_plus3: "O",
  away_minus1: "J",
  away_foul: "K",
  away_foul_minus: "Shift+K",
  away_timeout: "L",
  away_possession: "M",
  away_penalty: "N",
};

const ACTION_IDS = new Set(ACTIONS.map((a) => a.id));
const MODIFIERS = new Set(["Shift", "Control", "Alt", "Meta", "AltGraph", "CapsLock"]);

/** The name of a key press, independent of the keyboard's layout for letters and digits
 *  (ev.code), with Shift as a prefix; null for a bare modifier or with Ctrl/Alt/Meta
 *  (the browser's own shortcuts stay the browser's). */
export function keyName(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  if (MODIFIERS.has(event.key)) return null;
  let name;
  const code = event.code || "";
  if (/^Key[A-Z]$/.test(code)) name = code.slice(3);
  else if (/^Digit[0-9]$/.test(code)) name = code.slice(5);
  else if (code === "Space" || event.key === " ") name = "Space";
  else if (event.key && event.key.length === 1) name = event.key.toUpperCase();
  else name = event.key || code;
  if (!name || name === "Unidentified") return null;
  return event.shiftKey ? `Shift+${name}` : name;
}

/** A key's name as the page shows it in a <kbd>. */
export function keyLabel(name) {
  if (!name) return "—";
  const arrows = { ArrowUp: "↑", ArrowDown: "↓", ArrowLeft: "←", ArrowRight: "→" };
  return name
    .replace("Backspace", "⌫")
    .replace(/Arrow(Up|Down|Left|Right)/, (arrow) => arrows[arrow])
    .replace("Shift+", "⇧");
}

export class KeyMap {
  /** `storage`: something with getItem/setItem (localStorage), or null. */
  constructor(storage = null) {
    this.storage = storage;
    this.keys = { ...DEFAULT_KEYS, ...this.load() };
  }

  load() {
    let text = null;
    try {
      text = this.storage ? this.storage.getItem(KEYS_STORAGE_KEY) : null;
    } catch {
      return {}; // storage blocked: the defaults
    }
    if (!text) return {};
    let stored;
    try {
      stored = JSON.parse(text);
    } catch {
      return {};
    }
    if (!stored || typeof stored !== "object") return {};
    const keys = {};
    for (const [action, key] of Object.entries(stored)) {
      if (ACTION_IDS.has(action) && (key === null || typeof key === "string")) keys[action] = key;
    }
    return keys;
  }

  save() {
    const changed = {};
    for (const [action, key] of Object.entries(this.keys)) {
      if (key !== DEFAULT_KEYS[action]) changed[action] = key;
    }
    try {
      if (this.storage) this.storage.setItem(KEYS_STORAGE_KEY, JSON.stringify(changed));
    } catch {
      /* storage blocked: the change holds until the page is closed */
    }
  }

  keyFor(action) {
    return this.keys[action] ?? null;
  }

  actionFor(key) {
    if (!key) return null;
    for (const [action, bound] of Object.entries(this.keys)) if (bound === key) return action;
    return null;
  }

  /** Bind `key` to `action`; an action that had that key loses it (returned, or null). */
  assign(action, key) {
    if (!ACTION_IDS.has(action)) throw new Error(`unknown action ${action}`);
    const previous = this.actionFor(key);
    if (previous !== null && previous !== action) this.keys[previous] = null;
    this.keys[action] = key;
    this.save();
    return previous === action ? null : previous;
  }

  reset() {
    this.keys = { ...DEFAULT_KEYS };
    this.save();
  }
}
