// horn.js — the horn on a display with ?horn=1: synthesized with Web Audio (no sound
// file), scheduled on the audio clock for the true instant in the server's time
// (horn-plan.js decides when), so every screen sounds together however late its message
// came. Where the browser needs a gesture before sound, a one-tap "Enable sound" button
// shows until it is pressed (an OBS browser source needs none).
//
// window.__hornLog lists every horn: {id, reason, at_ms, decided_ms, scheduled_ms,
// played_ms, wall_ms, late, cancelled, audio}, instants in server time: at_ms the true
// instant, decided_ms when the page handed it to the audio clock, scheduled_ms the
// instant the audio clock was told (mapped through the output timestamp at scheduling),
// played_ms the same start mapped again once it has passed (so drift shows), wall_ms
// the start on this computer's wall clock (Date.now()'s scale) with no server offset in
// it, which a test on the server's own machine compares with at_ms, and audio the
// AudioContext's state then. The browser tests read it.

import { localNow } from "./clock-model.js";
import { HornPlan } from "./horn-plan.js";

const SECONDS = { period_end: 1.6, shot_clock: 1.0, operator: 1.0 };

export class HornPlayer {
  /** `model`: the page's ClockModel (its state and server offset); `button`: the
   *  "Enable sound" button, or null (an overlay never draws one). */
  constructor({ model, button = null }) {
    this.model = model;
    this.button = button;
    this.plan = new HornPlan();
    this.voices = new Map(); // id -> {nodes, entry}
    this.log = [];
    window.__hornLog = this.log;
    const Context = window.AudioContext || window.webkitAudioContext;
    this.context = Context ? new Context({ latencyHint: "interactive" }) : null;
    if (this.context) {
      // Where no gesture is needed (OBS, vMix) this starts the sound at once; elsewhere
      // any tap or key on the page does (the button only says so).
      this.keepAwake();
      this.context.resume().catch(() => {});
      for (const type of ["pointerdown", "keydown"]) document.addEventListener(type, () => this.enable());
      this.context.addEventListener("statechange", () => this.showButton());
      this.showButton();
    }
  }

  enable() {
    if (this.context) this.context.resume().finally(() => this.showButton());
  }

  /** A silent tone from the start, so the audio output is awake (and its clock steady)
   *  when a horn comes, not woken by it. */
  keepAwake() {
    const silence = this.context.createGain();
    silence.gain.value = 0;
    silence.connect(this.context.destination);
    const source = this.context.createConstantSource();
    source.connect(silence);
    source.start();
  }

  showButton() {
    window.__hornAudio = this.context ? this.context.state : "none";
    if (this.button) this.button.hidden = !this.context || this.context.state === "running";
  }

  /** The server's time now (null before the first state). */
  serverNow() {
    const offset = this.model.offsets.value;
    return offset === null ? null : localNow() + offset;
  }

  /** Audio-clock seconds of a server instant, and back, through the output timestamp. */
  audioTimeOf(serverMs) {
    const perfMs = serverMs - this.model.offsets.value - performance.timeOrigin;
    const stamp = this.stamp();
    return stamp.contextTime + (perfMs - stamp.performanceTime) / 1000;
  }

  /** The output timestamp ({contextTime, performanceTime}: what is heard when), or a
   *  stand-in from currentTime and the output latency while the browser's is missing or
   *  stale (just after the context started, it can lag by tens of ms). */
  stamp() {
    const context = this.context;
    const now = performance.now();
    const stamp = context.getOutputTimestamp ? context.getOutputTimestamp() : null;
    if (stamp && stamp.performanceTime > 0) {
      const drift = stamp.contextTime + (now - stamp.performanceTime) / 1000 - context.currentTime;
      if (Math.abs(drift) < 0.1) return stamp;
    }
    const latency = (context.outputLatency || 0) + (context.baseLatency || 0);
    return { contextTime: context.currentTime - latency, performanceTime: now };
  }

  /** performance.now() of the instant the audio clock's `audioSeconds` is heard. */
  perfTimeOf(audioSeconds) {
    const stamp = this.stamp();
    return stamp.performanceTime + (audioSeconds - stamp.contextTime) * 1000;
  }

  serverTimeOf(audioSeconds) {
    return this.perfTimeOf(audioSeconds) + performance.timeOrigin + this.model.offsets.value;
  }

  /** Called on every frame and every state: hand due horns to the audio clock. */
  tick() {
    if (!this.context || this.model.state === null) return;
    // Until the audio clock runs (a gesture, then the output device starting, which
    // takes a moment) nothing can be put on it: a horn planned now would sound when
    // the device starts, late. The plan waits; the look-ahead leaves time for it.
    if (this.context.state !== "running" || this.context.currentTime === 0) return;
    const now = this.serverNow();
    if (now === null) return;
    const { schedule, cancel } = this.plan.update(this.model.state, now);
    for (const id of cancel) this.stop(id);
    for (const item of schedule) this.sound(item, now);
  }

  sound(item, now) {
    const context = this.context;
    const start = Math.max(context.currentTime, this.audioTimeOf(item.at));
    const length = SECONDS[item.reason] ?? 1.0;
    const gain = context.createGain();
    gain.gain.setValueAtTime(0, start);
    gain.gain.linearRampToValueAtTime(0.35, start + 0.01);
    gain.gain.setValueAtTime(0.35, start + length - 0.05);
    gain.gain.linearRampToValueAtTime(0, start + length);
    const filter = context.createBiquadFilter();
    filter.type = "lowpass";
    filter.frequency.value = 2400;
    filter.connect(gain).connect(context.destination);
    // A buzzer: two slightly detuned square waves a minor third apart.
    const nodes = [220, 262, 221.5].map((frequency) => {
      const osc = context.createOscillator();
      osc.type = "square";
      osc.frequency.value = frequency;
      osc.connect(filter);
      osc.start(start);
      osc.stop(start + length);
      return osc;
    });
    const entry = {
      id: item.id,
      reason: item.reason,
      at_ms: item.at,
      decided_ms: now,
      scheduled_ms: this.serverTimeOf(start),
      played_ms: null,
      wall_ms: null,
      late: item.late,
      cancelled: false,
      audio: context.state,
    };
    this.log.push(entry);
    this.voices.set(item.id, { nodes, entry });
    const wait = Math.max(0, (start - context.currentTime) * 1000) + 50;
    setTimeout(() => {
      if (entry.cancelled) return;
      if (context.state === "running") {
        entry.played_ms = this.serverTimeOf(start);
        entry.wall_ms = Date.now() - performance.now() + this.perfTimeOf(start);
      }
      entry.audio = context.state;
    }, wait);
  }

  stop(id) {
    const voice = this.voices.get(id);
    if (!voice) return;
    voice.entry.cancelled = true;
    for (const osc of voice.nodes) {
      try {
        osc.stop();
      } catch {
        /* already stopped */
      }
    }
    this.voices.delete(id);
  }
}
