import assert from "node:assert/strict";
import { test } from "node:test";
import { ResumeLog, compareMessageIds, parseMessageId } from "../src/resume.js";

test("message ids order by milliseconds, then by sequence, as numbers", () => {
  const cases = [
    // a, b, sign of compare(a, b)
    ["1732712345678-0", "1732712345678-0", 0],
    ["1732712345678-0", "1732712345678-1", -1],
    ["1732712345678-10", "1732712345678-9", 1],
    ["1732712345679-0", "1732712345678-99", 1],
    ["999-0", "1000-0", -1],
  ];
  for (const [a, b, sign] of cases) {
    assert.equal(Math.sign(compareMessageIds(a, b)), sign, `${a} vs ${b}`);
  }
});

test("only <digits>-<digits> is a message id", () => {
  assert.deepEqual(parseMessageId("1732712345678-3"), [1732712345678, 3]);
  for (const id of ["", "1732712345678", "-1", "1-", "a-1", "1-2-3", " 1-2", "1-2 ", "1.5-2", 17, null, undefined]) {
    assert.equal(parseMessageId(id), null, JSON.stringify(id));
  }
  assert.throws(() => compareMessageIds("x", "1-0"), TypeError);
});

test("each message of a followed room is new once; repeats and older ids are not", () => {
  const log = new ResumeLog();
  log.track("lobby");
  const seen = ["5-0", "5-1", "5-1", "4-9", "6-0", "5-2", "6-0", "7-0"].filter((id) => log.accept({ room: "lobby", id }));
  assert.deepEqual(seen, ["5-0", "5-1", "6-0", "7-0"]);
  assert.equal(log.since("lobby"), "7-0");
});

test("messages of rooms not followed, or without a valid id, are not accepted", () => {
  const log = new ResumeLog();
  log.track("lobby");
  assert.equal(log.accept({ room: "other", id: "1-0" }), false);
  assert.equal(log.accept({ room: "lobby", id: "nope" }), false);
  assert.equal(log.accept({ room: "lobby" }), false);
  assert.equal(log.accept({ id: "1-0" }), false);
  assert.equal(log.since("lobby"), null);
});

test("a room followed from a given id resumes after it; a room without messages resumes from its history", () => {
  const log = new ResumeLog();
  log.track("a", "10-0");
  log.track("b");
  assert.equal(log.since("a"), "10-0");
  assert.equal(log.since("b"), null);
  assert.equal(log.accept({ room: "a", id: "10-0" }), false, "the since message itself was seen");
  assert.equal(log.accept({ room: "a", id: "10-1" }), true);
  assert.deepEqual(log.rooms(), ["a", "b"]);
  assert.throws(() => log.track("c", "not-an-id"), TypeError);
});

test("a forgotten room is no longer followed", () => {
  const log = new ResumeLog();
  log.track("a", "1-0");
  log.forget("a");
  assert.equal(log.has("a"), false);
  assert.equal(log.since("a"), null);
  assert.equal(log.accept({ room: "a", id: "2-0" }), false);
  assert.deepEqual(log.rooms(), []);
});
