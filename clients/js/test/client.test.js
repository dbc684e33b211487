// The client against a scripted WebSocket: what it sends, what it dispatches, and what it does when the connection
// ends, for each kind of end. test/node.test.js runs the same client against a real chat node.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ChattorumClient, REJOIN_RETRY_MS } from "../src/client.js";
import { fakeSocketClass } from "./support/fake-socket.js";

const base64url = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
const jwt = (payload) => `${base64url({ alg: "HS256", typ: "JWT" })}.${base64url(payload)}.signature`;
const TOKEN = jwt({ sub: "alice", exp: Math.floor(Date.now() / 1000) + 3600 });

/** A client on scripted sockets; the endpoint probe answers `probe` (a status, or a function that throws). */
function setUp({ probe = 400, ...options } = {}) {
  const Socket = fakeSocketClass();
  const probes = [];
  // Like a browser's fetch, which throws when called as a method of anything but the window.
  const fetch = async function (url) {
    if (this !== undefined && this !== globalThis) throw new TypeError("Illegal invocation");
    probes.push(String(url));
    if (typeof probe === "function") return probe();
    return new Response(null, { status: probe });
  };
  const client = new ChattorumClient({ url: "http://chat.test", token: TOKEN, WebSocket: Socket, fetch, backoff: { random: () => 0 }, ...options });
  const states = [];
  const events = [];
  client.addEventListener("state", (e) => states.push(e.detail));
  for (const type of ["welcome", "joined", "message", "presence", "error"]) {
    client.addEventListener(type, (e) => events.push([type, e.detail]));
  }
  return { client, Socket, probes, states, events };
}

/** The next event of that type (and matching, if given) the target dispatches. */
function nextEvent(target, type, matching = () => true) {
  return new Promise((resolve) => {
    const listener = (event) => {
      if (!matching(event.detail)) return;
      target.removeEventListener(type, listener);
      resolve(event.detail);
    };
    target.addEventListener(type, listener);
  });
}

async function connected(setup, limits) {
  const welcomed = setup.client.connect();
  const socket = await setup.Socket.next();
  socket.welcome(limits);
  await welcomed;
  return socket;
}

async function joined(client, socket, room, { members = ["alice"], history = 0 } = {}) {
  const count = socket.sent.length + 1;
  const joining = client.join(room);
  const frame = (await socket.sentCount(count))[count - 1];
  socket.receive({ type: "joined", room, members, history, cid: frame.cid });
  await joining;
  return frame;
}

test("connects with the token in the query and resolves with the welcome", async () => {
  const setup = setUp();
  const welcomed = setup.client.connect();
  const socket = await setup.Socket.next();
  assert.equal(socket.url, `ws://chat.test/ws?access_token=${TOKEN}`);
  assert.equal(setup.client.state, "connecting");
  socket.welcome({ ratePerSecond: 5 });
  const welcome = await welcomed;
  assert.equal(welcome.user, "alice");
  assert.equal(setup.client.user, "alice");
  assert.equal(setup.client.limits.ratePerSecond, 5);
  assert.deepEqual(setup.states.map((s) => s.state), ["connecting", "connected"]);
  assert.equal(await setup.client.connect(), welcome, "connect() when connected resolves with the welcome");
});

test("an https address connects over wss under its path", async () => {
  const setup = setUp({ url: "https://chat.test/chat" });
  void setup.client.connect();
  assert.equal((await setup.Socket.next()).url, `wss://chat.test/chat/ws?access_token=${TOKEN}`);
});

test("a welcome of a protocol version other than 1 is refused, with no reconnect", async () => {
  for (const protocol of [2, undefined]) {
    const setup = setUp();
    const welcomed = setup.client.connect();
    const socket = await setup.Socket.next();
    socket.welcome({}, { protocol });
    await assert.rejects(welcomed, { code: "unsupported_protocol", message: /this client speaks version 1: update the client/ });
    assert.equal(setup.client.state, "failed");
    assert.equal(socket.closedByClient?.code, 1000);
    assert.equal(setup.Socket.opened.length, 1);
    assert.deepEqual(setup.events.map(([type, detail]) => [type, detail.code]), [["error", "unsupported_protocol"]]);
  }
});

test("send resolves with its ack or, for a command, with queued; an error answer rejects with the node's code", async () => {
  const setup = setUp();
  const socket = await connected(setup);
  await joined(setup.client, socket, "lobby");

  const sending = setup.client.send("lobby", "hi all");
  const [, send] = await socket.sentCount(2);
  assert.deepEqual({ ...send, cid: undefined }, { type: "send", room: "lobby", text: "hi all", cid: undefined });
  socket.receive({ type: "message", room: "lobby", user: "alice", text: "hi all", ts: 5, id: "5-0" }, { type: "ack", room: "lobby", id: "5-0", cid: send.cid });
  assert.deepEqual(await sending, { type: "ack", room: "lobby", id: "5-0", cid: send.cid });

  const command = setup.client.send("lobby", "/stock=AAPL");
  const [, , ask] = await socket.sentCount(3);
  socket.receive({ type: "queued", room: "lobby", command: "stock", request: "r1", cid: ask.cid });
  assert.equal((await command).request, "r1");

  const cases = [
    // the error frame's fields besides cid, what the rejection carries
    [{ code: "unavailable", message: "not stored", frame: "send" }, { code: "unavailable", frame: "send", room: "lobby" }],
    [{ code: "busy", message: "busy", frame: "send" }, { code: "busy", room: "lobby" }],
    [{ code: "unconfirmed", message: "not replicated", frame: "send", id: "6-0" }, { code: "unconfirmed", id: "6-0" }],
    [{ code: "a_code_from_a_later_release", message: "something new" }, { code: "a_code_from_a_later_release", message: "something new" }],
  ];
  for (const [fields, expected] of cases) {
    const count = socket.sent.length + 1;
    const failing = setup.client.send("lobby", "again");
    const frames = await socket.sentCount(count);
    socket.receive({ type: "error", ...fields, cid: frames.at(-1).cid });
    await assert.rejects(failing, { name: "ChattorumError", ...expected });
  }
});

test("a joined room's messages are dispatched in order and each id once; presence keeps its members", async () => {
  const setup = setUp();
  const socket = await connected(setup);
  await joined(setup.client, socket, "lobby", { members: ["alice", "bob"], history: 2 });
  const message = (id) => ({ type: "message", room: "lobby", user: "bob", text: id, ts: 1, id });
  socket.receive(message("1-0"), message("2-0"), message("2-0"), message("1-5"), message("3-0"), { type: "message", room: "elsewhere", id: "9-0" });
  assert.deepEqual(setup.events.filter(([type]) => type === "message").map(([, m]) => m.id), ["1-0", "2-0", "3-0"]);
  assert.equal(setup.client.lastMessageId("lobby"), "3-0");

  socket.receive({ type: "presence", room: "lobby", user: "carol", event: "joined" });
  assert.deepEqual(setup.client.members("lobby"), ["alice", "bob", "carol"]);
  socket.receive({ type: "presence", room: "lobby", user: "bob", event: "left" });
  assert.deepEqual(setup.client.members("lobby"), ["alice", "carol"]);
  assert.deepEqual(setup.client.rooms, ["lobby"]);
  await assert.rejects(setup.client.join("lobby"), { code: "already_in_room" });
});

test("after a drop, every room is joined again after its last message and what was missed comes once", async () => {
  const setup = setUp();
  const first = await connected(setup);
  await joined(setup.client, first, "lobby");
  await joined(setup.client, first, "quiet");
  first.receive({ type: "message", room: "lobby", user: "bob", text: "a", ts: 1, id: "1-0" }, { type: "message", room: "lobby", user: "bob", text: "b", ts: 2, id: "2-0" });
  const unanswered = setup.client.send("lobby", "in flight");
  await first.sentCount(3);

  first.drop(1006);
  await assert.rejects(unanswered, { code: "disconnected", mayBeStored: true });
  assert.equal(setup.client.state, "reconnecting");
  assert.deepEqual(setup.states.at(-1), { state: "reconnecting", previous: "connected", attempt: 1, delay: 0 });

  const second = await setup.Socket.next();
  second.welcome();
  const rejoins = await second.sentCount(2);
  assert.deepEqual(rejoins.map(({ type, room, since }) => ({ type, room, since })), [
    { type: "join", room: "lobby", since: "2-0" },
    { type: "join", room: "quiet", since: undefined },
  ]);
  const resumed = nextEvent(setup.client, "joined", (j) => j.room === "lobby");
  second.receive(
    { type: "joined", room: "lobby", members: ["alice", "bob"], history: 2, cid: rejoins[0].cid },
    { type: "message", room: "lobby", user: "bob", text: "b", ts: 2, id: "2-0" },
    { type: "message", room: "lobby", user: "bob", text: "c", ts: 3, id: "3-0" },
  );
  assert.equal((await resumed).resumed, true);
  assert.deepEqual(setup.events.filter(([type]) => type === "message").map(([, m]) => m.text), ["a", "b", "c"]);
  assert.equal(setup.client.state, "connected");
});

test("after a clean shutdown close, a send without an answer was not stored; after a late one it may have been", async () => {
  const cases = [
    // close reason, mayBeStored of a sent, unanswered send
    ["server shutting down", false],
    ["server shutting down; unanswered sends may be stored", true],
  ];
  for (const [reason, mayBeStored] of cases) {
    const setup = setUp();
    const socket = await connected(setup);
    await joined(setup.client, socket, "lobby");
    const unanswered = setup.client.send("lobby", "late");
    await socket.sentCount(2);
    socket.drop(1001, reason);
    await assert.rejects(unanswered, { code: "disconnected", mayBeStored }, reason);
    await setup.Socket.next();
  }
});

test("a send still waiting for the rate when the connection ends was certainly not stored", async () => {
  const setup = setUp();
  const socket = await connected(setup, { ratePerSecond: 0.001, rateBurst: 1 });
  const sent = setup.client.ping();
  const waiting = setup.client.send("lobby", "queued behind the rate");
  assert.equal(socket.sent.length, 1);
  socket.drop(1006);
  await assert.rejects(sent, { code: "disconnected" });
  await assert.rejects(waiting, { code: "disconnected", mayBeStored: false });
});

test("closes that say connecting again would not help are final; the others are followed by a reconnect", async () => {
  const cases = [
    // code, reason, reconnects?
    [1008, "flooding", false],
    [1009, "frame larger than 25739 bytes", false],
    [1000, "bye", false],
    [1008, "slow consumer: send queue full", true],
    [1001, "server shutting down", true],
    [1012, "", true],
  ];
  for (const [code, reason, reconnects] of cases) {
    const setup = setUp();
    const socket = await connected(setup);
    socket.drop(code, reason);
    if (reconnects) {
      assert.equal(setup.client.state, "reconnecting", `${code} ${reason}`);
      await setup.Socket.next();
    } else {
      assert.equal(setup.client.state, "failed", `${code} ${reason}`);
      const [type, error] = setup.events.at(-1);
      assert.deepEqual([type, error.code, error.closeCode, error.closeReason], ["error", "closed_by_server", code, reason]);
      assert.equal(setup.Socket.opened.length, 1);
    }
  }
});

test("a connection refused before it opens: a 401 from the endpoint is final, anything else is retried", async () => {
  const refused = setUp({ probe: 401 });
  const welcomed = refused.client.connect();
  (await refused.Socket.next()).drop(1006);
  await assert.rejects(welcomed, { code: "unauthorized", status: 401 });
  assert.equal(refused.client.state, "failed");
  assert.deepEqual(refused.probes, [`http://chat.test/ws?access_token=${TOKEN}`]);
  assert.equal(refused.Socket.opened.length, 1);

  for (const probe of [400, 503, () => { throw new TypeError("fetch failed"); }]) {
    const away = setUp({ probe });
    const welcoming = away.client.connect();
    (await away.Socket.next()).drop(1006);
    const second = await away.Socket.next();
    assert.equal(away.client.state, "reconnecting");
    second.welcome();
    await welcoming;
  }
});

test("an expired token fails at once, without a connection", async () => {
  const setup = setUp({ token: jwt({ sub: "alice", exp: Math.floor(Date.now() / 1000) - 1 }) });
  await assert.rejects(setup.client.connect(), { code: "token_expired" });
  assert.equal(setup.client.state, "failed");
  assert.equal(setup.Socket.opened.length, 0);
});

test("a token function is asked before each attempt", async () => {
  const tokens = [jwt({ sub: "alice", n: 1 }), jwt({ sub: "alice", n: 2 })];
  const setup = setUp({ token: async () => tokens.shift() });
  void setup.client.connect();
  const first = await setup.Socket.next();
  first.welcome();
  first.drop(1006);
  const second = await setup.Socket.next();
  assert.notEqual(new URL(first.url).searchParams.get("access_token"), new URL(second.url).searchParams.get("access_token"));
});

test("disconnect() stays disconnected and keeps the rooms; connect() resumes them", async () => {
  const setup = setUp();
  const first = await connected(setup);
  await joined(setup.client, first, "lobby");
  first.receive({ type: "message", room: "lobby", user: "bob", text: "a", ts: 5, id: "5-0" });
  const pending = setup.client.ping();
  setup.client.disconnect();
  assert.equal(setup.client.state, "disconnected");
  assert.deepEqual(first.closedByClient, { code: 1000, reason: "disconnect" });
  await assert.rejects(pending, { code: "disconnected" });
  assert.equal(setup.Socket.opened.length, 1);
  await assert.rejects(setup.client.send("lobby", "offline"), { code: "not_connected", mayBeStored: false });

  const welcomed = setup.client.connect();
  const second = await setup.Socket.next();
  second.welcome();
  await welcomed;
  const [rejoin] = await second.sentCount(1);
  assert.deepEqual([rejoin.room, rejoin.since], ["lobby", "5-0"]);
});

test("reconnect() drops the connection and connects again by the policy", async () => {
  const setup = setUp();
  const first = await connected(setup);
  setup.client.reconnect();
  assert.equal(first.closedByClient?.code, 1000);
  assert.equal(setup.client.state, "reconnecting");
  (await setup.Socket.next()).welcome();
  assert.equal(setup.client.state, "connected");
});

test("a left room is forgotten at once: nothing more from it, not joined again", async () => {
  const setup = setUp();
  const first = await connected(setup);
  await joined(setup.client, first, "lobby");
  await joined(setup.client, first, "other");
  const leaving = setup.client.leave("lobby");
  const [, , leave] = await first.sentCount(3);
  assert.deepEqual([leave.type, leave.room], ["leave", "lobby"]);
  first.receive({ type: "message", room: "lobby", user: "bob", text: "late", ts: 1, id: "1-0" }, { type: "left", room: "lobby", cid: leave.cid });
  await leaving;
  assert.equal(setup.events.filter(([type]) => type === "message").length, 0);

  first.drop(1006);
  assert.deepEqual(await setup.client.leave("other"), { type: "left", room: "other" }, "leaving while disconnected needs no answer");
  const second = await setup.Socket.next();
  second.welcome();
  assert.deepEqual(setup.client.rooms, []);
  assert.deepEqual(second.sent, []);
});

test("a frame over the node's maxFrameBytes is refused without being sent", async () => {
  const setup = setUp();
  const socket = await connected(setup, { maxFrameBytes: 100 });
  await assert.rejects(setup.client.send("lobby", "é".repeat(40)), { code: "too_large", mayBeStored: false });
  assert.deepEqual(socket.sent, []);
});

test("frames are paced to the node's rate, less a reserve", async () => {
  const setup = setUp();
  // 20 frames a second with a burst of 3: one frame at once (3 less the reserve of 2), then one every 50 ms.
  const socket = await connected(setup, { ratePerSecond: 20, rateBurst: 3 });
  const started = performance.now();
  const pings = [setup.client.ping(), setup.client.ping(), setup.client.ping()];
  assert.equal(socket.sent.length, 1);
  const frames = await socket.sentCount(3);
  assert.ok(performance.now() - started >= 2 * 50 - 5, `three frames in ${performance.now() - started} ms`);
  socket.receive(...frames.map(({ cid }) => ({ type: "pong", cid })));
  await Promise.all(pings);
});

test("a rejoin the node cannot do now is tried again; one it refuses drops the room with an error event", async () => {
  const setup = setUp();
  const first = await connected(setup);
  await joined(setup.client, first, "lobby");
  await joined(setup.client, first, "full");
  first.drop(1006);
  const second = await setup.Socket.next();
  second.welcome();
  const [lobby, full] = await second.sentCount(2);
  const started = performance.now();
  second.receive(
    { type: "error", code: "unavailable", message: "Redis is away", frame: "join", cid: lobby.cid },
    { type: "error", code: "too_many_rooms", message: "too many", frame: "join", cid: full.cid },
  );
  assert.deepEqual(setup.events.slice(-2).map(([type, e]) => [type, e.code, e.room]), [["error", "unavailable", "lobby"], ["error", "too_many_rooms", "full"]]);
  assert.deepEqual(setup.client.rooms, ["lobby"]);
  const [, , again] = await second.sentCount(3);
  assert.deepEqual([again.type, again.room], ["join", "lobby"]);
  assert.ok(performance.now() - started >= REJOIN_RETRY_MS - 5);
});

test("a request without an answer in time is rejected", async () => {
  const setup = setUp({ requestTimeoutMs: 20 });
  await connected(setup);
  await assert.rejects(setup.client.send("lobby", "into the void"), { code: "timeout", mayBeStored: true });
});

test("an error that answers no request, and frame types this client does not know", async () => {
  const setup = setUp();
  const socket = await connected(setup);
  const frames = [];
  setup.client.addEventListener("frame", (e) => frames.push(e.detail.type));
  socket.receive({ type: "error", code: "bad_json", message: "not JSON" }, { type: "typing", room: "lobby" });
  assert.deepEqual(setup.events.slice(-1).map(([type, e]) => [type, e.code]), [["error", "bad_json"]]);
  assert.deepEqual(frames, ["error", "typing"]);
  assert.equal(setup.client.state, "connected");
});

test("without a WebSocket constructor the client says how to get one", () => {
  assert.throws(() => new ChattorumClient({ url: "http://chat.test", token: TOKEN, WebSocket: null, fetch }), /experimental-websocket/);
});
