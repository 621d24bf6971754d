// courts.js — the courts page (courts.html): every court under a topic on one page.
//
// Subscribes through the broker to TOPIC/state (mqtt-source.js: the display's reconnect
// and watchdog rules) where TOPIC has a wildcard, e.g. score/+; each court that publishes
// gets a card, in name order, with its own ClockModel and ClockView, so each clock draws
// its tenths every frame exactly as /display does, stale after 3 s without its state.

import { ClockModel } from "./clock-model.js";
import { phaseLabel } from "./clock-state.js";
import { ClockView, markConnected } from "./clock-view.js";
import { brokerOptions, openBrokerConnection } from "./mqtt-source.js";

const $ = (id) => document.getElementById(id);
const courts = new Map(); // court -> {model, view, card, phase}

function cardFor(court) {
  let found = courts.get(court);
  if (found) return found;
  const card = document.createElement("section");
  card.className = "court";
  card.dataset.court = court;
  const title = document.createElement("h2");
  title.textContent = court.split("/").pop() || court;
  title.title = court;
  const clock = document.createElement("div");
  clock.className = "clock";
  clock.dataset.stale = "true";
  clock.textContent = "--:--";
  const phase = document.createElement("div");
  phase.className = "court-phase";
  card.append(title, clock, phase);
  const grid = $("grid");
  const after = [...grid.children].find((other) => other.dataset.court > court);
  grid.insertBefore(card, after || null);
  const model = new ClockModel();
  found = { model, view: new ClockView(model, clock), card, phase };
  courts.set(court, found);
  $("waiting").hidden = true;
  return found;
}

function render() {
  for (const court of courts.values()) {
    const drawn = court.view.render();
    if (drawn.changed.phase) court.phase.textContent = phaseLabel(drawn.phase);
  }
}

const options = brokerOptions(location.search);
if (options === null) {
  $("hint").hidden = false;
  $("waiting").hidden = true;
} else {
  markConnected(false);
  const connection = openBrokerConnection({
    ...options,
    modelFor: (court) => cardFor(court).model,
    render,
    onOpen: () => ($("conn").hidden = true),
    onClose: () => ($("conn").hidden = false),
  });
  connection.start();
  setInterval(render, 500);
  const frame = () => {
    render();
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}
