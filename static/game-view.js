// game-view.js — draws a game's state into any page that has the elements for it, so
// the console, the scoreboard, the shot-clock unit and the scorebug share one renderer.
// Elements are found by attribute, not id:
//   [data-field="home-name"|"home-score"|"home-fouls"|"home-timeouts"|...|"period"|"shot"]
//   [data-penalties="home"|"away"]   a list of the team's running penalties
// and the root gets --home/--away (team colours), data-possession, data-bonus-home/-away,
// data-shot ("on", "off", "zero") and data-has-shot / data-has-penalties from the rules.
// Only what changed is written to the DOM.

import {
  formatPenalty,
  formatShot,
  isGame,
  periodLabel,
  subClockAt,
} from "./game-format.js";

const TEAMS = ["home", "away"];

export class GameView {
  constructor(root) {
    this.root = root;
    this.fields = new Map();
    for (const element of root.querySelectorAll("[data-field]")) {
      const name = element.dataset.field;
      if (!this.fields.has(name)) this.fields.set(name, []);
      this.fields.get(name).push(element);
    }
    this.lists = Object.fromEntries(
      TEAMS.map((team) => [team, [...root.querySelectorAll(`[data-penalties="${team}"]`)]]),
    );
    this.shown = new Map();
  }

  set(name, value) {
    const text = String(value);
    if (this.shown.get(name) === text) return;
    this.shown.set(name, text);
    for (const element of this.fields.get(name) || []) element.textContent = text;
  }

  attr(name, value) {
    const text = String(value);
    if (this.shown.get(`@${name}`) === text) return;
    this.shown.set(`@${name}`, text);
    if (name.startsWith("--")) this.root.style.setProperty(name, text);
    else this.root.dataset[name] = text;
  }

  /** Draw `state` with the game clock at `gameMs` (remaining, as the model says now). */
  render(state, gameMs) {
    if (!isGame(state)) return;
    const rules = state.rules;
    for (const team of TEAMS) {
      const side = state.teams[team];
      this.set(`${team}-name`, side.name);
      this.set(`${team}-score`, side.score);
      this.set(`${team}-fouls`, side.fouls);
      this.set(`${team}-timeouts`, side.timeouts_left);
      this.set(`${team}-timeout-dots`, "●".repeat(Math.min(9, side.timeouts_left)));
      this.attr(`--${team}`, side.color);
      this.attr(`bonus${team === "home" ? "Home" : "Away"}`, Boolean(side.bonus));
    }
    this.set("period", periodLabel(state.period, rules));
    this.set("period-number", state.period);
    this.set("rules-title", rules.title || rules.name);
    this.attr("possession", state.possession || "none");
    this.attr("hasShot", Boolean(rules.shot_clock));
    this.attr("hasPenalties", Boolean(rules.penalties));
    this.attr("hasPossession", Boolean(rules.possession && rules.possession.arrow));
    this.attr("hasFouls", Boolean(rules.fouls));
    const shot = state.shot_clock;
    if (shot) {
      const ms = shot.running ? subClockAt(shot.remaining_ms, state.remaining_ms, gameMs) : shot.remaining_ms;
      this.set("shot", formatShot(ms, rules.shot_clock));
      this.attr("shot", ms <= 0 ? "zero" : "on");
    } else {
      this.set("shot", "");
      this.attr("shot", "off");
    }
    this.renderPenalties(state, gameMs);
  }

  renderPenalties(state, gameMs) {
    for (const team of TEAMS) {
      const items = state.penalties
        .filter((p) => p.team === team)
        .map((p) => {
          const ms = state.running ? subClockAt(p.remaining_ms, state.remaining_ms, gameMs) : p.remaining_ms;
          return [p.player, formatPenalty(ms)];
        });
      const key = JSON.stringify(items);
      if (this.shown.get(`penalties-${team}`) === key) continue;
      this.shown.set(`penalties-${team}`, key);
      for (const list of this.lists[team]) {
        list.replaceChildren(
          ...items.map(([player, time]) => {
            const li = document.createElement("li");
            const who = document.createElement("span");
            who.className = "penalty-player";
            who.textContent = `#${player}`;
            const left = document.createElement("span");
            left.className = "penalty-time";
            left.textContent = time;
            li.append(who, left);
            return li;
          }),
        );
      }
    }
  }
}
