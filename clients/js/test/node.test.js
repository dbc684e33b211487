// The client against a real chat node: CHATTORUM_URL is its address (tests/Chattorum.Tests.Integration/Clients
// starts one with its own Redis and runs this file). Without it these tests are skipped.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { ChattorumClient, PROTOCOL_VERSION, register, signIn } from "../src/index.js";
import { startProxy } from "./support/proxy.js";

const NODE_URL = process.env.CHATTORUM_URL;
const PASSWORD = "correct horse battery";
// Generous: a node on a busy two-core machine answers in milliseconds, but the reconnect test waits for backoff.
const TEST_TIMEOUT_MS = 60_000;
const live = { skip: NODE_URL ? false : "CHATTORUM_URL is not set: no chat node to test against", timeout: TEST_TIMEOUT_MS };
// Reconnect quickly in tests; the policy's shape is the same (backoff.test.js).
const QUICK_BACKOFF = { baseMs: 50, maxMs: 500 };

if (NODE_URL && typeof globalThis.WebSocket !== "function") {
  throw new Error("this Node has no WebSocket: run it with --experimental-websocket (Node 20) or use Node 22 or later");
}

const unique = (prefix) => `${prefix}_${randomBytes(4).toString("hex")}`;
const uniqueRoom = (prefix) => `${prefix}-${randomBytes(4).toString("hex")}`;

/** A client of a new user, connected; disconnected when the test ends. */
async function connectedClient(t, { name = unique("js"), url = NODE_URL, ...options } = {}) {
  const session = await register(NODE_URL, name, PASSWORD).catch(async (error) => {
    if (error.code === "username_taken") return signIn(NODE_URL, name, PASSWORD);
    throw error;
  });
  const client = new ChattorumClient({ url, token: session.token, ...options });
  t.after(() => client.disconnect());
  await client.connect();
  return client;
}

/** The messages a client receives in a room, and a way to wait until there are at least so many. */
function received(client, room) {
  const list = [];
  /** @type {Array<{ count: number, resolve: () => void }>} */
  let waiting = [];
  client.addEventListener("message", (event) => {
    if (event.detail.room !== room) return;
    list.push(event.detail);
    waiting = waiting.filter((w) => (list.length >= w.count ? (w.resolve(), false) : true));
  });
  return {
    list,
    texts: () => list.map((m) => m.text),
    reach: (count) => (list.length >= count ? Promise.resolve() : new Promise((resolve) => waiting.push({ count, resolve }))),
  };
}

/** The next time the client is in that state (now, if it is). */
function inState(client, state) {
  if (client.state === state) return Promise.resolve();
  return new Promise((resolve) => {
    const listener = (event) => {
      if (event.detail.state !== state) return;
      client.removeEventListener("state", listener);
      resolve();
    };
    client.addEventListener("state", listener);
  });
}

test("accounts: register, sign in in another letter case, and the refusals carry their codes", live, async () => {
  const name = unique("Js");
  const created = await register(NODE_URL, name, PASSWORD);
  assert.equal(created.user, name);
  assert.ok(Date.parse(created.expiresAt) > Date.now());
  const again = await signIn(NODE_URL, name.toUpperCase(), PASSWORD);
  assert.equal(again.user, name, "names keep the case they were registered in");

  await assert.rejects(register(NODE_URL, name.toLowerCase(), PASSWORD), { code: "username_taken", status: 409, field: "username" });
  await assert.rejects(signIn(NODE_URL, name, "wrong password"), { code: "invalid_credentials", status: 401 });
  await assert.rejects(register(NODE_URL, "x", PASSWORD), { code: "bad_username", status: 400, field: "username" });
  await assert.rejects(register(NODE_URL, unique("js"), "short"), { code: "bad_password", status: 400, field: "password" });
});

test("the node's welcome is protocol 1 with its limits, and names the token's user", live, async (t) => {
  const name = unique("js");
  const client = await connectedClient(t, { name });
  assert.equal(client.welcome.protocol, PROTOCOL_VERSION);
  assert.equal(client.user, name);
  assert.ok(client.limits.maxFrameBytes > 0 && client.limits.ratePerSecond > 0);
  assert.equal((await client.ping()).type, "pong");
});

test("a bad token is refused: connect() rejects with unauthorized and the client does not try again", live, async () => {
  const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
  const claims = Buffer.from(JSON.stringify({ sub: "alice", iss: "chattorum", aud: "chattorum", exp: Math.floor(Date.now() / 1000) + 3600 })).toString("base64url");
  const signedByAnotherKey = (await register(NODE_URL, unique("js"), PASSWORD)).token.replace(/.{4}$/, "AAAA");
  for (const token of ["not-a-token", `${header}.${claims}.`, signedByAnotherKey]) {
    let sockets = 0;
    class CountingWebSocket extends WebSocket {
      constructor(...args) {
        super(...args);
        sockets++;
      }
    }
    const client = new ChattorumClient({ url: NODE_URL, token, WebSocket: CountingWebSocket, backoff: QUICK_BACKOFF });
    await assert.rejects(client.connect(), { code: "unauthorized", status: 401 }, token);
    assert.equal(client.state, "failed");
    assert.equal(sockets, 1, "one attempt, no retry");
  }
});

test("several clients at once: every send is acked, and everyone receives every message once, in one order", live, async (t) => {
  const room = uniqueRoom("order");
  const shared = unique("js");
  const clients = await Promise.all([
    connectedClient(t),
    connectedClient(t),
    connectedClient(t, { name: shared }),
    connectedClient(t, { name: shared }), // the same user on a second connection
  ]);
  const inboxes = clients.map((client) => received(client, room));
  for (const client of clients) await client.join(room);

  // Each client sends at once; the last sends past the node's burst (20), which the client paces instead of being refused.
  const counts = [8, 8, 8, 30];
  const sends = clients.flatMap((client, c) =>
    Array.from({ length: counts[c] }, (_, i) => client.send(room, `client ${c} message ${i}`).then((ack) => ({ ack, text: `client ${c} message ${i}` }))));
  const acked = await Promise.all(sends);
  const total = counts.reduce((a, b) => a + b, 0);
  await Promise.all(inboxes.map((inbox) => inbox.reach(total)));

  const order = inboxes[0].list.map((m) => m.id);
  assert.equal(new Set(order).size, total, "each message once");
  for (const inbox of inboxes) {
    assert.deepEqual(inbox.list.map((m) => m.id), order, "one order for everybody");
    assert.equal(inbox.list.length, total);
  }
  const byId = new Map(inboxes[0].list.map((m) => [m.id, m]));
  for (const { ack, text } of acked) {
    assert.equal(ack.type, "ack");
    assert.equal(byId.get(ack.id)?.text, text, "the ack names the stored message's id");
  }
  // Within one sender, its messages are stored in the order it sent them.
  for (let c = 0; c < clients.length; c++) {
    const mine = inboxes[0].texts().filter((text) => text.startsWith(`client ${c} `));
    assert.deepEqual(mine, Array.from({ length: counts[c] }, (_, i) => `client ${c} message ${i}`));
  }
});

test("after a forced disconnect the client reconnects by itself and gets what it missed exactly once", live, async (t) => {
  const room = uniqueRoom("resume");
  const proxy = await startProxy(NODE_URL);
  t.after(() => proxy.close());
  const reader = await connectedClient(t, { url: proxy.url, backoff: QUICK_BACKOFF });
  const writer = await connectedClient(t);
  const inbox = received(reader, room);
  await reader.join(room);
  await writer.join(room);
  await writer.send(room, "before");
  await inbox.reach(1);

  // The network fails: the connection ends without a close frame, and new ones fail while it lasts.
  proxy.refuse(true);
  proxy.cut();
  await inState(reader, "reconnecting");
  for (let i = 1; i <= 5; i++) await writer.send(room, `missed ${i}`);
  await assert.rejects(reader.send(room, "while away"), { code: "not_connected" });

  proxy.refuse(false);
  await inState(reader, "connected");
  await writer.send(room, "after");
  await inbox.reach(7);
  assert.deepEqual(inbox.texts(), ["before", "missed 1", "missed 2", "missed 3", "missed 4", "missed 5", "after"]);

  // And once more, so that a resume from a resumed position is right too.
  const dropped = inState(reader, "reconnecting");
  proxy.cut();
  await dropped;
  await writer.send(room, "second drop");
  await inState(reader, "connected");
  await writer.send(room, "end");
  await inbox.reach(9);
  assert.deepEqual(inbox.texts().slice(7), ["second drop", "end"]);
  assert.equal(new Set(inbox.list.map((m) => m.id)).size, 9);
});

test("a join brings the room's history; a join with since brings what followed that message", live, async (t) => {
  const room = uniqueRoom("history");
  const writer = await connectedClient(t);
  await writer.join(room);
  const acks = [];
  for (const text of ["one", "two", "three"]) acks.push(await writer.send(room, text));

  const late = await connectedClient(t);
  const lateInbox = received(late, room);
  const joined = await late.join(room);
  assert.equal(joined.history, 3);
  await lateInbox.reach(3);
  assert.deepEqual(lateInbox.texts(), ["one", "two", "three"]);
  assert.equal(late.lastMessageId(room), acks[2].id);

  const resuming = await connectedClient(t);
  const resumingInbox = received(resuming, room);
  const resumed = await resuming.join(room, { since: acks[0].id });
  assert.equal(resumed.history, 2);
  await resumingInbox.reach(2);
  assert.deepEqual(resumingInbox.texts(), ["two", "three"]);
});

test("the node's refusals reject the request with the node's code; the connection stays up", live, async (t) => {
  const client = await connectedClient(t);
  const room = uniqueRoom("errors");
  await client.join(room);
  const cases = [
    // what is asked, the node's code
    [() => client.send(uniqueRoom("elsewhere"), "hi"), "not_in_room"],
    [() => client.send(room, "   "), "bad_text"],
    [() => client.send(room, "x".repeat(2_001)), "bad_text"],
    [() => client.join("Not A Room"), "bad_room"],
    [() => client.leave(uniqueRoom("never-joined")), "not_in_room"],
  ];
  for (const [ask, code] of cases) {
    await assert.rejects(ask(), { code }, code);
  }
  assert.equal(client.state, "connected");
  assert.equal((await client.send(room, "still here")).type, "ack");
});

test("members and presence follow who joins and leaves", live, async (t) => {
  const room = uniqueRoom("presence");
  const first = await connectedClient(t);
  const second = await connectedClient(t);
  await first.join(room);
  const arrived = new Promise((resolve) => first.addEventListener("presence", (e) => e.detail.event === "joined" && resolve(e.detail)));
  await second.join(room);
  assert.equal((await arrived).user, second.user);
  assert.deepEqual(second.members(room).sort(), [first.user, second.user].sort());
  const gone = new Promise((resolve) => first.addEventListener("presence", (e) => e.detail.event === "left" && resolve(e.detail)));
  await second.leave(room);
  assert.equal((await gone).user, second.user);
  assert.deepEqual(first.members(room), [first.user]);
});
