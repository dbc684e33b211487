import assert from "node:assert/strict";
import { test } from "node:test";
import { httpBase, register, signIn, tokenExpiry } from "../src/auth.js";
import { ChattorumError } from "../src/errors.js";

const base64url = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
const jwt = (payload) => `${base64url({ alg: "HS256", typ: "JWT" })}.${base64url(payload)}.signature`;

test("a token's expiry is its exp claim; a token without one has none", () => {
  assert.equal(tokenExpiry(jwt({ sub: "alice", exp: 1_800_000_000 }))?.toISOString(), new Date(1_800_000_000_000).toISOString());
  for (const token of ["", "opaque", "a.%%%.c", jwt({ sub: "alice" }), jwt({ exp: "tomorrow" }), `x.${Buffer.from("not json").toString("base64url")}.y`]) {
    assert.equal(tokenExpiry(token), null, token);
  }
});

test("the chat's address may be given as http, https, ws or wss", () => {
  const cases = [
    ["http://localhost:5170", "http://localhost:5170/"],
    ["https://chat.example.com/", "https://chat.example.com/"],
    ["ws://localhost:5170", "http://localhost:5170/"],
    ["wss://chat.example.com/chat/", "https://chat.example.com/chat/"],
  ];
  for (const [given, expected] of cases) assert.equal(httpBase(given).href, expected, given);
  assert.throws(() => httpBase("ftp://example.com"), TypeError);
});

/** A fetch that answers once, as given, and records the request. */
function answering(status, body, headers = {}) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url: String(url), init });
    return new Response(typeof body === "string" ? body : JSON.stringify(body), { status, headers });
  };
  return { fetch, calls };
}

test("signing in posts the credentials as JSON and returns the session", async () => {
  const { fetch, calls } = answering(200, { token: "t", user: "alice", expiresAt: "2026-11-28T06:12:00+00:00" });
  const session = await signIn("http://chat.test/", "ALICE", "correct horse", { fetch });
  assert.deepEqual(session, { token: "t", user: "alice", expiresAt: "2026-11-28T06:12:00+00:00" });
  assert.equal(calls[0].url, "http://chat.test/api/auth/login");
  assert.equal(calls[0].init.method, "POST");
  assert.equal(calls[0].init.headers["Content-Type"], "application/json");
  assert.deepEqual(JSON.parse(calls[0].init.body), { username: "ALICE", password: "correct horse" });
});

test("an error answer becomes a ChattorumError with its code, field, status and Retry-After", async () => {
  const cases = [
    // status, body, headers, expected code, field, retryAfter
    [409, { error: "username_taken", field: "username", message: "taken" }, {}, "username_taken", "username", undefined],
    [429, { error: "rate_limited", message: "later" }, { "Retry-After": "42" }, "rate_limited", undefined, 42],
    [502, "<html>bad gateway</html>", {}, "http_502", undefined, undefined],
  ];
  for (const [status, body, headers, code, field, retryAfter] of cases) {
    const { fetch } = answering(status, body, headers);
    const error = await register("http://chat.test", "bob_1", "password1", { fetch }).catch((e) => e);
    assert.ok(error instanceof ChattorumError, `${status}`);
    assert.deepEqual([error.code, error.status, error.field, error.retryAfter], [code, status, field, retryAfter]);
  }
});

test("no answer at all is a network error", async () => {
  const error = await signIn("http://chat.test", "a", "b", { fetch: async () => { throw new TypeError("fetch failed"); } }).catch((e) => e);
  assert.equal(error.code, "network");
});
