// How long to wait before connecting again: exponential backoff with full jitter (each delay uniform between zero
// and a ceiling that doubles per failed attempt), so that the clients of a node that went away do not all come back
// in the same instant.

/** The ceiling of the first delay. */
export const RECONNECT_BASE_DELAY_MS = 500;

/** The largest ceiling: a client away for long tries at least this often. */
export const RECONNECT_MAX_DELAY_MS = 15_000;

// 2 ** 31 times any base is far past any ceiling; capping the exponent keeps the product finite.
const MAX_EXPONENT = 31;

/**
 * The delay before reconnect attempt number `attempt` (0 for the first after a drop).
 * @param {number} attempt a non-negative integer
 * @param {{ baseMs?: number, maxMs?: number, random?: () => number }} [options] `random` returns [0, 1), like Math.random
 * @returns {number} whole milliseconds in [0, min(maxMs, baseMs * 2 ** attempt))
 */
export function reconnectDelay(attempt, { baseMs = RECONNECT_BASE_DELAY_MS, maxMs = RECONNECT_MAX_DELAY_MS, random = Math.random } = {}) {
  if (!Number.isInteger(attempt) || attempt < 0) throw new RangeError(`attempt must be a non-negative integer, not ${attempt}`);
  if (!(baseMs >= 0) || !(maxMs >= 0)) throw new RangeError("baseMs and maxMs must be non-negative");
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, MAX_EXPONENT));
  return Math.floor(random() * ceiling);
}
