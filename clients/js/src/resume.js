// Resume bookkeeping: the rooms a client is in and the last message id it saw in each, so that after a reconnect it
// joins each room again with `since` and gets every message it missed, none twice.

const MESSAGE_ID = /^(\d{1,16})-(\d{1,16})$/;

/**
 * A Redis stream id, `<milliseconds>-<sequence>`, as two numbers; null when it is not one.
 * @param {unknown} id
 * @returns {[number, number] | null}
 */
export function parseMessageId(id) {
  const match = typeof id === "string" ? MESSAGE_ID.exec(id) : null;
  return match ? [Number(match[1]), Number(match[2])] : null;
}

/**
 * Orders two message ids as the room does (negative, zero or positive, like a sort comparator).
 * @param {string} a
 * @param {string} b
 */
export function compareMessageIds(a, b) {
  const x = parseMessageId(a);
  const y = parseMessageId(b);
  if (!x || !y) throw new TypeError(`not message ids: ${a}, ${b}`);
  return x[0] !== y[0] ? x[0] - y[0] : x[1] - y[1];
}

/**
 * The rooms joined and the last id seen in each. Ids only grow within a room and a client receives a room's
 * messages in order, so one id per room tells a new message from a repeated one: nothing else need be kept.
 */
export class ResumeLog {
  /** @type {Map<string, string | null>} */
  #last = new Map();

  /**
   * Starts following a room.
   * @param {string} room
   * @param {string | null} [since] the last id already seen there, if any
   */
  track(room, since = null) {
    if (since !== null && !parseMessageId(since)) throw new TypeError(`since is not a message id: ${since}`);
    this.#last.set(room, since);
  }

  /** @param {string} room */
  forget(room) {
    this.#last.delete(room);
  }

  /** @param {string} room */
  has(room) {
    return this.#last.has(room);
  }

  /** The rooms followed, in the order they were first tracked. */
  rooms() {
    return [...this.#last.keys()];
  }

  /**
   * What to put in `since` when joining the room again: the last id seen, or null when none was (then the room's
   * recent history is what was missed).
   * @param {string} room
   */
  since(room) {
    return this.#last.get(room) ?? null;
  }

  /**
   * Records a message; false when it is not new (already seen, or from a room not followed, or without an id).
   * @param {Record<string, unknown>} message a `message` frame
   */
  accept(message) {
    if (typeof message.room !== "string" || !this.#last.has(message.room)) return false;
    const id = message.id;
    if (typeof id !== "string" || !parseMessageId(id)) return false;
    const last = this.#last.get(message.room);
    if (last && compareMessageIds(id, last) <= 0) return false;
    this.#last.set(message.room, id);
    return true;
  }
}
