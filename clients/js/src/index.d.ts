// Types of @chattorum/client, written by hand next to the JavaScript they describe (src/*.js).

/** `welcome.limits` (docs/protocol.md): the node's limits. */
export interface Limits {
  maxFrameBytes: number;
  maxTextLength: number;
  maxRooms: number;
  ratePerSecond: number;
  rateBurst: number;
}

/** Every server frame has a `type`; frames and fields a later release adds come through as well. */
export interface Frame {
  type: string;
  cid?: string;
  [field: string]: unknown;
}

export interface Welcome extends Frame {
  type: "welcome";
  protocol: number;
  user: string;
  limits: Limits;
}

export interface Joined extends Frame {
  type: "joined";
  room: string;
  members: string[];
  /** How many stored messages follow, as `message` events, before live traffic. */
  history: number;
  /** True when some messages after `since` are no longer stored. */
  truncated?: boolean;
}

export interface Message extends Frame {
  type: "message";
  room: string;
  user: string;
  text: string;
  /** Unix milliseconds of acceptance. */
  ts: number;
  /** `<milliseconds>-<sequence>`: grows within a room. */
  id: string;
}

export interface Presence extends Frame {
  type: "presence";
  room: string;
  user: string;
  event: "joined" | "left";
}

export interface Ack extends Frame {
  type: "ack";
  room: string;
  id: string;
  cid: string;
}

export interface Queued extends Frame {
  type: "queued";
  room: string;
  command: string;
  request: string;
  cid: string;
}

export interface Left extends Frame {
  type: "left";
  room: string;
}

export interface Pong extends Frame {
  type: "pong";
}

export type ConnectionState = "idle" | "connecting" | "connected" | "reconnecting" | "disconnected" | "failed";

export interface StateDetail {
  state: ConnectionState;
  previous: ConnectionState;
  /** Reconnect attempts since the last welcome. */
  attempt?: number;
  /** Set while waiting to reconnect: milliseconds until the next attempt. */
  delay?: number;
  /** Set when the state is `failed`: why. */
  error?: ChattorumError;
}

export interface ClientEventMap {
  state: CustomEvent<StateDetail>;
  welcome: CustomEvent<Welcome>;
  joined: CustomEvent<Joined & { resumed: boolean }>;
  message: CustomEvent<Message>;
  presence: CustomEvent<Presence>;
  error: CustomEvent<ChattorumError>;
  frame: CustomEvent<Frame>;
}

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  /** Returns [0, 1), like Math.random. */
  random?: () => number;
}

export interface ClientOptions {
  /** The chat's address (http, https, ws or wss), e.g. `https://chat.example.com`. */
  url: string | URL;
  /** A token, or a function that returns one, called before each connection attempt. */
  token: string | (() => string | Promise<string>);
  /** Default: globalThis.WebSocket (Node 20: only with --experimental-websocket). */
  WebSocket?: typeof globalThis.WebSocket;
  /** Default: globalThis.fetch. */
  fetch?: typeof globalThis.fetch;
  backoff?: BackoffOptions;
  /** Default: REQUEST_TIMEOUT_MS. */
  requestTimeoutMs?: number;
}

export declare class ChattorumClient extends EventTarget {
  constructor(options: ClientOptions);
  readonly state: ConnectionState;
  readonly welcome: Welcome | null;
  readonly user: string | null;
  readonly limits: Limits;
  readonly rooms: string[];
  members(room: string): string[];
  lastMessageId(room: string): string | null;
  connect(): Promise<Welcome>;
  disconnect(): void;
  reconnect(): void;
  join(room: string, options?: { since?: string }): Promise<Joined>;
  leave(room: string): Promise<Left>;
  send(room: string, text: string): Promise<Ack | Queued>;
  ping(): Promise<Pong>;

  addEventListener<K extends keyof ClientEventMap>(type: K, listener: (event: ClientEventMap[K]) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof ClientEventMap>(type: K, listener: (event: ClientEventMap[K]) => void, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
}

export declare class ChattorumError extends Error {
  constructor(code: string, message: string, details?: Partial<Omit<ChattorumError, "code" | "message" | "name">>);
  readonly name: "ChattorumError";
  /** A code of docs/protocol.md, or one of ClientErrorCodes. */
  code: string;
  frame?: string;
  cid?: string;
  room?: string;
  /** For `unconfirmed`: the id the message was stored under. */
  id?: string;
  /** HTTP status, for the account endpoints and refused connections. */
  status?: number;
  field?: string;
  /** Seconds, from `Retry-After`. */
  retryAfter?: number;
  /** For a `send` cut short: whether it may have been stored anyway. */
  mayBeStored?: boolean;
  closeCode?: number;
  closeReason?: string;
  static fromFrame(frame: Record<string, unknown>, room?: string): ChattorumError;
}

export declare const ClientErrorCodes: Readonly<{
  notConnected: "not_connected";
  disconnected: "disconnected";
  timeout: "timeout";
  tooLarge: "too_large";
  unauthorized: "unauthorized";
  tokenExpired: "token_expired";
  unsupportedProtocol: "unsupported_protocol";
  closedByServer: "closed_by_server";
  network: "network";
}>;

export interface Session {
  token: string;
  user: string;
  expiresAt: string;
}

export interface HttpOptions {
  fetch?: typeof globalThis.fetch;
}

export declare function register(baseUrl: string | URL, username: string, password: string, options?: HttpOptions): Promise<Session>;
export declare function signIn(baseUrl: string | URL, username: string, password: string, options?: HttpOptions): Promise<Session>;
export declare function tokenExpiry(token: string): Date | null;
export declare const REGISTER_PATH: "/api/auth/register";
export declare const LOGIN_PATH: "/api/auth/login";

export declare function reconnectDelay(attempt: number, options?: BackoffOptions): number;
export declare const RECONNECT_BASE_DELAY_MS: number;
export declare const RECONNECT_MAX_DELAY_MS: number;

export declare const CloseCodes: Readonly<Record<
  "normal" | "goingAway" | "protocolError" | "unsupportedData" | "noStatus" | "abnormal" | "invalidPayload" |
  "policyViolation" | "messageTooBig" | "mandatoryExtension" | "internalError" | "serviceRestart" | "tryAgainLater" | "badGateway",
  number>>;
export declare function shouldReconnect(code: number, reason?: string): boolean;
export declare const SLOW_CONSUMER_REASON: string;

export declare const PROTOCOL_VERSION: 1;
export declare const DEFAULT_LIMITS: Readonly<Limits>;
export declare function parseFrames(data: unknown): Frame[];
export declare function checkWelcome(welcome: Record<string, unknown>): ChattorumError | null;
export declare function limitsOf(welcome: Record<string, unknown>): Limits;

export declare class RateGate {
  constructor(ratePerSecond: number, burst: number, now?: () => number);
  take(): number;
  pause(ms?: number): void;
}
export declare const RATE_BURST_RESERVE: number;
export declare const RATE_LIMITED_PAUSE_MS: number;

export declare class ResumeLog {
  track(room: string, since?: string | null): void;
  forget(room: string): void;
  has(room: string): boolean;
  rooms(): string[];
  since(room: string): string | null;
  accept(message: Record<string, unknown>): boolean;
}
export declare function compareMessageIds(a: string, b: string): number;
export declare function parseMessageId(id: unknown): [number, number] | null;

export declare const REQUEST_TIMEOUT_MS: number;
export declare const REJOIN_RETRY_MS: number;
export declare const SHUTDOWN_REASON: string;
export declare const SOCKET_PATH: string;
export declare const TOKEN_QUERY_PARAMETER: string;
