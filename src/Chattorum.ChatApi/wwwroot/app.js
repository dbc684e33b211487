// Chattorum's web page: the UI over the JavaScript client (clients/js, served here as js/chattorum-client/), which
// does the protocol: accounts, the connection, acks, reconnecting and resuming (docs/protocol.md).
// User data is only ever put on the page as text (textContent), never as HTML.

import { ChattorumClient, register, signIn } from "./js/chattorum-client/index.js";

const ROOM_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const TOKEN_KEY = "chattorum.token";
const ROOMS_KEY = "chattorum.rooms";
const NARROW = window.matchMedia("(max-width: 700px)");
/** How long before a join the chat could not do (its store was away) is tried again. */
const JOIN_RETRY_MS = 1000;

const $ = (id) => document.getElementById(id);
const el = {
  auth: $("auth"), chat: $("chat"), state: $("conn-state"), whoami: $("whoami"), me: $("me"), signOut: $("sign-out"),
  signin: $("signin-form"), signup: $("signup-form"), joinForm: $("join-form"), joinRoom: $("join-room"),
  joinError: $("join-error"), roomList: $("room-list"), members: $("members"), roomTitle: $("room-title"),
  messages: $("messages"), notice: $("notice"), composeForm: $("compose-form"), compose: $("compose"),
  send: $("send"), sidebar: $("sidebar"), roomsToggle: $("rooms-toggle"),
};

/** @type {{token:string,user:string,expiresAt?:string}|null} */
let session = null;
/** @type {ChattorumClient|null} */
let client = null;
let current = null;
/**
 * room name -> { messages:[], unread, pending:[send], error:{text,code}|null, answers:Map(message id -> label) }.
 * The client keeps which rooms are joined, their members and where each was left off; this is what the page shows.
 */
const rooms = new Map();

const isConnected = () => client?.state === "connected";

// ---------- accounts ----------

function loadSession() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(TOKEN_KEY) ?? "null");
    if (saved && saved.token && saved.user && (!saved.expiresAt || Date.parse(saved.expiresAt) > Date.now())) {
      return saved;
    }
  } catch { /* a broken entry is as good as none */ }
  sessionStorage.removeItem(TOKEN_KEY);
  return null;
}

function clearErrors(form) {
  for (const p of form.querySelectorAll(".field-error, .form-error")) p.textContent = "";
  for (const input of form.querySelectorAll("input")) input.removeAttribute("aria-invalid");
}

async function submitAuth(event, authenticate) {
  event.preventDefault();
  const form = event.currentTarget;
  clearErrors(form);
  const username = form.elements.username.value.trim();
  const password = form.elements.password.value;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    session = await authenticate(location.origin, username, password);
    sessionStorage.setItem(TOKEN_KEY, JSON.stringify(session));
    form.reset();
    enterChat();
  } catch (error) {
    if (!error.status) {
      form.querySelector(".form-error").textContent = "the server cannot be reached; try again";
      return;
    }
    let message = error.message;
    if ((error.status === 429 || error.status === 503) && error.retryAfter !== undefined) message += ` (retry in ${error.retryAfter} s)`;
    const target = error.field && form.querySelector(`.field-error[data-field="${error.field}"]`);
    if (target) {
      target.textContent = message;
      const input = form.elements[error.field];
      input?.setAttribute("aria-invalid", "true");
      input?.focus();
    } else {
      form.querySelector(".form-error").textContent = message;
    }
  } finally {
    button.disabled = false;
  }
}

function enterChat() {
  el.auth.hidden = true;
  el.chat.hidden = false;
  el.whoami.hidden = false;
  el.signOut.hidden = false;
  el.me.textContent = session.user;
  updateToggle();
  for (const name of JSON.parse(sessionStorage.getItem(ROOMS_KEY) ?? "[]")) {
    if (ROOM_PATTERN.test(name) && !rooms.has(name)) rooms.set(name, newRoom());
  }
  renderRooms();
  connect();
  el.joinRoom.focus();
}

function signOut() {
  const leaving = client;
  client = null;
  leaving?.disconnect();
  session = null;
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(ROOMS_KEY);
  rooms.clear();
  current = null;
  el.messages.replaceChildren();
  el.members.replaceChildren();
  renderRooms();
  showRoom(null);
  el.chat.hidden = true;
  el.whoami.hidden = true;
  el.signOut.hidden = true;
  el.roomsToggle.hidden = true;
  el.auth.hidden = false;
  showState("offline", "offline");
  $("signin-username").focus();
}

// ---------- connection ----------

function showState(state, text) {
  el.state.dataset.state = state;
  el.state.textContent = text;
  const canSend = state === "connected" && current !== null;
  el.compose.disabled = !canSend;
  el.send.disabled = !canSend;
}

function connect() {
  client = new ChattorumClient({ url: location.origin, token: session.token });
  const own = client;
  // Events of a client signed out of are no longer the page's.
  const on = (type, handler) => own.addEventListener(type, (event) => { if (client === own) handler(event.detail); });
  on("state", onState);
  on("welcome", onWelcome);
  on("joined", onJoined);
  on("message", addMessage);
  on("presence", (presence) => { if (presence.room === current) renderMembers(); });
  on("error", onError);
  // Failures show through the state; the promise has nothing more to say.
  own.connect().catch(() => {});
}

function onState({ state, delay, error }) {
  switch (state) {
    case "connecting":
      showState("connecting", "connecting…");
      break;
    case "reconnecting":
      if (delay === undefined) showState("reconnecting", "reconnecting…");
      else showState("reconnecting", `disconnected, retrying in ${Math.max(1, Math.round(delay / 1000))} s`);
      break;
    case "connected":
      showState("connected", "connected");
      for (const room of rooms.values()) if (room.error?.code === "offline") room.error = null;
      renderNotices();
      break;
    case "disconnected":
      showState("offline", "disconnected");
      break;
    case "failed":
      // A token that is no longer good: back to signing in. Anything else: say why.
      if (error?.code === "unauthorized" || error?.code === "token_expired") signOut();
      else showState("offline", `offline: ${error?.message ?? "the connection failed"}`);
      break;
    default:
      break;
  }
}

function onWelcome(welcome) {
  if (welcome.user) { session.user = welcome.user; el.me.textContent = welcome.user; }
  // The client joins again the rooms it was in; the page's other rooms (kept from before a reload) are joined here.
  for (const name of rooms.keys()) if (!client.rooms.includes(name)) joinRoom(name);
}

function joinRoom(name) {
  client.join(name).catch((error) => {
    if (error.code === "already_in_room") return;
    el.joinError.textContent = describeError(error, { room: name });
    if (error.code === "unavailable") {
      // The chat's store is away on that node: try the join again shortly.
      setTimeout(() => { if (isConnected() && rooms.has(name) && !client.rooms.includes(name)) joinRoom(name); }, JOIN_RETRY_MS);
    }
  });
}

function onJoined(joined) {
  let room = rooms.get(joined.room);
  const fresh = !room;
  if (!room) { room = newRoom(); rooms.set(joined.room, room); }
  saveRooms();
  renderRooms();
  if (fresh || current === null) showRoom(joined.room);
  else if (current === joined.room) renderMembers();
}

/** An error that answers no request of the page's: a room the client could not join again, or one about no frame. */
function onError(error) {
  if (client.state === "failed") return;
  if (error.frame === "join" && error.room) {
    el.joinError.textContent = describeError(error, { room: error.room });
    return;
  }
  const name = error.room ?? current;
  if (name && rooms.has(name)) setError(name, describeError(error, { room: name }), error.code);
}

/** What an error means, in a sentence for people (the code stays on the element as data-code). */
function describeError(error, send) {
  const typed = send?.text ?? "";
  const command = typed.match(/^\/[^=\s]*/)?.[0] || error.message?.match(/\/[a-z0-9_-]+/)?.[0] || "that command";
  switch (error.code) {
    case "unknown_command":
      return `No bot answers ${command}. Try /stock=AAPL, or start the line with // to send it as a message.`;
    case "bot_unreachable":
      return `The bots cannot be reached right now, so ${command} was not sent. Try again in a moment.`;
    case "bad_command":
      return `${typed || "That"} is not a command: write /name=value, e.g. /stock=AAPL. Start the line with // to send it as a message.`;
    case "rate_limited":
      return send?.command
        ? "Too many commands: at most 5 every 10 seconds. Wait a moment and ask again."
        : "You are sending too fast, so that was dropped. Wait a moment and send it again.";
    case "bad_text":
      return "That message cannot be sent: it is empty, longer than 2,000 characters, or holds control characters.";
    case "not_in_room":
      return `You are not in #${send?.room ?? error.room ?? "this room"} any more: join it again to send.`;
    case "unavailable":
      return error.frame === "join"
        ? "The chat cannot reach its store right now; trying again…"
        : "Your message was not stored: the chat cannot reach its store right now. Send it again.";
    case "busy":
      return "The server is busy and did not store your message. Send it again.";
    case "unconfirmed":
      return "Your message was posted, but not yet copied to a second server: if it goes missing, send it again.";
    case "too_many_rooms":
      return "You are in 32 rooms already: leave one to join another.";
    case "bad_room":
      return "A room name is 1 to 32 of a-z 0-9 _ -, starting with a letter or digit.";
    case "not_connected":
    case "disconnected":
      return "Not connected right now; try again in a moment.";
    case "too_large":
      return "That message is too large to send.";
    default:
      return `Something went wrong: ${error.message || error.code}.`;
  }
}

// ---------- notices: each room's own, gone when what they tell is over ----------

function setError(name, text, code) {
  const room = rooms.get(name);
  if (!room) return;
  room.error = { text, code };
  if (name === current) renderNotices();
}

function clearError(name) {
  const room = rooms.get(name);
  if (room?.error) { room.error = null; if (name === current) renderNotices(); }
}

function notice(kind, text, onDismiss, code) {
  const item = document.createElement("p");
  item.className = "notice";
  item.dataset.kind = kind;
  if (code) item.dataset.code = code;
  if (kind === "error") item.setAttribute("role", "alert");
  const span = document.createElement("span");
  span.className = "notice-text";
  span.textContent = text;
  const dismiss = document.createElement("button");
  dismiss.type = "button";
  dismiss.className = "dismiss";
  dismiss.textContent = "Dismiss";
  dismiss.setAttribute("aria-label", `Dismiss: ${text}`);
  dismiss.addEventListener("click", onDismiss);
  item.append(span, dismiss);
  return item;
}

/** The notices of the room in view: its last error, and one line per command still waiting for its answer. */
function renderNotices() {
  const room = current && rooms.get(current);
  const items = [];
  if (room?.error) items.push(notice("error", room.error.text, () => clearError(current), room.error.code));
  for (const send of room?.pending ?? []) {
    if (send.dismissed) continue;
    items.push(notice("info", `Asked the bot: ${send.text}. The answer will appear here.`, () => {
      send.dismissed = true;
      renderNotices();
    }));
  }
  el.notice.replaceChildren(...items);
  el.notice.hidden = items.length === 0;
}

// ---------- rooms ----------

function newRoom() {
  return { messages: [], unread: 0, pending: [], error: null, answers: new Map() };
}

function saveRooms() {
  sessionStorage.setItem(ROOMS_KEY, JSON.stringify([...rooms.keys()]));
}

/** A message of a joined room: the client dispatches each one once, in the room's order. */
function addMessage(m) {
  const room = rooms.get(m.room);
  if (!room) return;
  if (isBot(m.user)) matchAnswer(room, m);
  room.messages.push(m);
  if (m.room === current) {
    const stick = isAtBottom();
    el.messages.append(renderMessage(m));
    if (stick) scrollToBottom();
  } else {
    room.unread++;
    renderRooms();
  }
}

const isBot = (user) => typeof user === "string" && /bot$/i.test(user);

/** Orders two message ids (`<milliseconds>-<sequence>`) as the room does. */
function compareIds(a, b) {
  const [am, as] = a.split("-").map(Number);
  const [bm, bs] = b.split("-").map(Number);
  return am !== bm ? am - bm : as - bs;
}

/**
 * A bot's answer names the request it answers when the message carries `request` (the id `queued` gave us). Without it
 * (docs/protocol.md: a bot's answer is a plain message) the page takes its own oldest command still waiting in that room
 * that was sent before this message: right unless two people's commands in one room cross.
 */
function matchAnswer(room, m) {
  let index;
  if (typeof m.request === "string") {
    index = room.pending.findIndex((p) => p.request === m.request);
  } else {
    index = room.pending.findIndex((p) => !p.after || compareIds(m.id, p.after) > 0);
  }
  if (index < 0) return;
  const [send] = room.pending.splice(index, 1);
  room.answers.set(m.id, `answer to ${send.text} asked by you`);
  if (m.room === current) renderNotices();
}

function isAtBottom() {
  const list = el.messages;
  return list.scrollHeight - list.scrollTop - list.clientHeight < 48;
}

function scrollToBottom() {
  el.messages.scrollTop = el.messages.scrollHeight;
}

function renderMessage(m) {
  const li = document.createElement("li");
  li.className = "message";
  li.dataset.id = m.id;
  const own = session && m.user.toLowerCase() === session.user.toLowerCase();
  if (own) li.classList.add("own");
  if (isBot(m.user)) li.classList.add("bot");
  const meta = document.createElement("div");
  meta.className = "meta";
  const user = document.createElement("span");
  user.className = "user";
  user.textContent = own ? `${m.user} (you)` : m.user;
  const time = document.createElement("time");
  const date = new Date(m.ts);
  time.dateTime = date.toISOString();
  time.title = date.toLocaleString();
  time.textContent = date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  meta.append(user, time);
  const answers = rooms.get(m.room)?.answers.get(m.id);
  if (answers) {
    const to = document.createElement("span");
    to.className = "answer-to";
    to.textContent = answers;
    meta.append(to);
  }
  const text = document.createElement("div");
  text.className = "text";
  text.textContent = m.text;
  li.append(meta, text);
  return li;
}

function renderRooms() {
  const items = [];
  for (const [name, room] of rooms) {
    const li = document.createElement("li");
    li.dataset.room = name;
    if (name === current) li.classList.add("current");
    const open = document.createElement("button");
    open.type = "button";
    open.className = "open";
    if (name === current) open.setAttribute("aria-current", "true");
    const label = document.createElement("span");
    label.className = "name";
    label.textContent = `#${name}`;
    open.append(label);
    if (room.unread > 0) {
      const badge = document.createElement("span");
      badge.className = "unread";
      badge.textContent = String(room.unread);
      badge.setAttribute("aria-label", `${room.unread} unread`);
      open.append(badge);
    }
    open.addEventListener("click", () => { showRoom(name); if (NARROW.matches) setSidebar(false); });
    const leave = document.createElement("button");
    leave.type = "button";
    leave.className = "leave";
    leave.textContent = "Leave";
    leave.setAttribute("aria-label", `Leave ${name}`);
    leave.addEventListener("click", () => leaveRoom(name));
    li.append(open, leave);
    items.push(li);
  }
  el.roomList.replaceChildren(...items);
}

function renderMembers() {
  const names = current && client ? client.members(current).sort((a, b) => a.localeCompare(b)) : [];
  el.members.replaceChildren(...names.map((n) => {
    const li = document.createElement("li");
    li.textContent = n;
    return li;
  }));
}

function showRoom(name) {
  current = name;
  const room = name && rooms.get(name);
  if (room) room.unread = 0;
  el.roomTitle.textContent = name ? `#${name}` : "No room yet: join one";
  el.messages.replaceChildren(...(room ? room.messages.map(renderMessage) : []));
  scrollToBottom();
  renderRooms();
  renderMembers();
  renderNotices();
  showState(el.state.dataset.state, el.state.textContent);
}

function leaveRoom(name) {
  // Not in the room by the time the answer comes (the connection dropped): nothing to tell.
  client?.leave(name).catch(() => {});
  rooms.delete(name);
  saveRooms();
  if (current === name) showRoom(rooms.keys().next().value ?? null);
  else renderRooms();
}

// ---------- page wiring ----------

el.signin.addEventListener("submit", (e) => submitAuth(e, signIn));
el.signup.addEventListener("submit", (e) => submitAuth(e, register));
el.signOut.addEventListener("click", signOut);

el.joinForm.addEventListener("submit", (e) => {
  e.preventDefault();
  el.joinError.textContent = "";
  const name = el.joinRoom.value.trim().toLowerCase();
  if (!ROOM_PATTERN.test(name)) {
    el.joinError.textContent = "a room name is 1 to 32 of a-z 0-9 _ -, starting with a letter or digit";
    el.joinRoom.setAttribute("aria-invalid", "true");
    return;
  }
  el.joinRoom.removeAttribute("aria-invalid");
  el.joinRoom.value = "";
  if (rooms.has(name)) { showRoom(name); return; }
  if (!isConnected()) { el.joinError.textContent = "not connected yet; try again in a moment"; return; }
  joinRoom(name);
});

function sendCompose() {
  const raw = el.compose.value;
  if (!raw.trim() || !current) return;
  const name = current;
  const room = rooms.get(name);
  if (!isConnected()) {
    setError(name, "Not connected: your message was not sent. It is still in the box: send it again once connected.", "offline");
    return;
  }
  // A new attempt in this room: the last error here is over.
  clearError(name);
  // One slash starts a command (two send a message that starts with a slash): its answer comes from a bot.
  const command = /^\/(?!\/)/.test(raw);
  const send = { room: name, text: raw.trim(), command, after: client.lastMessageId(name), request: null };
  if (command) { room.pending.push(send); renderNotices(); }
  client.send(name, raw).then((answer) => {
    // The bot has the request; its answer may already have come (it can overtake this frame).
    if (answer.type === "queued") { send.request = answer.request; renderNotices(); }
  }, (error) => sendFailed(send, error));
  el.compose.value = "";
  scrollToBottom();
}

function sendFailed(send, error) {
  // A message never acked may or may not be stored: it shows in the room if it was. A command stays pending: its answer
  // comes as a room message, which the client's rejoin brings.
  if (error.code === "disconnected" || error.code === "timeout") return;
  const room = rooms.get(send.room);
  if (!room) return;
  if (send.command) room.pending = room.pending.filter((p) => p !== send);
  setError(send.room, describeError(error, send), error.code);
}

el.composeForm.addEventListener("submit", (e) => { e.preventDefault(); sendCompose(); });
el.compose.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    sendCompose();
  }
});

function setSidebar(open) {
  el.sidebar.classList.toggle("collapsed", !open);
  el.roomsToggle.setAttribute("aria-expanded", String(open));
}

function updateToggle() {
  el.roomsToggle.hidden = !session || !NARROW.matches;
  setSidebar(!NARROW.matches);
}

el.roomsToggle.addEventListener("click", () => setSidebar(el.sidebar.classList.contains("collapsed")));
NARROW.addEventListener("change", updateToggle);

// A small handle for tests and for the curious: the state, and a way to simulate a dropped connection.
window.chattorum = {
  /** Drops the connection as the network would (the client reconnects by itself); with hold, stays disconnected until reconnect(). */
  dropConnection(hold = false) { if (hold) client?.disconnect(); else client?.reconnect(); },
  reconnect() { client?.connect().catch(() => {}); },
  get connected() { return isConnected(); },
  get rooms() { return [...rooms.keys()]; },
};

session = loadSession();
if (session) enterChat();
else $("signin-username").focus();
