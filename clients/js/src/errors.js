// The one error type of the client: a server's `error` frame, a refused connection, or a request cut short.

/**
 * Codes the client itself gives (the server's own codes are in docs/protocol.md, "Errors").
 * @readonly
 */
export const ClientErrorCodes = Object.freeze({
  /** A request made while no connection is open. */
  notConnected: "not_connected",
  /** The connection ended before the request was answered; see `mayBeStored`. */
  disconnected: "disconnected",
  /** No answer within `requestTimeoutMs`; see `mayBeStored`. */
  timeout: "timeout",
  /** The frame would be over the node's `maxFrameBytes`: sending it would close the connection (1009). */
  tooLarge: "too_large",
  /** The node refused the token (401 before the upgrade). */
  unauthorized: "unauthorized",
  /** The token's `exp` is in the past: a new connection needs a fresh token. */
  tokenExpired: "token_expired",
  /** The node's `welcome.protocol` is not a version this client was written for. */
  unsupportedProtocol: "unsupported_protocol",
  /** The node closed the connection with a code that says connecting again would not help (see `closeCode`). */
  closedByServer: "closed_by_server",
  /** An HTTP request did not get through (no answer, no JSON where JSON was due). */
  network: "network",
});

/** @typedef {{ frame?: string, cid?: string, room?: string, id?: string, status?: number, field?: string, retryAfter?: number, mayBeStored?: boolean, closeCode?: number, closeReason?: string }} ErrorDetails */

export class ChattorumError extends Error {
  /**
   * @param {string} code a code of docs/protocol.md or of {@link ClientErrorCodes}
   * @param {string} message for people
   * @param {ErrorDetails} [details]
   */
  constructor(code, message, details = {}) {
    super(message);
    this.name = "ChattorumError";
    /** @type {string} */
    this.code = code;
    /** The type of the frame the error answers (`send`, `join`, ...), when the server names it. */
    this.frame = details.frame;
    this.cid = details.cid;
    this.room = details.room;
    /** For `unconfirmed`: the id the message was stored under. */
    this.id = details.id;
    /** The HTTP status, for the account endpoints and refused upgrades. */
    this.status = details.status;
    /** The request field the error is about (`username`, `password`). */
    this.field = details.field;
    /** Seconds to wait before trying again (HTTP `Retry-After`). */
    this.retryAfter = details.retryAfter;
    /**
     * For a `send` cut short: true when the message may have been stored anyway (look for it after resuming before
     * sending it again), false when it certainly was not.
     */
    this.mayBeStored = details.mayBeStored;
    this.closeCode = details.closeCode;
    this.closeReason = details.closeReason;
  }

  /**
   * The error a server's `error` frame describes.
   * @param {Record<string, unknown>} frame
   * @param {string} [room] the room of the request it answers, when the frame does not say
   */
  static fromFrame(frame, room) {
    const text = (/** @type {string} */ key) => (typeof frame[key] === "string" ? /** @type {string} */ (frame[key]) : undefined);
    return new ChattorumError(text("code") ?? "unknown", text("message") ?? text("code") ?? "error", {
      frame: text("frame"),
      cid: text("cid"),
      room: text("room") ?? room,
      id: text("id"),
    });
  }
}
