// Accounts over HTTP (docs/protocol.md, "Accounts"): sign up or sign in, get a token for the WebSocket.

import { ChattorumError, ClientErrorCodes } from "./errors.js";

export const REGISTER_PATH = "/api/auth/register";
export const LOGIN_PATH = "/api/auth/login";

/** @typedef {{ token: string, user: string, expiresAt: string }} Session */
/** @typedef {{ fetch?: typeof globalThis.fetch }} HttpOptions */

/**
 * Creates an account and signs it in.
 * @param {string | URL} baseUrl the chat's address, e.g. `https://chat.example.com`
 * @param {string} username 3 to 24 of A-Z a-z 0-9 _
 * @param {string} password 8 to 128 characters
 * @param {HttpOptions} [options]
 * @returns {Promise<Session>}
 */
export function register(baseUrl, username, password, options) {
  return postCredentials(baseUrl, REGISTER_PATH, username, password, options);
}

/**
 * Signs in (the user name in any letter case).
 * @param {string | URL} baseUrl
 * @param {string} username
 * @param {string} password
 * @param {HttpOptions} [options]
 * @returns {Promise<Session>}
 */
export function signIn(baseUrl, username, password, options) {
  return postCredentials(baseUrl, LOGIN_PATH, username, password, options);
}

/**
 * @param {string | URL} baseUrl
 * @param {string} path
 * @param {string} username
 * @param {string} password
 * @param {HttpOptions} [options]
 * @returns {Promise<Session>}
 */
async function postCredentials(baseUrl, path, username, password, { fetch = globalThis.fetch } = {}) {
  let response;
  try {
    response = await fetch(new URL(path, httpBase(baseUrl)), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
  } catch {
    throw new ChattorumError(ClientErrorCodes.network, "the chat cannot be reached; try again", { status: 0 });
  }
  /** @type {Record<string, unknown>} */
  let body = {};
  try {
    body = await response.json();
  } catch {
    // An answer without a JSON body (a proxy's error page): its status says enough.
  }
  if (!response.ok) {
    const retry = Number.parseInt(response.headers.get("Retry-After") ?? "", 10);
    throw new ChattorumError(
      typeof body.error === "string" ? body.error : `http_${response.status}`,
      typeof body.message === "string" ? body.message : `the server answered ${response.status}`,
      {
        status: response.status,
        field: typeof body.field === "string" ? body.field : undefined,
        retryAfter: Number.isFinite(retry) ? retry : undefined,
      },
    );
  }
  if (typeof body.token !== "string" || typeof body.user !== "string") {
    throw new ChattorumError(ClientErrorCodes.network, `the server answered ${response.status} without a token`, { status: response.status });
  }
  return { token: body.token, user: body.user, expiresAt: typeof body.expiresAt === "string" ? body.expiresAt : "" };
}

/**
 * The chat's HTTP base address for any of the addresses a caller may give (http, https, ws, wss).
 * @param {string | URL} baseUrl
 * @returns {URL}
 */
export function httpBase(baseUrl) {
  const url = new URL(baseUrl);
  if (url.protocol === "ws:") url.protocol = "http:";
  else if (url.protocol === "wss:") url.protocol = "https:";
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`not an http(s) or ws(s) address: ${baseUrl}`);
  return url;
}

/**
 * When a token expires (its `exp` claim), or null when it cannot be read. The client does not check signatures:
 * only the node can; this only spares a connection that would be refused.
 * @param {string} token
 * @returns {Date | null}
 */
export function tokenExpiry(token) {
  const payload = token.split(".")[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "="));
    const exp = JSON.parse(json).exp;
    return typeof exp === "number" && Number.isFinite(exp) ? new Date(exp * 1_000) : null;
  } catch {
    return null;
  }
}
