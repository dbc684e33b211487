// Chattorum's web page: accounts over HTTP, chat over one WebSocket (docs/protocol.md).
// User data is only ever put on the page as text (textContent), never as HTML.

const ROOM_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const TOKEN_KEY = "chattorum.token";
const ROOMS_KEY = "chattorum.rooms";
const NARROW = window.matchMedia("(max-width: 700px)");

const $ = (id) => document.getElementById(id);
const el = {
  auth: $("auth"), chat: $("chat"), state: $("conn-state"), whoami: $("whoami"), me: $("me"), signOut: $("sign-out"),
  signin: $("signin-form"), signup: $("signup-form"), joinForm: $("join-form"), joinRoom: $("join-room"),
  joinError: $("join-error"), roomList: $("room-list"), members: $("members"), roomTitle: $("room-title"),
  messages: $("messages"), notice: $("notice"), composeForm: $("compose-form"), compose: $("compose"),
  send: $("send"), sidebar: $("sidebar"), roomsToggle: $("rooms-toggle"),
};

/** @type {{token:string,user:string}|null} */
let session = null;
let ws = null;
let connected = false;
let signingOut = false;
let attempt = 0;
let reconnectTimer = 0;
let holdReconnect = false; // tests only: stay disconnected until chattorum.reconnect()
let cidCounter = 0;
let current = null;
/**
 * room name -> { ids:Set, messages:[], lastId, unread, members:Set, joined,
 *   pending:[send], error:{text,code}|null, answers:Map(message id -> label) }
 */
const rooms = new Map();
const pendingJoins = new Map(); // cid -> room
/** cid -> { cid, room, text, command, after, request }: sends not yet acked, commands not yet answered */
const sends = new Map();

const nextCid = () => String(++cidCounter);

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

async function submitAuth(event, path) {
  event.preventDefault();
  const form = event.currentTarget;
  clearErrors(form);
  const username = form.elements.username.value.trim();
  const password = form.elements.password.value;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    let body = {};
    try { body = await response.json(); } catch { /* no body */ }
    if (!response.ok) {
      let message = body.message || `the server answered ${response.status}`;
      if (response.status === 429 || response.status === 503) {
        const retry = response.headers.get("Retry-After");
        if (retry) message += ` (retry in ${retry} s)`;
      }
      const target = body.field && form.querySelector(`.field-error[data-field="${body.field}"]`);
      if (target) {
        target.textContent = message;
        const input = form.elements[body.field];
        input?.setAttribute("aria-invalid", "true");
        input?.focus();
      } else {
        form.querySelector(".form-error").textContent = message;
      }
      return;
    }
    session = { token: body.token, user: body.user, expiresAt: body.expiresAt };
    sessionStorage.setItem(TOKEN_KEY, JSON.stringify(session));
    form.reset();
    enterChat();
  } catch {
    form.querySelector(".form-error").textContent = "the server cannot be reached; try again";
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
  signingOut = true;
  clearTimeout(reconnectTimer);
  if (ws) ws.close(1000, "sign out");
  ws = null;
  connected = false;
  session = null;
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(ROOMS_KEY);
  rooms.clear();
  pendingJoins.clear();
  sends.clear();
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
  setState("offline", "offline");
  $("signin-username").focus();
}

// ---------- connection ----------

function setState(state, text) {
  el.state.dataset.state = state;
  el.state.textContent = text;
  const canSend = state === "connected" && current !== null;
  el.compose.disabled = !canSend;
  el.send.disabled = !canSend;
}

function connect() {
  clearTimeout(reconnectTimer);
  signingOut = false;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}/ws?access_token=${encodeURIComponent(session.token)}`);
  ws = socket;
  setState(attempt === 0 ? "connecting" : "reconnecting", attempt === 0 ? "connecting…" : "reconnecting…");
  socket.onmessage = (event) => {
    if (socket !== ws) return;
    // One frame holds one JSON object per line: the server joins what it has queued for us.
    for (const line of event.data.split("\n")) {
      let frame;
      try { frame = JSON.parse(line); } catch { continue; }
      handle(frame);
    }
  };
  socket.onclose = () => {
    if (socket !== ws) return;
    const wasConnected = connected;
    connected = false;
    for (const room of rooms.values()) room.joined = false;
    pendingJoins.clear();
    // A message never acked may or may not be stored: it shows in the room if it was. A command stays pending: its
    // answer comes as a room message, which the rejoin brings.
    for (const [cid, send] of sends) if (!send.command) sends.delete(cid);
    if (signingOut || !session) return;
    if (holdReconnect) { setState("offline", "disconnected"); return; }
    if (!wasConnected && session.expiresAt && Date.parse(session.expiresAt) <= Date.now()) {
      signOut();
      return;
    }
    scheduleReconnect();
  };
}

function scheduleReconnect() {
  // Exponential backoff with jitter: 0.5 s, 1 s, 2 s … up to 15 s.
  const delay = Math.min(15000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
  attempt++;
  const seconds = Math.max(1, Math.round(delay / 1000));
  setState("reconnecting", `disconnected, retrying in ${seconds} s`);
  reconnectTimer = setTimeout(connect, delay);
}

function sendFrame(frame) {
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(JSON.stringify(frame));
  return true;
}

function joinRoom(name, room) {
  const cid = nextCid();
  pendingJoins.set(cid, name);
  const frame = { type: "join", room: name, cid };
  if (room && room.lastId) frame.since = room.lastId;
  sendFrame(frame);
}

// ---------- frames ----------

function handle(frame) {
  switch (frame.type) {
    case "welcome":
      connected = true;
      attempt = 0;
      if (frame.user) { session.user = frame.user; el.me.textContent = frame.user; }
      setState("connected", "connected");
      for (const room of rooms.values()) if (room.error?.code === "offline") room.error = null;
      renderNotices();
      // Rejoin every room, resuming after the last message seen in it.
      for (const [name, room] of rooms) joinRoom(name, room);
      break;
    case "joined": {
      pendingJoins.delete(frame.cid);
      let room = rooms.get(frame.room);
      const fresh = !room;
      if (!room) { room = newRoom(); rooms.set(frame.room, room); }
      room.joined = true;
      room.members = new Set(frame.members ?? []);
      saveRooms();
      renderRooms();
      if (fresh || current === null) showRoom(frame.room);
      else if (current === frame.room) renderMembers();
      break;
    }
    case "message":
      addMessage(frame);
      break;
    case "presence": {
      const room = rooms.get(frame.room);
      if (!room) break;
      if (frame.event === "joined") room.members.add(frame.user);
      else if (frame.event === "left") room.members.delete(frame.user);
      if (frame.room === current) renderMembers();
      break;
    }
    case "left":
      break;
    case "ack":
      sends.delete(frame.cid);
      break;
    case "queued": {
      // The bot has the request; its answer may already have come (it can overtake this frame).
      const send = sends.get(frame.cid);
      if (send) { send.request = frame.request; renderNotices(); }
      break;
    }
    case "error":
      handleError(frame);
      break;
    default:
      break;
  }
}

function handleError(frame) {
  if (frame.frame === "join" && pendingJoins.has(frame.cid)) {
    const name = pendingJoins.get(frame.cid);
    pendingJoins.delete(frame.cid);
    if (frame.code === "already_in_room") {
      const room = rooms.get(name);
      if (room) room.joined = true;
      return;
    }
    // A room we had before the drop that can no longer be joined: say so; a fresh one: say so by the field.
    if (!rooms.has(name) || !rooms.get(name).joined) el.joinError.textContent = describeError(frame, { room: name });
    if (frame.code === "unavailable") {
      // Redis is away on that node: try the join again shortly.
      setTimeout(() => { if (connected && rooms.has(name) && !rooms.get(name).joined) joinRoom(name, rooms.get(name)); }, 1000);
    }
    return;
  }
  // The error belongs to the room of the frame it answers, and stays there (not on whichever room is in view).
  const send = sends.get(frame.cid);
  sends.delete(frame.cid);
  const name = send?.room ?? frame.room ?? current;
  const room = name && rooms.get(name);
  if (!room) return;
  if (send?.command) room.pending = room.pending.filter((p) => p !== send);
  setError(name, describeError(frame, send ?? { room: name }), frame.code);
}

/** What an error frame means, in a sentence for people (the code stays on the element as data-code). */
function describeError(frame, send) {
  const typed = send?.text ?? "";
  const command = typed.match(/^\/[^=\s]*/)?.[0] || frame.message?.match(/\/[a-z0-9_-]+/)?.[0] || "that command";
  switch (frame.code) {
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
      return `You are not in #${send?.room ?? frame.room ?? "this room"} any more: join it again to send.`;
    case "unavailable":
      return frame.frame === "join"
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
    default:
      return `Something went wrong: ${frame.message || frame.code}.`;
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
  return {
    ids: new Set(), messages: [], lastId: null, unread: 0, members: new Set(), joined: false,
    pending: [], error: null, answers: new Map(),
  };
}

function saveRooms() {
  sessionStorage.setItem(ROOMS_KEY, JSON.stringify([...rooms.keys()]));
}

function compareIds(a, b) {
  const [am, as] = a.split("-").map(Number);
  const [bm, bs] = b.split("-").map(Number);
  return am !== bm ? am - bm : as - bs;
}

function addMessage(m) {
  const room = rooms.get(m.room);
  if (!room || typeof m.id !== "string" || room.ids.has(m.id)) return; // exactly once
  room.ids.add(m.id);
  if (isBot(m.user)) matchAnswer(room, m);
  room.messages.push(m);
  if (!room.lastId || compareIds(m.id, room.lastId) > 0) room.lastId = m.id;
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
  sends.delete(send.cid);
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
  const room = current && rooms.get(current);
  const names = room ? [...room.members].sort((a, b) => a.localeCompare(b)) : [];
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
  setState(el.state.dataset.state, el.state.textContent);
}

function leaveRoom(name) {
  sendFrame({ type: "leave", room: name, cid: nextCid() });
  for (const [cid, send] of sends) if (send.room === name) sends.delete(cid);
  rooms.delete(name);
  saveRooms();
  if (current === name) showRoom(rooms.keys().next().value ?? null);
  else renderRooms();
}

// ---------- page wiring ----------

el.signin.addEventListener("submit", (e) => submitAuth(e, "/api/auth/login"));
el.signup.addEventListener("submit", (e) => submitAuth(e, "/api/auth/register"));
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
  if (!connected) { el.joinError.textContent = "not connected yet; try again in a moment"; return; }
  joinRoom(name, null);
});

function sendCompose() {
  const raw = el.compose.value;
  if (!raw.trim() || !current) return;
  const room = rooms.get(current);
  const cid = nextCid();
  if (!sendFrame({ type: "send", room: current, text: raw, cid })) {
    setError(current, "Not connected: your message was not sent. It is still in the box: send it again once connected.", "offline");
    return;
  }
  // A new attempt in this room: the last error here is over.
  clearError(current);
  // One slash starts a command (two send a message that starts with a slash): its answer comes from a bot.
  const command = /^\/(?!\/)/.test(raw);
  const send = { cid, room: current, text: raw.trim(), command, after: room.lastId, request: null };
  sends.set(cid, send);
  if (command) { room.pending.push(send); renderNotices(); }
  el.compose.value = "";
  scrollToBottom();
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
  /** Closes the socket as a network drop would; with hold, stays disconnected until reconnect(). */
  dropConnection(hold = false) { holdReconnect = hold; if (ws) ws.close(); },
  reconnect() { holdReconnect = false; if (session && !connected) connect(); },
  get connected() { return connected; },
  get rooms() { return [...rooms.keys()]; },
};

session = loadSession();
if (session) enterChat();
else $("signin-username").focus();
