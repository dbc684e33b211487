// The client's side of the node's frame rate limit (docs/protocol.md, "Rate limiting"): the same token bucket as the
// node's, a little smaller, so that frames the client paces never reach the node over the limit even when the
// network delivers them closer together than they were sent.

/** Frames of the node's burst kept in reserve for that bunching. */
export const RATE_BURST_RESERVE = 2;

/** How long to stop after a `rate_limited` answer: the node drops, unanswered, what comes in the next second. */
export const RATE_LIMITED_PAUSE_MS = 1_000;

// Rates that do not divide a second give fractional intervals: a wait this close to zero is none.
const EPSILON_MS = 1e-6;

/**
 * A token bucket kept as the time it would be empty up to ("theoretical arrival time", as in GCRA): one number, no
 * drift from adding fractions of tokens.
 */
export class RateGate {
  #interval;
  #tolerance;
  #emptyAt;
  #now;

  /**
   * @param {number} ratePerSecond the node's `limits.ratePerSecond`
   * @param {number} burst the node's `limits.rateBurst`
   * @param {() => number} [now] a clock in milliseconds
   */
  constructor(ratePerSecond, burst, now = Date.now) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError("ratePerSecond must be above 0 and burst at least 1");
    const capacity = Math.max(1, Math.floor(burst) - RATE_BURST_RESERVE);
    this.#interval = 1_000 / ratePerSecond;
    // How far ahead of now the bucket may be spent: all of it but the frame being sent.
    this.#tolerance = (capacity - 1) * this.#interval;
    this.#now = now;
    this.#emptyAt = now();
  }

  /**
   * Takes the right to send one frame now and returns 0, or returns how many milliseconds to wait before asking again.
   * @returns {number}
   */
  take() {
    const now = this.#now();
    const emptyAt = Math.max(this.#emptyAt, now);
    const wait = emptyAt - now - this.#tolerance;
    if (wait > EPSILON_MS) return Math.ceil(wait - EPSILON_MS);
    this.#emptyAt = emptyAt + this.#interval;
    return 0;
  }

  /**
   * Sends nothing for `ms` milliseconds (after a `rate_limited` answer), then goes on at the rate, one frame per
   * interval: the bucket starts empty.
   * @param {number} ms
   */
  pause(ms = RATE_LIMITED_PAUSE_MS) {
    this.#emptyAt = Math.max(this.#emptyAt, this.#now() + ms + this.#tolerance);
  }
}
