// overlay.js — the broadcast scorebug (overlay.html): follows the state over the
// WebSocket and draws the teams, period, game clock and shot clock with the display's
// renderers (clock-view.js, game-view.js). Under the plain clock's rules it is the clock
// alone in the same bar. Placement and size from the URL (overlay-options.js); ?horn=1
// sounds the horn with no button (OBS and vMix need no gesture for sound).

import { ClockModel } from "./clock-model.js";
import { ClockView, openConnection, runPage } from "./clock-view.js";
import { isGame } from "./game-format.js";
import { GameView } from "./game-view.js";
import { HornPlayer } from "./horn.js";
import { overlayOptions } from "./overlay-options.js";

const options = overlayOptions(location.search);
document.body.dataset.pos = options.position;
document.body.style.setProperty("--scale", String(options.scale));
document.body.style.setProperty("--margin", `${options.margin}vh`);

const $ = (id) => document.getElementById(id);
const bug = $("bug");
const model = new ClockModel();
const view = new ClockView(model, $("clock"));
const gameView = new GameView(bug);
const horn = options.horn ? new HornPlayer({ model }) : null;

function render() {
  const drawn = view.render();
  if (drawn.changed.stale) document.body.classList.toggle("stale", drawn.stale);
  bug.hidden = model.state === null;
  const game = isGame(model.state);
  bug.dataset.game = String(game);
  for (const team of bug.querySelectorAll(".bug-team, .bug-period, .bug-shot")) team.hidden = !game;
  gameView.render(model.state, drawn.ms);
  if (horn) horn.tick();
}

const connection = openConnection({
  model,
  render,
  onError: (error) => console.warn("Score server error:", error.code, error.message),
});
runPage({ connection, render });
