// What this client knows of the wire protocol (docs/protocol.md): the version it speaks, how a server frame splits
// into objects, and the welcome check.

import { ChattorumError, ClientErrorCodes } from "./errors.js";

/** The version of the protocol this client was written for (`welcome.protocol`). */
export const PROTOCOL_VERSION = 1;

/** The node's limits as its `welcome` reports them, with the documented defaults for any it leaves out. */
export const DEFAULT_LIMITS = Object.freeze({
  maxFrameBytes: 25_739,
  maxTextLength: 2_000,
  maxRooms: 32,
  ratePerSecond: 10,
  rateBurst: 20,
});

/**
 * The objects of one server frame: a frame holds one JSON object per line. Lines that are not a JSON object with a
 * string `type` are skipped (the protocol never sends them; a client ignores what it does not understand).
 * @param {unknown} data a WebSocket message's data
 * @returns {Array<Record<string, unknown> & { type: string }>}
 */
export function parseFrames(data) {
  if (typeof data !== "string") return [];
  const frames = [];
  for (const line of data.split("\n")) {
    if (line.trim() === "") continue;
    let value;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (value !== null && typeof value === "object" && !Array.isArray(value) && typeof value.type === "string") {
      frames.push(value);
    }
  }
  return frames;
}

/**
 * Why this client cannot talk to the node that sent this `welcome`, or null when it can. Additions keep the version,
 * so only the version number matters: another one changed something this client relies on.
 * @param {Record<string, unknown>} welcome
 * @returns {ChattorumError | null}
 */
export function checkWelcome(welcome) {
  const version = welcome.protocol;
  if (version === PROTOCOL_VERSION) return null;
  const spoken = Number.isInteger(version) ? `version ${version}` : "no protocol version";
  return new ChattorumError(
    ClientErrorCodes.unsupportedProtocol,
    `the chat node speaks ${spoken}; this client speaks version ${PROTOCOL_VERSION}: update the client`,
  );
}

/**
 * The limits of a `welcome`, each one a positive number or its documented default.
 * @param {Record<string, unknown>} welcome
 * @returns {typeof DEFAULT_LIMITS}
 */
export function limitsOf(welcome) {
  const given = welcome.limits !== null && typeof welcome.limits === "object" ? /** @type {Record<string, unknown>} */ (welcome.limits) : {};
  /** @type {Record<string, number>} */
  const limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS)) {
    const value = given[key];
    if (typeof value === "number" && Number.isFinite(value) && value > 0) limits[key] = value;
  }
  return /** @type {typeof DEFAULT_LIMITS} */ (limits);
}
