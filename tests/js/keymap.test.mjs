// The console's keys (static/keymap.js): names of key presses, defaults, remapping (a key
// moves from one action to another), what is kept in storage and what is ignored there.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ACTIONS, DEFAULT_KEYS, KEYS_STORAGE_KEY, KeyMap, keyName } from "../../static/keymap.js";

class Storage {
  constructor(items = {}) {
    this.items = { ...items };
  }
  getItem(key) {
    return this.items[key] ?? null;
  }
  setItem(key, value) {
    this.items[key] = String(value);
  }
}

test("every action has a default key, and no two share one", () => {
  const keys = ACTIONS.map((a) => DEFAULT_KEYS[a.id]);
  assert.ok(keys.every((k) => typeof k === "string" && k.length > 0));
  assert.equal(new Set(keys).size, keys.length);
});

test("keyName: letters and digits by position, Shift as a prefix, modifiers alone ignored", () => {
  assert.equal(keyName({ key: "q", code: "KeyQ" }), "Q");
  assert.equal(keyName({ key: "a", code: "KeyQ" }), "Q"); // AZERTY: the same place on the keyboard
  assert.equal(keyName({ key: "!", code: "Digit1", shiftKey: true }), "Shift+1");
  assert.equal(keyName({ key: " ", code: "Space" }), "Space");
  assert.equal(keyName({ key: "Backspace", code: "Backspace" }), "Backspace");
  assert.equal(keyName({ key: "Shift", code: "ShiftLeft", shiftKey: true }), null);
  assert.equal(keyName({ key: "z", code: "KeyZ", ctrlKey: true }), null);
});

test("KeyMap: assign moves a key, keeps only changes, and reads them back", () => {
  const storage = new Storage();
  const keys = new KeyMap(storage);
  assert.equal(keys.actionFor("E"), "home_plus3");
  assert.equal(keys.assign("horn", "E"), "home_plus3"); // E was +3's: +3 loses it
  assert.equal(keys.actionFor("E"), "horn");
  assert.equal(keys.keyFor("home_plus3"), null);
  assert.deepEqual(JSON.parse(storage.getItem(KEYS_STORAGE_KEY)), { horn: "E", home_plus3: null });
  const again = new KeyMap(storage);
  assert.equal(again.actionFor("E"), "horn");
  assert.equal(again.actionFor("H"), null);
  again.reset();
  assert.equal(new KeyMap(storage).actionFor("E"), "home_plus3");
});

test("KeyMap: bad stored keys are ignored, and storage that throws is survived", () => {
  const storage = new Storage({ [KEYS_STORAGE_KEY]: '{"horn": 5, "nope": "X", "undo": "Z"}' });
  const keys = new KeyMap(storage);
  assert.equal(keys.keyFor("horn"), "H");
  assert.equal(keys.keyFor("undo"), "Z");
  assert.equal(new KeyMap(new Storage({ [KEYS_STORAGE_KEY]: "not json" })).keyFor("horn"), "H");
  const broken = { getItem() { throw new Error("blocked"); }, setItem() { throw new Error("blocked"); } };
  const survived = new KeyMap(broken);
  survived.assign("horn", "F");
  assert.equal(survived.actionFor("F"), "horn");
  assert.throws(() => survived.assign("no_such_action", "F"));
});
