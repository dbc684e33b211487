// A WebSocket stand-in that a test drives from the server's side: open it, send it frames, close it. Each test gets
// its own class, so the sockets a client opened can be awaited in order.

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

/** @returns {typeof FakeSocketBase & { opened: FakeSocketBase[], next(): Promise<FakeSocketBase> }} */
export function fakeSocketClass() {
  /** @type {FakeSocketBase[]} */
  const opened = [];
  /** @type {Array<(socket: FakeSocketBase) => void>} */
  const waiting = [];
  let taken = 0;
  class FakeSocket extends FakeSocketBase {
    static opened = opened;

    /** The next socket the client creates (or already created and not yet taken). */
    static next() {
      const index = taken++;
      if (index < opened.length) return Promise.resolve(opened[index]);
      return new Promise((resolve) => waiting.push(resolve));
    }

    constructor(url) {
      super(url);
      opened.push(this);
      const resolve = waiting.shift();
      if (resolve) resolve(this);
    }
  }
  return FakeSocket;
}

class FakeSocketBase {
  readyState = CONNECTING;
  /** @type {Array<Record<string, unknown>>} */
  sent = [];
  /** @type {{ code?: number, reason?: string } | null} */
  closedByClient = null;
  #sentWaiters = [];

  constructor(url) {
    this.url = url;
  }

  // ----- what the client calls -----

  send(text) {
    if (this.readyState !== OPEN) throw new Error("send on a socket that is not open");
    this.sent.push(JSON.parse(text));
    this.#sentWaiters = this.#sentWaiters.filter(({ count, resolve }) => {
      if (this.sent.length < count) return true;
      resolve(this.sent.slice(0, count));
      return false;
    });
  }

  close(code, reason) {
    this.closedByClient = { code, reason };
    this.readyState = CLOSED;
  }

  // ----- what the test calls, as the server -----

  /** Resolves once the client has sent `count` frames on this socket, with those frames. */
  sentCount(count) {
    if (this.sent.length >= count) return Promise.resolve(this.sent.slice(0, count));
    return new Promise((resolve) => this.#sentWaiters.push({ count, resolve }));
  }

  open() {
    this.readyState = OPEN;
    this.onopen?.({ type: "open" });
  }

  /** Opens the socket and sends a welcome of protocol 1 with the given limits (and any fields given, over those). */
  welcome(limits = {}, fields = {}) {
    this.open();
    this.receive({
      type: "welcome",
      protocol: 1,
      user: "alice",
      limits: { maxFrameBytes: 25739, maxTextLength: 2000, maxRooms: 32, ratePerSecond: 1000, rateBurst: 1000, ...limits },
      ...fields,
    });
  }

  /** Sends these objects in one frame, one per line, as the node joins what it has queued. */
  receive(...frames) {
    this.onmessage?.({ data: frames.map((frame) => JSON.stringify(frame)).join("\n") });
  }

  /**
   * Closes from the server's side: with a close frame (its code and reason: a close event alone, as browsers do), or
   * without (1006, the network dropped it: an error event, then a close event).
   */
  drop(code = 1006, reason = "") {
    this.readyState = CLOSED;
    if (code === 1006) this.onerror?.({ type: "error" });
    this.onclose?.({ code, reason });
  }
}
