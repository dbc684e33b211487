import assert from "node:assert/strict";
import { test } from "node:test";
import { RATE_BURST_RESERVE, RATE_LIMITED_PAUSE_MS, RateGate } from "../src/rate.js";

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms) => { now += ms; } };
}

test("a burst of the node's burst less the reserve goes at once, then one frame per 1/rate", () => {
  const time = clock();
  const gate = new RateGate(10, 20, time.now);
  for (let i = 0; i < 20 - RATE_BURST_RESERVE; i++) assert.equal(gate.take(), 0, `frame ${i}`);
  assert.equal(gate.take(), 100);
  time.advance(99);
  assert.equal(gate.take(), 1);
  time.advance(1);
  assert.equal(gate.take(), 0);
  assert.equal(gate.take(), 100);
});

test("over any window, no more frames go than the node's bucket allows", () => {
  const time = clock();
  const gate = new RateGate(10, 20, time.now);
  let sent = 0;
  // Ten seconds of asking every 10 ms: the node's bucket would take 20 + 10 * 10 = 120.
  for (let t = 0; t < 10_000; t += 10) {
    if (gate.take() === 0) sent++;
    time.advance(10);
  }
  assert.ok(sent <= 120 && sent >= 115, `sent ${sent}`);
});

test("the bucket refills up to its size, not beyond", () => {
  const time = clock();
  const gate = new RateGate(10, 5, time.now);
  time.advance(60_000);
  for (let i = 0; i < 5 - RATE_BURST_RESERVE; i++) assert.equal(gate.take(), 0);
  assert.ok(gate.take() > 0);
});

test("a burst smaller than the reserve still lets one frame go", () => {
  const time = clock();
  const gate = new RateGate(1, 1, time.now);
  assert.equal(gate.take(), 0);
  assert.equal(gate.take(), 1_000);
});

test("after a pause nothing goes for the pause, then frames go at the rate", () => {
  const time = clock();
  const gate = new RateGate(10, 20, time.now);
  gate.pause();
  assert.equal(gate.take(), RATE_LIMITED_PAUSE_MS);
  time.advance(RATE_LIMITED_PAUSE_MS - 1);
  assert.equal(gate.take(), 1);
  time.advance(1);
  assert.equal(gate.take(), 0);
  assert.equal(gate.take(), 100);
});

test("a rate that does not divide a second paces by its fractional interval", () => {
  const time = clock();
  const gate = new RateGate(3, 3, time.now);
  assert.equal(gate.take(), 0);
  assert.equal(gate.take(), 334);
  time.advance(333);
  assert.equal(gate.take(), 1);
  time.advance(1);
  assert.equal(gate.take(), 0);
});

test("a rate or burst the node would not announce is refused", () => {
  assert.throws(() => new RateGate(0, 20), RangeError);
  assert.throws(() => new RateGate(10, 0), RangeError);
});
