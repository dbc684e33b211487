// An example Chattorum bot, written from docs/bots.md alone: it answers /weather=CITY in the room it was asked in.
// It has no internet access and no weather service: its answers come from a small built-in table of EXAMPLE DATA,
// labelled as such in every answer. Run it with the bot's own broker user:
//
//   AMQP_URL=amqp://weatherbot:PASSWORD@127.0.0.1:5672 node bot.js
//
// (ConnectionStrings__messaging, which an Aspire AppHost gives its services, is read too.) Stop it with SIGTERM or
// Ctrl+C: requests it has not answered yet go back to its queue. If the broker connection is lost it exits with
// status 1, for its supervisor to start it again.
'use strict';

const amqp = require('amqplib');

// The contract (docs/bots.md): names, types and arguments must be exactly these, or the broker closes the channel (406).
const COMMAND = 'weather';
const BOT_NAME = 'WeatherBot';
const COMMANDS_EXCHANGE = 'chattorum.commands';
const DEAD_LETTER_EXCHANGE = 'chattorum.dead-letter';
const DEAD_LETTER_QUEUE = 'chattorum.dead-letter';
const REPLIES_QUEUE = 'chattorum.replies';
const OWN_QUEUE = `chattorum.bot.${COMMAND}`;
const ROUTING_KEY = `command.${COMMAND}`;
// Every queue is a durable quorum queue; the bot's own queue dead-letters what it rejects.
const DEAD_LETTER_QUEUE_ARGUMENTS = { 'x-queue-type': 'quorum' };
const OWN_QUEUE_ARGUMENTS = { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': DEAD_LETTER_EXCHANGE };

// At most this many requests in hand at once; the rest wait in the queue (or go to another copy of the bot).
const PREFETCH = 8;
// A reply that could not be delivered (no replies queue yet, broker trouble) is retried after this pause.
const RETRY_DELAY_MS = 1000;
// Request ids answered recently: a redelivered request is acked without a second answer.
const REMEMBERED_ANSWERS = 10000;
// The chat refuses longer texts (docs/bots.md, "Reply rules").
const MAX_TEXT_LENGTH = 2000;

// EXAMPLE DATA, not real weather: a fixed table so that the example runs offline and its tests know the answers.
const EXAMPLE_WEATHER = new Map([
  ['paris', { city: 'Paris', celsius: 18, sky: 'partly cloudy' }],
  ['london', { city: 'London', celsius: 14, sky: 'light rain' }],
  ['tokyo', { city: 'Tokyo', celsius: 22, sky: 'sunny' }],
  ['new york', { city: 'New York', celsius: 16, sky: 'windy' }],
  ['lisbon', { city: 'Lisbon', celsius: 21, sky: 'clear' }],
]);
const KNOWN_CITIES = [...EXAMPLE_WEATHER.values()].map((entry) => entry.city).join(', ');

/** The answer to one /weather request: plain text, no \r, at most MAX_TEXT_LENGTH characters. */
function answer(argument) {
  const city = argument.trim();
  if (city === '') {
    return `Usage: /weather=CITY (example data for ${KNOWN_CITIES})`;
  }
  const entry = EXAMPLE_WEATHER.get(city.toLowerCase());
  const text = entry
    ? `${entry.city}: ${entry.celsius}°C, ${entry.sky} (example data, not a forecast)`
    : `No example weather for ${city}; try ${KNOWN_CITIES}`;
  return [...text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, ' ')].slice(0, MAX_TEXT_LENGTH).join('');
}

/** A request body: JSON with string requestId, room, user, command and argument; null if it is not one. */
function readRequest(body) {
  try {
    const request = JSON.parse(body.toString('utf8'));
    const strings = ['requestId', 'room', 'user', 'command', 'argument'].every((field) => typeof request[field] === 'string');
    return strings && request.requestId && request.room && request.command === COMMAND ? request : null;
  } catch {
    return null;
  }
}

/** The user in an AMQP URI: the broker puts it in user-id and the chat checks it against BOT_NAME. */
function brokerUser(url) {
  return decodeURIComponent(new URL(url).username) || 'guest';
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const url = process.env.AMQP_URL || process.env.ConnectionStrings__messaging;
  if (!url) {
    throw new Error('set AMQP_URL to amqp://weatherbot:PASSWORD@HOST:PORT');
  }
  const user = brokerUser(url);
  if (user.toLowerCase() !== BOT_NAME.toLowerCase()) {
    throw new Error(`connect as the broker user ${BOT_NAME.toLowerCase()}: the chat posts only replies whose user-id is the bot name (got ${user})`);
  }

  const connection = await amqp.connect(url);
  let stopping = false;
  connection.on('close', () => {
    if (!stopping) {
      console.error('weather-bot: connection lost; exiting');
      process.exit(1);
    }
  });
  connection.on('error', (error) => console.error(`weather-bot: ${error.message}`));

  // Requests on one channel, replies on a confirm channel: a reply is acked by the broker before its request is.
  const requests = await connection.createChannel();
  const replies = await connection.createConfirmChannel();

  // What this bot publishes to must exist: the dead-letter exchange (where its queue sends what it rejects) and its
  // own queue, bound to the commands exchange. The replies queue is the chat nodes': it may not declare it.
  await requests.assertExchange(DEAD_LETTER_EXCHANGE, 'fanout', { durable: true, autoDelete: false });
  await requests.assertQueue(DEAD_LETTER_QUEUE, { durable: true, exclusive: false, autoDelete: false, arguments: DEAD_LETTER_QUEUE_ARGUMENTS });
  await requests.bindQueue(DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, '');
  await requests.assertExchange(COMMANDS_EXCHANGE, 'topic', { durable: true, autoDelete: false });
  await requests.assertQueue(OWN_QUEUE, { durable: true, exclusive: false, autoDelete: false, arguments: OWN_QUEUE_ARGUMENTS });
  await requests.bindQueue(OWN_QUEUE, COMMANDS_EXCHANGE, ROUTING_KEY);
  await requests.prefetch(PREFETCH);

  // A mandatory reply that no queue took comes back as a return, before its confirm.
  const returned = new Set();
  replies.on('return', (message) => returned.add(message.properties.messageId));

  const answered = new Set();
  const remember = (requestId) => {
    answered.add(requestId);
    if (answered.size > REMEMBERED_ANSWERS) {
      answered.delete(answered.values().next().value);
    }
  };

  /** Publishes the reply; true once the broker confirmed it into the replies queue. */
  async function reply(request, text) {
    const body = { requestId: request.requestId, room: request.room, bot: BOT_NAME, text };
    const properties = {
      mandatory: true,
      persistent: true,
      contentType: 'application/json',
      messageId: request.requestId,
      userId: user,
      headers: { 'chattorum-room': request.room, 'chattorum-request-id': request.requestId },
    };
    await new Promise((resolve, reject) =>
      replies.publish('', REPLIES_QUEUE, Buffer.from(JSON.stringify(body)), properties, (error) => (error ? reject(error) : resolve())),
    );
    return !returned.delete(request.requestId);
  }

  await requests.consume(OWN_QUEUE, async (message) => {
    if (message === null) {
      console.error('weather-bot: the queue was deleted; exiting');
      process.exit(1);
    }
    const request = readRequest(message.content);
    if (request === null) {
      // Not a request: dead-letter it (the queue's x-dead-letter-exchange), never requeue it.
      requests.nack(message, false, false);
      return;
    }
    try {
      if (!answered.has(request.requestId)) {
        if (!(await reply(request, answer(request.argument)))) {
          throw new Error('the replies queue does not exist yet (no chat node has started)');
        }
        remember(request.requestId);
      }
      requests.ack(message);
    } catch (error) {
      // Not confirmed: give the request back after a pause, to be answered again; never ack it unanswered.
      console.error(`weather-bot: request ${request.requestId} not answered yet: ${error.message}`);
      await sleep(RETRY_DELAY_MS);
      requests.nack(message, false, true);
    }
  });
  console.log(`weather-bot: consuming ${OWN_QUEUE} as ${user}`);

  const stop = async () => {
    stopping = true;
    await connection.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  console.error(`weather-bot: ${error.message}`);
  process.exit(1);
});
