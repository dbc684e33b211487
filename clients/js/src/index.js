// @chattorum/client: a JavaScript client for Chattorum's chat protocol (docs/protocol.md), for browsers and Node.

export { ChattorumClient, REQUEST_TIMEOUT_MS, REJOIN_RETRY_MS, SHUTDOWN_REASON, SOCKET_PATH, TOKEN_QUERY_PARAMETER } from "./client.js";
export { register, signIn, tokenExpiry, LOGIN_PATH, REGISTER_PATH } from "./auth.js";
export { reconnectDelay, RECONNECT_BASE_DELAY_MS, RECONNECT_MAX_DELAY_MS } from "./backoff.js";
export { CloseCodes, shouldReconnect, SLOW_CONSUMER_REASON } from "./close.js";
export { ChattorumError, ClientErrorCodes } from "./errors.js";
export { PROTOCOL_VERSION, DEFAULT_LIMITS, parseFrames, checkWelcome, limitsOf } from "./protocol.js";
export { RateGate, RATE_BURST_RESERVE, RATE_LIMITED_PAUSE_MS } from "./rate.js";
export { ResumeLog, compareMessageIds, parseMessageId } from "./resume.js";
