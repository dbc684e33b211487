import assert from "node:assert/strict";
import { test } from "node:test";
import { ClientErrorCodes } from "../src/errors.js";
import { DEFAULT_LIMITS, PROTOCOL_VERSION, checkWelcome, limitsOf, parseFrames } from "../src/protocol.js";

test("a server frame splits into its objects, one per line, in order", () => {
  const cases = [
    // name, data, the types read
    ["one object", '{"type":"pong","cid":"1"}', ["pong"]],
    ["several lines", '{"type":"message","id":"1-0"}\n{"type":"ack","cid":"2"}\n{"type":"presence"}', ["message", "ack", "presence"]],
    ["a trailing newline", '{"type":"pong"}\n', ["pong"]],
    ["CRLF line ends", '{"type":"pong"}\r\n{"type":"ack"}', ["pong", "ack"]],
    ["blank lines", '\n{"type":"pong"}\n\n', ["pong"]],
    ["a line that is not JSON is skipped", '{"type":"pong"}\nnot json\n{"type":"ack"}', ["pong", "ack"]],
    ["an object without a type", '{"cid":"1"}', []],
    ["a type that is not a string", '{"type":3}', []],
    ["an array", '[{"type":"pong"}]', []],
    ["a JSON string", '"pong"', []],
    ["null", "null", []],
    ["empty", "", []],
    ["a newline escaped in a value stays in the value", '{"type":"message","text":"a\\nb"}', ["message"]],
  ];
  for (const [name, data, types] of cases) {
    assert.deepEqual(parseFrames(data).map((f) => f.type), types, name);
  }
  assert.equal(parseFrames('{"type":"message","text":"a\\nb"}')[0].text, "a\nb");
});

test("binary data holds no frames", () => {
  assert.deepEqual(parseFrames(new ArrayBuffer(4)), []);
  assert.deepEqual(parseFrames(undefined), []);
});

test("only the protocol version this client speaks is accepted", () => {
  assert.equal(checkWelcome({ type: "welcome", protocol: PROTOCOL_VERSION }), null);
  const cases = [
    // welcome.protocol, what the message says the node speaks
    [2, "version 2"],
    [0, "version 0"],
    [undefined, "no protocol version"],
    ["1", "no protocol version"],
    [1.5, "no protocol version"],
  ];
  for (const [protocol, spoken] of cases) {
    const error = checkWelcome({ type: "welcome", protocol });
    assert.equal(error?.code, ClientErrorCodes.unsupportedProtocol, String(protocol));
    assert.match(error.message, new RegExp(`speaks ${spoken}; this client speaks version ${PROTOCOL_VERSION}: update the client`));
  }
});

test("limits come from the welcome, each missing or invalid one from the documented defaults", () => {
  assert.deepEqual(limitsOf({ limits: { maxFrameBytes: 100, maxTextLength: 5, maxRooms: 2, ratePerSecond: 50, rateBurst: 60 } }),
    { maxFrameBytes: 100, maxTextLength: 5, maxRooms: 2, ratePerSecond: 50, rateBurst: 60 });
  assert.deepEqual(limitsOf({}), DEFAULT_LIMITS);
  assert.deepEqual(limitsOf({ limits: { ratePerSecond: 0, rateBurst: "20", maxRooms: -1, maxFrameBytes: Infinity } }), DEFAULT_LIMITS);
  assert.deepEqual(limitsOf({ limits: { ratePerSecond: 2.5, newLimit: 7 } }), { ...DEFAULT_LIMITS, ratePerSecond: 2.5 });
});
