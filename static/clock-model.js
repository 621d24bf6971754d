// clock-model.js — the clock as the browser knows it: the last state from the server, the
// offset between the browser's clock and the server's, and the remaining time at any local
// instant, so the pages redraw tenths at the screen's frame rate between messages.
// Pure apart from localNow(): every method takes the local instant as an argument, so
// `node --test` drives it with made-up times.

/** No state message for longer than this: the clock is shown as stale. */
export const STALE_AFTER_MS = 3000;
/** Latency correction applied to one message is bounded (guards against clock steps). */
export const MAX_LATENCY_MS = 1000;

/** The local clock: monotonic (immune to the browser's wall clock being changed), in ms
 *  on the same scale as Date.now(). */
export function localNow() {
  return performance.timeOrigin + performance.now();
}

/**
 * Remaining milliseconds at server instant `nowServerMs`, given a state that said
 * `remainingMs` were left at `serverTimeMs`. A running clock counts down, never below 0;
 * a paused one stays put.
 */
export function computeRemaining(remainingMs, running, serverTimeMs, nowServerMs) {
  if (!running) return Math.max(0, remainingMs);
  const elapsed = Math.max(0, nowServerMs - serverTimeMs);
  return Math.max(0, remainingMs - elapsed);
}

/**
 * Estimates offset = server clock - browser clock. Each sample (server_time_ms minus the
 * local time at receipt) is the true offset minus that message's network delay, so the
 * largest recent sample is the best one. Samples older than `windowMs` are forgotten so
 * the estimate follows clock drift.
 */
export class OffsetEstimator {
  constructor(windowMs = 10000) {
    this.windowMs = windowMs;
    this.samples = []; // {at, offset}
  }

  add(offset, at) {
    this.samples.push({ at, offset });
    const cutoff = at - this.windowMs;
    while (this.samples.length > 1 && this.samples[0].at < cutoff) this.samples.shift();
  }

  /** The best estimate, or null before any sample. */
  get value() {
    if (this.samples.length === 0) return null;
    let best = -Infinity;
    for (const s of this.samples) best = Math.max(best, s.offset);
    return best;
  }
}

/**
 * The last known state and how to extrapolate it:
 *   displayed remaining = remaining_ms - (now_in_server_time - server_time_ms), if running,
 * with now_in_server_time = local now + offset. Within one run (same last_event_id, still
 * running) the shown time never goes back up when a new message lands, so tenths do not
 * flicker.
 */
export class ClockModel {
  constructor() {
    this.state = null; // the raw state object from the server
    this.remainingMs = null;
    this.serverTimeMs = null;
    this.receivedAt = null; // local time of receipt
    this.offsets = new OffsetEstimator();
    this.ceilingMs = null;
  }

  /** Take a state object (the value of "state" in a server message) received at `at`. */
  apply(state, at) {
    if (!state || typeof state !== "object") return;
    const prev = this.state;
    const remainingMs = Number.isFinite(state.remaining_ms)
      ? state.remaining_ms
      : Math.round(Number(state.seconds) * 1000);
    if (!Number.isFinite(remainingMs)) return;
    const serverTimeMs = Number.isFinite(state.server_time_ms) ? state.server_time_ms : null;
    if (serverTimeMs !== null) this.offsets.add(serverTimeMs - at, at);
    const sameRun =
      prev !== null &&
      prev.running &&
      state.running &&
      state.last_event_id != null &&
      prev.last_event_id === state.last_event_id;
    if (!sameRun) this.ceilingMs = null;
    this.state = state;
    this.remainingMs = remainingMs;
    this.serverTimeMs = serverTimeMs;
    this.receivedAt = at;
  }

  get running() {
    return Boolean(this.state && this.state.running);
  }

  get pusherStatus() {
    return (this.state && this.state.pusher_status) || "unknown";
  }

  /** Why delivery is not healthy, in the server's words (null while it is). */
  get pusherDetail() {
    const detail = this.state && this.state.pusher_detail;
    return typeof detail === "string" && detail ? detail : null;
  }

  /** Milliseconds since the last state arrived (Infinity before the first). */
  ageMs(at) {
    return this.receivedAt === null ? Infinity : at - this.receivedAt;
  }

  /** Remaining milliseconds at local time `at`, or null before the first state. */
  remainingAt(at) {
    if (this.state === null) return null;
    if (!this.state.running) return Math.max(0, this.remainingMs);
    // Elapsed server time since the state's instant: time since receipt on the local
    // (monotonic) clock plus this message's estimated network delay, which is bounded
    // so a stepped server clock cannot throw the display off by more than a second.
    const sinceReceipt = Math.max(0, at - this.receivedAt);
    let elapsed = sinceReceipt;
    const offset = this.offsets.value;
    if (this.serverTimeMs !== null && offset !== null) {
      const delay = offset - (this.serverTimeMs - this.receivedAt);
      elapsed += Math.min(MAX_LATENCY_MS, Math.max(0, delay));
    }
    const nowServer = this.serverTimeMs === null ? elapsed : this.serverTimeMs + elapsed;
    let ms = computeRemaining(this.remainingMs, true, this.serverTimeMs ?? 0, nowServer);
    if (this.ceilingMs !== null && ms > this.ceilingMs) ms = this.ceilingMs;
    this.ceilingMs = ms;
    return ms;
  }
}
