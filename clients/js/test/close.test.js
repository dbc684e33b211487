import assert from "node:assert/strict";
import { test } from "node:test";
import { CloseCodes, shouldReconnect } from "../src/close.js";

test("which closes from the server are followed by a reconnect", () => {
  const cases = [
    // code, reason, reconnect?
    [1001, "server shutting down", true],
    [1001, "server shutting down; unanswered sends may be stored", true],
    [1006, "", true],
    [1005, "", true],
    [1011, "", true],
    [1012, "", true],
    [1013, "", true],
    [1014, "", true],
    [1008, "slow consumer: send queue full", true],
    [1008, "slow consumer: not reading", true],
    [1008, "flooding", false],
    [1008, "", false],
    [1000, "bye", false],
    [1002, "", false],
    [1003, "binary frames are not supported; send JSON text frames", false],
    [1007, "", false],
    [1009, "frame larger than 25739 bytes", false],
    [1010, "", false],
    [4000, "a code the protocol does not name", true],
  ];
  for (const [code, reason, reconnect] of cases) {
    assert.equal(shouldReconnect(code, reason), reconnect, `${code} ${reason}`);
  }
  assert.equal(CloseCodes.goingAway, 1001);
});
