import assert from "node:assert/strict";
import { test } from "node:test";
import { RECONNECT_BASE_DELAY_MS, RECONNECT_MAX_DELAY_MS, reconnectDelay } from "../src/backoff.js";

// Just under 1: the top of the [0, 1) range Math.random returns.
const TOP = 1 - Number.EPSILON;

test("the ceiling doubles per attempt from the base up to the maximum", () => {
  const cases = [
    // attempt, the largest delay it can give (whole ms, below the ceiling)
    [0, RECONNECT_BASE_DELAY_MS - 1],
    [1, 2 * RECONNECT_BASE_DELAY_MS - 1],
    [2, 4 * RECONNECT_BASE_DELAY_MS - 1],
    [4, 16 * RECONNECT_BASE_DELAY_MS - 1],
    [5, RECONNECT_MAX_DELAY_MS - 1],
    [30, RECONNECT_MAX_DELAY_MS - 1],
    [1_000, RECONNECT_MAX_DELAY_MS - 1],
  ];
  for (const [attempt, largest] of cases) {
    assert.equal(reconnectDelay(attempt, { random: () => TOP }), largest, `attempt ${attempt}`);
    assert.equal(reconnectDelay(attempt, { random: () => 0 }), 0, `attempt ${attempt}: full jitter goes down to zero`);
  }
});

test("the delay is the random fraction of the ceiling, in whole milliseconds", () => {
  assert.equal(reconnectDelay(0, { random: () => 0.5 }), 250);
  assert.equal(reconnectDelay(3, { random: () => 0.25 }), 1_000);
  assert.equal(reconnectDelay(2, { baseMs: 100, maxMs: 300, random: () => 0.5 }), 150);
});

test("delays with Math.random stay within [0, ceiling)", () => {
  for (let attempt = 0; attempt < 12; attempt++) {
    const ceiling = Math.min(RECONNECT_MAX_DELAY_MS, RECONNECT_BASE_DELAY_MS * 2 ** attempt);
    for (let i = 0; i < 200; i++) {
      const delay = reconnectDelay(attempt);
      assert.ok(Number.isInteger(delay) && delay >= 0 && delay < ceiling, `attempt ${attempt}: ${delay}`);
    }
  }
});

test("an attempt that is not a non-negative integer is refused", () => {
  for (const attempt of [-1, 0.5, Number.NaN, Infinity]) {
    assert.throws(() => reconnectDelay(attempt), RangeError, String(attempt));
  }
});
