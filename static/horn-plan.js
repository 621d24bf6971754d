// horn-plan.js — when a display sounds the horn, in the server's time, as a pure object
// (no audio, no clock: the page passes the state and the server's "now"), so
// `node --test` checks it.
//
// Two kinds of horn. A predicted one: a running game clock (or shot clock) will reach zero
// at server_time_ms + remaining_ms, which every display knows ahead of time, so each one
// schedules its sound for that instant and they all sound together, whenever their
// messages arrived. An announced one: the state's `horn` ({at_ms, reason}) changed (the
// operator's button, or the loop's horn at a zero): sounded at once unless it is the
// horn already scheduled for that zero (within TOLERANCE_MS), or too old to be news.

/** Two horns this close together are the same horn. */
export const TOLERANCE_MS = 100;
/** A predicted horn is handed to the audio clock this long before its instant: long
 *  enough that a page in a background tab (timers throttled to once a second) still
 *  gets several chances, short enough that the audio clock cannot drift from the
 *  system clock by a measurable amount meanwhile (50 ppm over 5 s is 0.25 ms). */
export const LOOKAHEAD_MS = 5000;
/** An announced horn that arrives later than this after its instant is not sounded. */
export const TOO_LATE_MS = 1000;

/** The zeros a state predicts: [{key, at, reason}] in server time. */
export function predictedZeros(state) {
  if (!state || !state.running || !Number.isFinite(state.server_time_ms)) return [];
  const zeros = [];
  const remaining = state.remaining_ms;
  // A clock counting up (handball) also ends the period when remaining_ms reaches 0.
  if (Number.isFinite(remaining) && remaining > 0) {
    zeros.push({ key: "period_end", at: state.server_time_ms + remaining, reason: "period_end" });
  }
  const shot = state.shot_clock;
  if (shot && shot.running && shot.remaining_ms > 0 && shot.remaining_ms < remaining) {
    zeros.push({ key: "shot_clock", at: state.server_time_ms + shot.remaining_ms, reason: "shot_clock" });
  }
  return zeros;
}

export class HornPlan {
  constructor() {
    this.nextId = 1;
    this.lastAnnounced = undefined; // horn.at_ms last seen (undefined: no state yet)
    this.pending = new Map(); // key -> {id, at, reason}: predicted, handed to the audio clock
    this.sounded = []; // instants of horns sounded or scheduled (recent ones)
  }

  /** What to do now: {schedule: [{id, at, reason, late}], cancel: [id]}. */
  update(state, nowServer) {
    const schedule = [];
    const cancel = [];
    const zeros = new Map(predictedZeros(state).map((z) => [z.key, z]));
    // A predicted horn no longer predicted (paused, time changed) is called off, if it
    // has not sounded yet.
    for (const [key, item] of this.pending) {
      const zero = zeros.get(key);
      if (item.at <= nowServer) {
        this.pending.delete(key);
      } else if (!zero || Math.abs(zero.at - item.at) > TOLERANCE_MS) {
        cancel.push(item.id);
        this.pending.delete(key);
        this.sounded = this.sounded.filter((at) => at !== item.at);
      }
    }
    for (const zero of zeros.values()) {
      if (this.pending.has(zero.key)) continue;
      const ahead = zero.at - nowServer;
      if (ahead < 0 || ahead > LOOKAHEAD_MS) continue;
      const item = { id: this.nextId++, at: zero.at, reason: zero.reason, late: false };
      this.pending.set(zero.key, item);
      this.sounded.push(zero.at);
      schedule.push(item);
    }
    const horn = state && state.horn;
    const announced = horn && Number.isFinite(horn.at_ms) ? horn.at_ms : null;
    if (this.lastAnnounced !== undefined && announced !== null && announced !== this.lastAnnounced) {
      const known = this.sounded.some((at) => Math.abs(at - announced) <= TOLERANCE_MS);
      if (!known && nowServer - announced <= TOO_LATE_MS) {
        const late = announced < nowServer;
        schedule.push({ id: this.nextId++, at: announced, reason: horn.reason, late });
        this.sounded.push(announced);
      }
    }
    if (state) this.lastAnnounced = announced;
    this.sounded = this.sounded.filter((at) => nowServer - at < 60000);
    return { schedule, cancel };
  }
}
