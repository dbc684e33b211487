// One chat connection that keeps itself up: connects with a token, checks the protocol version, joins rooms, sends
// with acks, paces its frames to the node's rate limit, and after a drop reconnects with backoff and resumes every
// room where it left off (docs/protocol.md).

import { httpBase, tokenExpiry } from "./auth.js";
import { reconnectDelay } from "./backoff.js";
import { CloseCodes, shouldReconnect } from "./close.js";
import { ChattorumError, ClientErrorCodes } from "./errors.js";
import { DEFAULT_LIMITS, checkWelcome, limitsOf, parseFrames } from "./protocol.js";
import { RateGate } from "./rate.js";
import { ResumeLog } from "./resume.js";

/** How long a request waits for its answer before it is given up (the node answers a held `send` within 5 s). */
export const REQUEST_TIMEOUT_MS = 30_000;

/** How long to wait before joining a room again when the node could not (`unavailable`: its Redis is away). */
export const REJOIN_RETRY_MS = 1_000;

/** The WebSocket endpoint, relative to the chat's address. */
export const SOCKET_PATH = "ws";

/** Browsers cannot set headers on a WebSocket: the token goes in the query. */
export const TOKEN_QUERY_PARAMETER = "access_token";

/** The close reason with which a node that shut down says that it answered every `send` it had taken. */
export const SHUTDOWN_REASON = "server shutting down";

const OPEN = 1;
const CLOSING = 2;

/**
 * @typedef {"idle" | "connecting" | "connected" | "reconnecting" | "disconnected" | "failed"} ConnectionState
 * @typedef {{ state: ConnectionState, previous: ConnectionState, attempt?: number, delay?: number, error?: ChattorumError }} StateDetail
 * @typedef {{ kind: string, room?: string, since?: string | null, resolve: (frame: any) => void, reject: (error: ChattorumError) => void, sent: boolean, cancelled: boolean, timer: ReturnType<typeof setTimeout> | undefined }} PendingRequest
 * @typedef {{ text: string, request?: PendingRequest }} Outgoing
 */

/**
 * @typedef {object} ClientOptions
 * @property {string | URL} url the chat's address (http, https, ws or wss), e.g. `https://chat.example.com`
 * @property {string | (() => string | Promise<string>)} token a token from `signIn`/`register`, or a function that
 *   returns one, called before each connection attempt
 * @property {typeof globalThis.WebSocket} [WebSocket] a WebSocket constructor (default: globalThis.WebSocket)
 * @property {typeof globalThis.fetch} [fetch] for telling a refused token from an unreachable node (default: globalThis.fetch)
 * @property {{ baseMs?: number, maxMs?: number, random?: () => number }} [backoff] the reconnect delays (backoff.js)
 * @property {number} [requestTimeoutMs] see REQUEST_TIMEOUT_MS
 */

export class ChattorumClient extends EventTarget {
  #base;
  #token;
  #WebSocket;
  #fetch;
  #backoff;
  #requestTimeoutMs;

  /** @type {ConnectionState} */
  #state = "idle";
  /** @type {WebSocket | null} */
  #socket = null;
  #opened = false;
  // Bumped whenever the client itself ends a connection or an attempt: work started for an older one is dropped.
  #generation = 0;
  #attempt = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #retryTimer;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #flushTimer;
  /** @type {Set<ReturnType<typeof setTimeout>>} */
  #rejoinTimers = new Set();
  /** @type {Record<string, unknown> | null} */
  #welcome = null;
  #limits = DEFAULT_LIMITS;
  /** @type {RateGate | null} */
  #gate = null;
  /** @type {Outgoing[]} */
  #outbox = [];
  /** @type {Map<string, PendingRequest>} */
  #requests = new Map();
  /** The joins the client sends itself after a reconnect: cid -> room. @type {Map<string, string>} */
  #rejoins = new Map();
  #log = new ResumeLog();
  /** @type {Map<string, Set<string>>} */
  #members = new Map();
  #cids = 0;
  /** @type {{ promise: Promise<Record<string, unknown>>, resolve: (welcome: Record<string, unknown>) => void, reject: (error: ChattorumError) => void } | null} */
  #connecting = null;

  /** @param {ClientOptions} options */
  constructor(options) {
    super();
    const { url, token, WebSocket = globalThis.WebSocket, fetch = globalThis.fetch, backoff = {}, requestTimeoutMs = REQUEST_TIMEOUT_MS } = options ?? {};
    if (typeof WebSocket !== "function") {
      throw new TypeError("no WebSocket constructor: pass { WebSocket } (Node 20 has one only with --experimental-websocket; Node 22 and browsers have it)");
    }
    if (typeof token !== "string" && typeof token !== "function") throw new TypeError("token must be a string or a function that returns one");
    this.#base = httpBase(url);
    if (!this.#base.pathname.endsWith("/")) this.#base.pathname += "/";
    this.#token = token;
    this.#WebSocket = WebSocket;
    this.#fetch = fetch;
    this.#backoff = backoff;
    this.#requestTimeoutMs = requestTimeoutMs;
  }

  /** @returns {ConnectionState} */
  get state() {
    return this.#state;
  }

  /** The last `welcome` (the user's name as the node spells it, the protocol version, the limits), or null. */
  get welcome() {
    return this.#welcome;
  }

  /** The user the node says this is (from the last `welcome`), or null before the first. */
  get user() {
    return typeof this.#welcome?.user === "string" ? this.#welcome.user : null;
  }

  /** The node's limits, from the last `welcome` (the documented defaults before it). */
  get limits() {
    return this.#limits;
  }

  /** The rooms this client is in, or will join again once reconnected. */
  get rooms() {
    return this.#log.rooms();
  }

  /**
   * The members of a room, as of its last `joined` and the `presence` frames since.
   * @param {string} room
   * @returns {string[]}
   */
  members(room) {
    return [...(this.#members.get(room) ?? [])];
  }

  /**
   * The id of the last message seen in a room: what a reconnect resumes after.
   * @param {string} room
   */
  lastMessageId(room) {
    return this.#log.since(room);
  }

  /**
   * Connects (at once, also while waiting to reconnect) and resolves with the `welcome`. Rejects when the client
   * fails (token refused, protocol version unknown, a final close) or is disconnected before; transient failures are
   * retried meanwhile.
   * @returns {Promise<Record<string, unknown>>}
   */
  connect() {
    if (this.#state === "connected" && this.#welcome) return Promise.resolve(this.#welcome);
    /** @type {any} */
    const deferred = this.#connecting ?? {};
    if (!this.#connecting) {
      deferred.promise = new Promise((resolve, reject) => Object.assign(deferred, { resolve, reject }));
      this.#connecting = deferred;
    }
    /** @type {Promise<Record<string, unknown>>} */
    const promise = deferred.promise;
    if (this.#state === "reconnecting" && this.#socket) return promise;
    if (this.#state === "connecting") return promise;
    clearTimeout(this.#retryTimer);
    if (this.#state !== "reconnecting") this.#attempt = 0;
    void this.#open(this.#state === "reconnecting" ? "reconnecting" : "connecting");
    return promise;
  }

  /**
   * Closes the connection and stays disconnected, keeping the rooms and where each was left off: a later
   * `connect()` resumes them. Requests not yet answered are rejected (`disconnected`).
   */
  disconnect() {
    if (this.#state === "idle" || this.#state === "disconnected" || this.#state === "failed") return;
    this.#halt("disconnect");
    this.#setState("disconnected");
    this.#rejectConnecting(new ChattorumError(ClientErrorCodes.disconnected, "disconnect() was called before the connection was ready"));
  }

  /**
   * Drops the connection as a network failure would and reconnects by the backoff policy, resuming every room.
   * Useful when the app knows the network changed (a browser's `online` event).
   */
  reconnect() {
    if (this.#state === "idle" || this.#state === "disconnected" || this.#state === "failed") {
      void this.connect();
      return;
    }
    this.#halt("reconnect");
    this.#scheduleRetry();
  }

  /**
   * Joins a room. Resolves with the `joined` frame; the room's history follows as `message` events (dispatched
   * before or after the promise's continuation runs: keep state in event handlers). With `since`, the history is
   * every stored message after that id.
   * @param {string} room
   * @param {{ since?: string }} [options]
   */
  join(room, { since } = {}) {
    if (this.#log.has(room)) {
      return Promise.reject(new ChattorumError("already_in_room", `already in ${room}`, { frame: "join", room }));
    }
    /** @type {Record<string, unknown>} */
    const frame = { type: "join", room };
    if (since !== undefined) frame.since = since;
    return this.#request(frame, "join", room, since ?? null);
  }

  /**
   * Leaves a room: nothing more from it is dispatched, and it is not joined again after a reconnect. Resolves with
   * the `left` frame (at once when not connected: the node forgot the room with the connection).
   * @param {string} room
   */
  leave(room) {
    this.#log.forget(room);
    this.#members.delete(room);
    if (this.#state !== "connected") return Promise.resolve({ type: "left", room });
    return this.#request({ type: "leave", room }, "leave", room);
  }

  /**
   * Sends a message (or a command: a text that starts with one `/`). Resolves with the `ack` (the message is
   * stored; `id` is its id) or, for a command, with `queued` (a bot has it). Rejects with the node's error (e.g.
   * `unavailable`, `busy`: not stored, send again; `unconfirmed`: stored under `error.id` but not yet replicated), or
   * `disconnected`/`timeout` (see `error.mayBeStored`).
   * @param {string} room
   * @param {string} text
   */
  send(room, text) {
    return this.#request({ type: "send", room, text }, "send", room);
  }

  /** A round trip to the node: resolves with its `pong`. */
  ping() {
    return this.#request({ type: "ping" }, "ping");
  }

  // ---------- connection ----------

  /** @param {"connecting" | "reconnecting"} state */
  async #open(state) {
    const generation = ++this.#generation;
    this.#setState(state, { attempt: this.#attempt });
    let token;
    try {
      token = typeof this.#token === "function" ? await this.#token() : this.#token;
    } catch (error) {
      if (generation === this.#generation) this.#fail(new ChattorumError(ClientErrorCodes.unauthorized, `no token: ${message(error)}`));
      return;
    }
    if (generation !== this.#generation) return;
    const expiry = typeof token === "string" ? tokenExpiry(token) : null;
    if (typeof token !== "string" || token === "") {
      this.#fail(new ChattorumError(ClientErrorCodes.unauthorized, "no token: sign in first"));
      return;
    }
    if (expiry && expiry.getTime() <= Date.now()) {
      this.#fail(new ChattorumError(ClientErrorCodes.tokenExpired, "the token has expired: sign in again"));
      return;
    }
    const url = new URL(SOCKET_PATH, this.#base);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set(TOKEN_QUERY_PARAMETER, token);
    let socket;
    try {
      socket = new this.#WebSocket(url.toString());
    } catch (error) {
      this.#fail(new ChattorumError(ClientErrorCodes.network, `cannot open ${url.origin}: ${message(error)}`));
      return;
    }
    this.#socket = socket;
    this.#opened = false;
    socket.onopen = () => {
      if (socket === this.#socket) this.#opened = true;
    };
    socket.onmessage = (event) => {
      if (socket !== this.#socket) return;
      for (const frame of parseFrames(event.data)) {
        if (socket !== this.#socket) return;
        this.#handle(frame);
      }
    };
    socket.onclose = (event) => {
      if (socket === this.#socket) this.#closedByPeer(event.code, event.reason, token);
    };
    // The standard has a close event follow every error, but Node 20's WebSocket fires none after a refused
    // handshake: an error ends the connection here, as the abnormal close (1006) it is; a close event after it is
    // for a socket no longer current, and ignored.
    socket.onerror = () => {
      if (socket !== this.#socket) return;
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      this.#closedByPeer(CloseCodes.abnormal, "", token);
      try {
        socket.close();
      } catch {
        // Already closed.
      }
    };
  }

  /**
   * The node (or the network) ended the connection.
   * @param {number} code
   * @param {string} reason
   * @param {string} token
   */
  #closedByPeer(code, reason, token) {
    this.#socket = null;
    // After a shutdown close that names no trouble, a `send` without an answer reached the node after it stopped
    // taking frames: it was not stored. After anything else it may have been.
    this.#cutRequests(!(code === CloseCodes.goingAway && reason === SHUTDOWN_REASON));
    if (!this.#opened) {
      void this.#refused(token);
    } else if (shouldReconnect(code, reason)) {
      this.#scheduleRetry();
    } else {
      this.#fail(new ChattorumError(ClientErrorCodes.closedByServer, `the chat closed the connection (${code}${reason ? ` ${reason}` : ""})`, { closeCode: code, closeReason: reason }));
    }
  }

  /**
   * The connection failed before it opened. A browser (and Node's WebSocket) does not say why, so ask the endpoint
   * over plain HTTP: it checks the token first and answers 401 to a bad one (400, not a WebSocket upgrade, to a good
   * one). A refused token is final; anything else (no answer, a node starting) is retried.
   * @param {string} token
   */
  async #refused(token) {
    const generation = this.#generation;
    let status = 0;
    try {
      const url = new URL(SOCKET_PATH, this.#base);
      url.searchParams.set(TOKEN_QUERY_PARAMETER, token);
      // Called as a plain function: a browser's fetch called as a method of another object throws "Illegal invocation".
      const fetch = this.#fetch;
      const response = await fetch(url);
      status = response.status;
      await response.body?.cancel();
    } catch {
      // No answer: the node is away.
    }
    if (generation !== this.#generation) return;
    if (status === 401) {
      this.#fail(new ChattorumError(ClientErrorCodes.unauthorized, "the chat refused the token: sign in again", { status }));
    } else {
      this.#scheduleRetry();
    }
  }

  #scheduleRetry() {
    const delay = reconnectDelay(this.#attempt, this.#backoff);
    this.#attempt++;
    const generation = ++this.#generation;
    this.#setState("reconnecting", { attempt: this.#attempt, delay });
    this.#retryTimer = setTimeout(() => {
      if (generation === this.#generation) void this.#open("reconnecting");
    }, delay);
  }

  /**
   * The client ends the connection (or the attempt, or the wait) itself.
   * @param {string} reason
   */
  #halt(reason) {
    clearTimeout(this.#retryTimer);
    this.#generation++;
    const socket = this.#socket;
    this.#socket = null;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      try {
        if (socket.readyState < CLOSING) socket.close(CloseCodes.normal, reason);
      } catch {
        // Already closing.
      }
    }
    this.#cutRequests(true);
  }

  /** @param {ChattorumError} error */
  #fail(error) {
    this.#halt("client gave up");
    this.#setState("failed", { error });
    this.#emit("error", error);
    this.#rejectConnecting(error);
  }

  /** @param {ChattorumError} error */
  #rejectConnecting(error) {
    const connecting = this.#connecting;
    this.#connecting = null;
    connecting?.reject(error);
  }

  /**
   * What a connection's end does to what was waiting on it.
   * @param {boolean} sentMayBeStored whether a `send` that went out unanswered may have been stored
   */
  #cutRequests(sentMayBeStored) {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    for (const timer of this.#rejoinTimers) clearTimeout(timer);
    this.#rejoinTimers.clear();
    this.#rejoins.clear();
    this.#outbox = [];
    this.#gate = null;
    const requests = [...this.#requests.values()];
    this.#requests.clear();
    for (const request of requests) {
      clearTimeout(request.timer);
      request.reject(new ChattorumError(ClientErrorCodes.disconnected, "the connection ended before the answer came", {
        frame: request.kind,
        room: request.room,
        mayBeStored: request.kind === "send" && request.sent && sentMayBeStored,
      }));
    }
  }

  /**
   * @param {ConnectionState} state
   * @param {Omit<StateDetail, "state" | "previous">} [extra]
   */
  #setState(state, extra = {}) {
    const previous = this.#state;
    this.#state = state;
    if (previous !== state || extra.delay !== undefined || state === "reconnecting") {
      this.#emit("state", { state, previous, ...extra });
    }
  }

  /**
   * @param {string} type
   * @param {unknown} detail
   */
  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // ---------- frames ----------

  /** @param {Record<string, unknown> & { type: string }} frame */
  #handle(frame) {
    this.#emit("frame", frame);
    const cid = typeof frame.cid === "string" ? frame.cid : undefined;
    switch (frame.type) {
      case "welcome":
        this.#welcomed(frame);
        break;
      case "joined":
        this.#joined(frame, cid);
        break;
      case "message":
        if (this.#log.accept(frame)) this.#emit("message", frame);
        break;
      case "presence":
        this.#presence(frame);
        break;
      case "ack":
      case "queued":
      case "left":
      case "pong":
        if (cid) this.#settle(cid, (request) => request.resolve(frame));
        break;
      case "error":
        this.#error(frame, cid);
        break;
      default:
        // A frame type of a later protocol addition: ignored (it still comes as a "frame" event).
        break;
    }
  }

  /** @param {Record<string, unknown>} frame */
  #welcomed(frame) {
    if (this.#state === "connected") return;
    const problem = checkWelcome(frame);
    if (problem) {
      this.#fail(problem);
      return;
    }
    this.#welcome = frame;
    this.#limits = limitsOf(frame);
    this.#gate = new RateGate(this.#limits.ratePerSecond, this.#limits.rateBurst);
    this.#attempt = 0;
    // Every room again, each after the last message seen in it, before anything the app sends now.
    for (const room of this.#log.rooms()) this.#rejoin(room);
    this.#setState("connected");
    this.#emit("welcome", frame);
    const connecting = this.#connecting;
    this.#connecting = null;
    connecting?.resolve(frame);
  }

  /** @param {string} room */
  #rejoin(room) {
    const cid = this.#nextCid();
    this.#rejoins.set(cid, room);
    const since = this.#log.since(room);
    this.#enqueue(JSON.stringify(since ? { type: "join", room, since, cid } : { type: "join", room, cid }));
  }

  /**
   * @param {Record<string, unknown>} frame
   * @param {string | undefined} cid
   */
  #joined(frame, cid) {
    if (!cid || typeof frame.room !== "string") return;
    const room = frame.room;
    const rejoin = this.#rejoins.get(cid);
    this.#rejoins.delete(cid);
    const request = this.#requests.get(cid);
    if (rejoin === undefined && request?.kind !== "join") return;
    // A room left while its rejoin was on the way: the node hears the leave next.
    if (rejoin !== undefined && !this.#log.has(room)) return;
    if (request) this.#log.track(room, request.since ?? null);
    this.#members.set(room, new Set(Array.isArray(frame.members) ? frame.members.filter((m) => typeof m === "string") : []));
    this.#emit("joined", { ...frame, resumed: rejoin !== undefined });
    if (request) this.#settle(cid, (pending) => pending.resolve(frame));
  }

  /** @param {Record<string, unknown>} frame */
  #presence(frame) {
    if (typeof frame.room !== "string" || !this.#log.has(frame.room) || typeof frame.user !== "string") return;
    const members = this.#members.get(frame.room) ?? new Set();
    this.#members.set(frame.room, members);
    if (frame.event === "joined") members.add(frame.user);
    else if (frame.event === "left") members.delete(frame.user);
    this.#emit("presence", frame);
  }

  /**
   * @param {Record<string, unknown>} frame
   * @param {string | undefined} cid
   */
  #error(frame, cid) {
    // The node drops what comes in the second after a rate_limited answer, unanswered: wait it out.
    if (frame.code === "rate_limited") this.#gate?.pause();
    const rejoin = cid === undefined ? undefined : this.#rejoins.get(cid);
    if (cid !== undefined && rejoin !== undefined) {
      this.#rejoins.delete(cid);
      this.#rejoinFailed(rejoin, frame);
      return;
    }
    const request = cid === undefined ? undefined : this.#requests.get(cid);
    if (cid !== undefined && request) {
      this.#settle(cid, (pending) => pending.reject(ChattorumError.fromFrame(frame, pending.room)));
      return;
    }
    this.#emit("error", ChattorumError.fromFrame(frame));
  }

  /**
   * @param {string} room
   * @param {Record<string, unknown>} frame
   */
  #rejoinFailed(room, frame) {
    if (frame.code === "already_in_room" || !this.#log.has(room)) return;
    const error = ChattorumError.fromFrame(frame, room);
    if (frame.code === "unavailable" || frame.code === "rate_limited") {
      // The node cannot reach its store for now (or was asked too fast): the room is kept and joined again shortly.
      const generation = this.#generation;
      const timer = setTimeout(() => {
        this.#rejoinTimers.delete(timer);
        if (generation === this.#generation && this.#state === "connected" && this.#log.has(room)) this.#rejoin(room);
      }, REJOIN_RETRY_MS);
      this.#rejoinTimers.add(timer);
    } else {
      // The room can no longer be joined (the node's limits changed): the app hears of it and it is dropped.
      this.#log.forget(room);
      this.#members.delete(room);
    }
    this.#emit("error", error);
  }

  // ---------- requests ----------

  #nextCid() {
    return String(++this.#cids);
  }

  /**
   * @param {Record<string, unknown>} frame
   * @param {string} kind
   * @param {string} [room]
   * @param {string | null} [since]
   * @returns {Promise<any>}
   */
  #request(frame, kind, room, since = null) {
    if (this.#state !== "connected") {
      return Promise.reject(new ChattorumError(ClientErrorCodes.notConnected, "not connected", { frame: kind, room, mayBeStored: false }));
    }
    const cid = this.#nextCid();
    const text = JSON.stringify({ ...frame, cid });
    if (new TextEncoder().encode(text).length > this.#limits.maxFrameBytes) {
      return Promise.reject(new ChattorumError(ClientErrorCodes.tooLarge, `the frame is over the node's ${this.#limits.maxFrameBytes} bytes`, { frame: kind, room, mayBeStored: false }));
    }
    return new Promise((resolve, reject) => {
      /** @type {PendingRequest} */
      const request = { kind, room, since, resolve, reject, sent: false, cancelled: false, timer: undefined };
      request.timer = setTimeout(() => {
        this.#settle(cid, (pending) => pending.reject(new ChattorumError(ClientErrorCodes.timeout, `no answer within ${this.#requestTimeoutMs} ms`, {
          frame: kind,
          room,
          mayBeStored: kind === "send" && pending.sent,
        })));
      }, this.#requestTimeoutMs);
      this.#requests.set(cid, request);
      this.#enqueue(text, request);
    });
  }

  /**
   * Takes a request off the waiting list and settles it.
   * @param {string} cid
   * @param {(request: PendingRequest) => void} settle
   */
  #settle(cid, settle) {
    const request = this.#requests.get(cid);
    if (!request) return;
    this.#requests.delete(cid);
    request.cancelled = true;
    clearTimeout(request.timer);
    settle(request);
  }

  /**
   * @param {string} text
   * @param {PendingRequest} [request]
   */
  #enqueue(text, request) {
    this.#outbox.push({ text, request });
    this.#flush();
  }

  /** Sends what the rate allows now, and comes back when the next frame may go. */
  #flush() {
    const socket = this.#socket;
    while (this.#outbox.length > 0 && socket && socket.readyState === OPEN && this.#gate) {
      const next = this.#outbox[0];
      if (next.request?.cancelled && !next.request.sent) {
        this.#outbox.shift();
        continue;
      }
      const wait = this.#gate.take();
      if (wait > 0) {
        if (this.#flushTimer === undefined) {
          this.#flushTimer = setTimeout(() => {
            this.#flushTimer = undefined;
            this.#flush();
          }, wait);
        }
        return;
      }
      this.#outbox.shift();
      socket.send(next.text);
      if (next.request) next.request.sent = true;
    }
  }
}

/** @param {unknown} error */
function message(error) {
  return error instanceof Error ? error.message : String(error);
}
