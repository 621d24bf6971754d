// console.js — the operator page's game console (index.html #game), shown once the state
// says the rules are a game's: both teams (score +1/+2/+3/−1, fouls, timeouts,
// possession, penalties), period, shot clock resets, horn and an Undo that names what it
// undoes ("Undo: Hawks +3", from the state's undo_next). Every action has a key
// (keymap.js), shown in a <kbd> on its button, changed in the Keys panel and kept in
// this browser. app.js hands it every key press first and owns the clock's controls.

import { GameView } from "./game-view.js";
import { ACTIONS, KeyMap, keyLabel, keyName } from "./keymap.js";
import { formatPenalty, undoLabel } from "./game-format.js";

const TEAMS = ["home", "away"];

export class GameConsole {
  /** `send(command)`: a Promise of the answer's state (app.js shows errors);
   *  `toggle()`, `focusTime()` and `adjust(tenths)`: the clock's own controls. */
  constructor({ root, send, toggle, focusTime, adjust, storage }) {
    this.root = root;
    this.send = send;
    this.toggle = toggle;
    this.focusTime = focusTime;
    this.adjust = adjust;
    this.keymap = new KeyMap(storage);
    this.view = new GameView(root);
    this.state = null;
    this.capturing = null; // the action whose new key the next key press is
    this.active = false;
    this.buttons = [...root.querySelectorAll("[data-action]")];
    for (const button of this.buttons) {
      button.addEventListener("click", () => this.run(button.dataset.action));
    }
    for (const form of root.querySelectorAll(".penalty-form")) {
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        this.submitPenalty(form);
      });
    }
    this.teamsForm = root.querySelector("#teams-form");
    this.teamsForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.saveTeams();
    });
    this.teamsEdited = false; // typed in since it was filled: not overwritten
    this.teamsForm.addEventListener("input", () => (this.teamsEdited = true));
    root.querySelector("#keys-reset").addEventListener("click", () => {
      this.keymap.reset();
      this.drawKeys();
    });
    this.drawKeyList();
    this.drawKeys();
  }

  activate() {
    if (this.active) return;
    this.active = true;
    this.root.hidden = false;
    document.body.classList.add("game");
  }

  /** Draw the state (the game clock at `gameMs` now). */
  render(state, gameMs) {
    this.state = state;
    this.view.render(state, gameMs);
    const rules = state.rules;
    this.view.set("shot-full", rules.shot_clock ? rules.shot_clock.full : "");
    this.view.set("shot-short", rules.shot_clock ? rules.shot_clock.short : "");
    const undo = this.root.querySelector("#undo");
    const label = undoLabel(state.undo_next, state.teams);
    if (undo.firstChild.textContent !== label) undo.firstChild.textContent = label;
    undo.disabled = !state.undo_next;
    for (const team of TEAMS) {
      const left = state.teams[team].timeouts_left;
      this.button(`${team}_timeout`).disabled = left <= 0;
      this.button(`${team}_possession`).setAttribute("aria-pressed", String(state.possession === team));
    }
    this.button("period_prev").disabled = state.period <= 1;
    this.fillPenaltyLengths(rules);
    this.fillTeams();
  }

  button(action) {
    return this.buttons.find((b) => b.dataset.action === action);
  }

  fillPenaltyLengths(rules) {
    const lengths = (rules.penalties && rules.penalties.seconds) || [];
    const key = lengths.join(",");
    if (this.lengths === key) return;
    this.lengths = key;
    for (const select of this.root.querySelectorAll(".penalty-form select")) {
      select.replaceChildren(
        ...lengths.map((seconds) => new Option(formatPenalty(seconds * 1000), String(seconds))),
      );
    }
  }

  /** The command an action sends now, or null (an action of the page, or not possible). */
  commandFor(action) {
    const state = this.state;
    if (state === null) return null;
    const [team, what] = action.split(/_(.+)/);
    if (TEAMS.includes(team)) {
      const points = { plus1: 1, plus2: 2, plus3: 3, minus1: -1 }[what];
      if (points !== undefined) return { command: "score", team, points };
      if (what === "foul") return { command: "foul", team, delta: 1 };
      if (what === "foul_minus") return { command: "foul", team, delta: -1 };
      if (what === "timeout") return { command: "timeout", team };
      if (what === "possession") return { command: "possession", team };
      return null;
    }
    const shot = state.rules.shot_clock;
    switch (action) {
      case "period_next":
        return { command: "period", period: state.period + 1 };
      case "period_prev":
        return state.period > 1 ? { command: "period", period: state.period - 1 } : null;
      case "shot_full":
        return shot ? { command: "shot_clock", seconds: shot.full } : null;
      case "shot_short":
        return shot ? { command: "shot_clock", seconds: shot.short } : null;
      case "horn":
        return { command: "horn" };
      case "undo":
        return state.undo_next ? { command: "undo" } : null;
      default:
        return null;
    }
  }

  run(action) {
    if (action === "toggle") return this.toggle();
    if (action === "focus_time") return this.focusTime();
    const nudge = { clock_plus1: 10, clock_minus1: -10, clock_plus01: 1, clock_minus01: -1 }[action];
    if (nudge !== undefined) return this.adjust(nudge);
    const penalty = /^(home|away)_penalty$/.exec(action);
    if (penalty) {
      const form = this.root.querySelector(`.penalty-form[data-team="${penalty[1]}"]`);
      if (this.state && this.state.rules.penalties) form.elements.player.focus();
      return undefined;
    }
    const command = this.commandFor(action);
    return command === null ? undefined : this.send(command);
  }

  async submitPenalty(form) {
    const player = form.elements.player.value.trim();
    if (!player) {
      form.elements.player.focus();
      return;
    }
    const seconds = Number(form.elements.seconds.value);
    const state = await this.send({ command: "penalty", team: form.dataset.team, player, seconds });
    if (state !== undefined) {
      form.elements.player.value = "";
      if (form.contains(document.activeElement)) document.activeElement.blur();
    }
  }

  /** The names form shows the teams as they are, until the operator types in it. */
  fillTeams() {
    if (this.state === null || this.teamsEdited) return;
    const shown = TEAMS.map((t) => `${this.state.teams[t].name}\n${this.state.teams[t].color}`).join("\n");
    if (this.teamsShown === shown) return;
    this.teamsShown = shown;
    for (const team of TEAMS) {
      this.teamsForm.elements[`${team}-name`].value = this.state.teams[team].name;
      this.teamsForm.elements[`${team}-color`].value = this.state.teams[team].color;
    }
  }

  /** One `team` command per team whose name or colour changed. */
  async saveTeams() {
    const form = this.teamsForm.elements;
    for (const team of TEAMS) {
      const name = form[`${team}-name`].value.trim();
      const color = form[`${team}-color`].value;
      const now = this.state && this.state.teams[team];
      if (now && name === now.name && color === now.color) continue;
      if ((await this.send({ command: "team", team, name, color })) === undefined) return;
    }
    this.teamsEdited = false;
    if (this.teamsForm.contains(document.activeElement)) document.activeElement.blur();
  }

  /** A key press (not while typing): true when it was the console's. */
  handleKey(ev) {
    if (this.capturing !== null) {
      ev.preventDefault();
      if (ev.key === "Escape") return this.stopCapture(), true;
      const name = keyName(ev);
      if (name === null) return true; // a bare modifier: wait for the key itself
      this.keymap.assign(this.capturing, name);
      this.stopCapture();
      return true;
    }
    const action = this.keymap.actionFor(keyName(ev));
    if (action === null) return false;
    ev.preventDefault();
    if (ev.repeat && !action.startsWith("clock_")) return true; // held: one press (nudges repeat)
    this.run(action);
    return true;
  }

  drawKeyList() {
    const list = this.root.querySelector("#key-list");
    const groups = { clock: "", home: "Home ", away: "Away " };
    list.replaceChildren(
      ...ACTIONS.map((action) => {
        const li = document.createElement("li");
        li.dataset.keyAction = action.id;
        const label = document.createElement("span");
        label.textContent = `${groups[action.group]}${action.label}`;
        const kbd = document.createElement("kbd");
        const change = document.createElement("button");
        change.type = "button";
        change.textContent = "Change";
        change.addEventListener("click", () => this.startCapture(action.id));
        li.append(label, kbd, change);
        return li;
      }),
    );
  }

  startCapture(action) {
    this.capturing = action;
    this.drawKeys();
  }

  stopCapture() {
    this.capturing = null;
    this.drawKeys();
  }

  /** Every <kbd> on the page shows its action's key. */
  drawKeys() {
    for (const button of this.buttons) {
      const kbd = button.querySelector("kbd");
      const key = this.keymap.keyFor(button.dataset.action);
      if (kbd) kbd.textContent = keyLabel(key);
      if (key) button.setAttribute("aria-keyshortcuts", key.replace("Space", "Space"));
      else button.removeAttribute("aria-keyshortcuts");
    }
    for (const kbd of document.querySelectorAll("[data-key-for]")) {
      kbd.textContent = keyLabel(this.keymap.keyFor(kbd.dataset.keyFor));
    }
    for (const li of this.root.querySelectorAll("[data-key-action]")) {
      const capturing = this.capturing === li.dataset.keyAction;
      li.querySelector("kbd").textContent = capturing ? "press a key…" : keyLabel(this.keymap.keyFor(li.dataset.keyAction));
      li.classList.toggle("capturing", capturing);
    }
  }
}
