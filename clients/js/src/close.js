// What a close from the server means for reconnecting (docs/protocol.md, "Closes").

/** The close codes the protocol uses, and the standard ones proxies send (RFC 6455 §7.4.1). */
export const CloseCodes = Object.freeze({
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  unsupportedData: 1003,
  noStatus: 1005,
  abnormal: 1006,
  invalidPayload: 1007,
  policyViolation: 1008,
  messageTooBig: 1009,
  mandatoryExtension: 1010,
  internalError: 1011,
  serviceRestart: 1012,
  tryAgainLater: 1013,
  badGateway: 1014,
});

/** The start of the 1008 reasons that mean the client fell behind reading, not that it broke a rule. */
export const SLOW_CONSUMER_REASON = "slow consumer";

// Closes that answer something this client did: connecting again would only repeat it.
/** @type {Set<number>} */
const FINAL = new Set([
  CloseCodes.normal, // the node closes normally only when asked to
  CloseCodes.protocolError,
  CloseCodes.unsupportedData, // a binary frame
  CloseCodes.invalidPayload, // not UTF-8
  CloseCodes.messageTooBig,
  CloseCodes.mandatoryExtension,
]);

/**
 * Whether to connect again after the server (or the network) closed an open connection. Yes after a shutdown
 * (1001), a drop without a close frame (1006, 1005), a restart or overload (1011 to 1014), a slow-consumer close
 * (1008 `slow consumer: ...`: resume and read what was missed) and any code the protocol does not name. No after a
 * policy close for flooding (1008) and the closes that answer a broken frame (1002, 1003, 1007, 1009, 1010), or a
 * normal close (1000).
 * @param {number} code
 * @param {string} [reason]
 */
export function shouldReconnect(code, reason = "") {
  if (code === CloseCodes.policyViolation) return reason.startsWith(SLOW_CONSUMER_REASON);
  return !FINAL.has(code);
}
