/**
 * useNotificationStream / <NotificationStream>: the browser side of
 * GET /api/notifications/stream (CONTRACT.md section 4), re-creating the original React
 * hook `useNotificationStream`, with ONE stream per browser instead of one per tab.
 *
 * Why one per browser: browsers allow 6 HTTP/1.1 connections per host, so 7+ tabs that
 * each hold an EventSource starve. Here the tabs of one browser (same origin, same
 * storage partition) elect a leader with the Web Locks API; only the leader opens the
 * EventSource, and it relays every envelope, its connection status and its errors over a
 * BroadcastChannel. Followers run the same callbacks with the same state, as if they held
 * the stream. When the leader goes away (tab closed, component unmounted, page hidden into
 * the back/forward cache) the lock passes to a waiting tab, which opens the stream resuming
 * from the last cursor any tab has seen (in-memory from the channel, or localStorage), so
 * the hand-over loses nothing; notifications are de-duplicated by id in every tab because
 * a hand-over may replay some. Without Web Locks or BroadcastChannel each tab runs its own
 * stream (the original behaviour).
 *
 * Wire format: `data:` lines holding `{"type","data","timestamp"}` envelopes with no `event:`
 * field: `connected` (id = cursor), `notification` (id = cursor, data = notification),
 * `ping`, `read` (data `{"ids","unreadCount"}`, or `{"upTo","unreadCount"}` after read-all; passed
 * on as is), and the lifecycle events `seen`, `archived`, `deleted`, `updated`, `expired`, `reset`,
 * `preferences` (passed to onEvent as `{type, data}`). A notification is de-duplicated by id and
 * groupCount: a grouped send brings its row again, with a new cursor and a higher count.
 * Unknown types are ignored. EventSource
 * cannot set headers on a new instance, so every (re)connect resumes with `?lastEventId=`.
 *
 * Transports (the connection seam): the leader opens its connection through one adapter per
 * transport, `TRANSPORTS.sse` (EventSource on GET /api/notifications/stream) or
 * `TRANSPORTS.websocket` (GET /api/notifications/ws: one envelope per text message, the cursor
 * in its `id`, refusals as close codes). Option `transport`: "sse", "websocket" or "auto"
 * (default): SSE first; when no `connected` envelope arrives within CONNECTED_WITHIN_MS (a
 * buffering proxy holds the stream back) or the connection fails twice before `connected`
 * while /api/health answers (the network refuses this transport), switch to the other one, and
 * remember the working transport for the browser session (a session cookie, so every tab and
 * every later leader starts with it). The status says which transport is live (`transport`).
 *
 * Imperative actions for Python (`rx.call_script`): window.ncNotificationStream
 * .reconnect() / .disconnect() / .wake() / .status().
 */
import { useEffect, useRef, useState } from "react";

const NAME = "nc-notification-stream";
const MAX_BACKOFF_MS = 30000;
const SEEN_LIMIT = 2000;
// A cursor that no live tab has refreshed for this long is from an earlier visit: a tab that
// starts a browser's stream fresh then connects without it (like the original hook) instead of
// replaying history the page has already loaded over REST. Leaders refresh it on every event,
// pings included (every 30 s by default).
const CURSOR_FRESH_MS = 90000;
const STOP_DELAY_MS = 100; // let an unmount followed by a remount (navigation) keep the stream
const WATCHDOG_MS = 5000;
const STATUS_REFRESH_MS = 5000; // on pings, repeat an unchanged status at most this often

const DEFAULTS = {
  url: "/api/notifications/stream",
  wsUrl: "/api/notifications/ws",
  transport: "auto",
  autoReconnect: true,
  reconnectDelay: 3000,
  maxReconnectAttempts: 5,
};
const CONNECTED_WITHIN_MS = 4000; // auto: no `connected` by then -> try the other transport
const FAILURES_BEFORE_SWITCH = 2; // auto: failures before `connected`, with the server up
const TRANSPORT_COOKIE = "nc_stream_transport";

const hasWindow = () => typeof window !== "undefined";

function randomId() {
  try {
    if (hasWindow() && window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
  } catch (e) {
    /* fall through */
  }
  return Math.random().toString(36).slice(2) + Date.now().toString(36);
}

function sharingSupported() {
  return (
    hasWindow() &&
    typeof window.BroadcastChannel === "function" &&
    typeof navigator !== "undefined" &&
    !!navigator.locks &&
    typeof navigator.locks.request === "function" &&
    typeof AbortController === "function"
  );
}

function numberOr(value, fallback, min) {
  const n = Number(value);
  return Number.isFinite(n) && n >= min ? n : fallback;
}

function readStoredCursor(storageKey) {
  try {
    const raw = window.localStorage.getItem(storageKey);
    if (!raw) return null;
    const parsed = JSON.parse(raw);
    if (parsed && typeof parsed.cursor === "string" && typeof parsed.at === "number") return parsed;
  } catch (e) {
    /* storage disabled or corrupt: no stored cursor */
  }
  return null;
}

function writeStoredCursor(storageKey, cursor, at) {
  try {
    window.localStorage.setItem(storageKey, JSON.stringify({ cursor, at }));
  } catch (e) {
    /* storage full or disabled: the channel still carries the cursor */
  }
}

function safeCall(fn, ...args) {
  if (typeof fn !== "function") return;
  try {
    fn(...args);
  } catch (e) {
    console.error("[notification-stream] callback failed", e);
  }
}

// ---- the connection seam: one adapter per transport ------------------------------------
//
// open(url, cursor, on) opens one connection and returns { close() }. It calls
// on.message(envelope, cursor) for every envelope (cursor: the event's id, or "") and
// on.error({ answered, code, reason }) once when the connection ends or cannot open;
// `answered` means the server itself refused or ended it (a WebSocket close code of the
// 4000 range), so the transport got through. close() ends it without calling back.

function parseEnvelope(text) {
  try {
    const envelope = JSON.parse(text);
    if (envelope && typeof envelope === "object" && typeof envelope.type === "string") return envelope;
  } catch (e) {
    /* not an envelope */
  }
  return null;
}

const TRANSPORTS = {
  sse: {
    open(url, cursor, on) {
      const target = new URL(url, window.location.href);
      if (cursor) target.searchParams.set("lastEventId", cursor);
      const es = new EventSource(target.toString());
      let done = false;
      es.onmessage = (event) => {
        const envelope = done ? null : parseEnvelope(event.data);
        if (envelope) on.message(envelope, event.lastEventId || "");
      };
      es.onerror = () => {
        // Take over from EventSource's own retry: ours backs off and resumes via the query.
        if (done) return;
        done = true;
        es.close();
        on.error({ answered: false, code: 0, reason: "" });
      };
      return {
        close() {
          done = true;
          es.onmessage = null;
          es.onerror = null;
          es.close();
        },
      };
    },
  },
  websocket: {
    open(url, cursor, on) {
      const target = new URL(url, window.location.href);
      target.protocol = target.protocol === "https:" ? "wss:" : "ws:";
      target.searchParams.set("lastEventId", cursor || ""); // present: the server waits for no resume message
      const ws = new WebSocket(target.toString());
      let done = false;
      ws.onmessage = (event) => {
        const envelope = done || typeof event.data !== "string" ? null : parseEnvelope(event.data);
        if (envelope) on.message(envelope, typeof envelope.id === "string" ? envelope.id : "");
      };
      ws.onerror = () => {}; // onclose follows with the code
      ws.onclose = (event) => {
        if (done) return;
        done = true;
        on.error({ answered: event.code >= 4000 && event.code < 5000, code: event.code, reason: event.reason || "" });
      };
      return {
        close() {
          done = true;
          ws.onmessage = null;
          ws.onclose = null;
          try {
            ws.close(1000);
          } catch (e) {
            /* already closed */
          }
        },
      };
    },
  },
};

function otherTransport(name) {
  return name === "websocket" ? "sse" : "websocket";
}

function rememberedTransport() {
  try {
    const match = document.cookie.match(new RegExp(`(?:^|; )${TRANSPORT_COOKIE}=(sse|websocket)(?:;|$)`));
    return match ? match[1] : null;
  } catch (e) {
    return null;
  }
}

function rememberTransport(name) {
  try {
    // A session cookie: the choice lasts while the browser runs, for every tab.
    document.cookie = `${TRANSPORT_COOKIE}=${name}; path=/; SameSite=Lax`;
  } catch (e) {
    /* cookies disabled: auto starts with SSE again next time */
  }
}

/**
 * The stream of one tab for one (url, scope): either the browser's leader (owns the
 * EventSource) or a follower (mirrors the leader). Components subscribe to it.
 */
class TabStream {
  constructor(url, scope) {
    this.url = url;
    this.scope = scope;
    // Tabs share per (scope, url); the default URL keeps the plain names.
    const suffix = (scope ? `:${scope}` : "") + (url !== DEFAULTS.url ? `|${url}` : "");
    this.lockName = NAME + suffix;
    this.channelName = NAME + suffix;
    this.storageKey = `${NAME}:cursor${suffix}`;
    this.tabId = randomId();
    this.options = { ...DEFAULTS, url };
    this.subscribers = new Set();

    // What the leader says about the browser's stream (every tab keeps a copy).
    this.shared = { isConnected: false, isConnecting: true, error: null, reconnectAttempts: 0, manual: false, transport: null };
    this.cursor = null; // last cursor this tab saw (own stream or relayed), with when the leader saw it
    this.cursorAt = 0;
    this.seen = new Set(); // notification ids already delivered to this tab's callbacks
    this.seenOrder = [];

    this.running = false;
    this.mode = "idle"; // "solo" (no sharing), "follower", "leader"
    this.isLeader = false;
    this.leaderId = null;
    this.channel = null;
    this.lockAbort = null;
    this.releaseLock = null;
    this.conn = null; // the leader's connection (an adapter's handle)
    this.transport = null; // the transport of the leader's current or next connection
    this.failuresBeforeConnected = 0; // auto: consecutive failures on `transport` before `connected`
    this.connectedTimer = null;
    this.retryTimer = null;
    this.watchdog = null;
    this.stopTimer = null;
    this.lastMessageAt = 0;
    this.lastPingAt = 0;
    this.pingGap = 0;
    this.lastPublic = null;
    this.lastEmitAt = 0;

    this.onVisibility = () => {
      if (document.visibilityState !== "visible") return;
      this.emitStatus(true);
      this.wake();
    };
    this.onOnline = () => this.wake();
    // Leaving the page (unload, or into the back/forward cache): hand the stream over now
    // rather than when the browser gets round to destroying the document.
    this.onPageHide = () => this.stop();
    this.onPageShow = (e) => {
      if (e.persisted && this.subscribers.size > 0) this.start();
    };
  }

  // ---- subscribers -------------------------------------------------------------------

  subscribe(sub) {
    this.subscribers.add(sub);
    if (this.stopTimer) {
      clearTimeout(this.stopTimer);
      this.stopTimer = null;
    }
    if (!this.running) this.start();
    else {
      // A late subscriber learns the current state at once.
      const status = this.publicStatus();
      safeCall(sub.callbacks().onStatus, status);
      if (status.isConnected) safeCall(sub.callbacks().onConnected);
    }
  }

  unsubscribe(sub) {
    this.subscribers.delete(sub);
    if (this.subscribers.size === 0 && !this.stopTimer) {
      this.stopTimer = setTimeout(() => {
        this.stopTimer = null;
        if (this.subscribers.size === 0) {
          this.stop();
          registry.delete(registryKey(this.url, this.scope));
        }
      }, STOP_DELAY_MS);
    }
  }

  setOptions(opts) {
    const transport = ["sse", "websocket", "auto"].includes(opts.transport) ? opts.transport : DEFAULTS.transport;
    this.options = {
      url: this.url,
      wsUrl: typeof opts.wsUrl === "string" && opts.wsUrl ? opts.wsUrl : DEFAULTS.wsUrl,
      transport,
      autoReconnect: opts.autoReconnect !== false,
      reconnectDelay: numberOr(opts.reconnectDelay, DEFAULTS.reconnectDelay, 0),
      maxReconnectAttempts: numberOr(opts.maxReconnectAttempts, DEFAULTS.maxReconnectAttempts, 0),
    };
  }

  each(name, ...args) {
    for (const sub of Array.from(this.subscribers)) safeCall(sub.callbacks()[name], ...args);
  }

  // ---- lifecycle ---------------------------------------------------------------------

  start() {
    if (this.running || !hasWindow()) return;
    this.running = true;
    this.isLeader = false;
    this.leaderId = null;
    this.shared = { isConnected: false, isConnecting: true, error: null, reconnectAttempts: 0, manual: false, transport: null };
    document.addEventListener("visibilitychange", this.onVisibility);
    window.addEventListener("online", this.onOnline);
    window.addEventListener("pagehide", this.onPageHide);
    window.addEventListener("pageshow", this.onPageShow);
    this.watchdog = setInterval(() => this.checkAlive(), WATCHDOG_MS);

    if (!sharingSupported()) {
      this.mode = "solo";
      this.becomeLeader();
      return;
    }
    this.mode = "follower";
    this.emitStatus();
    this.channel = new BroadcastChannel(this.channelName);
    this.channel.onmessage = (ev) => this.onChannelMessage(ev.data);
    this.post({ kind: "hello" }); // a leader, if any, answers with its state and cursor
    const abort = new AbortController();
    this.lockAbort = abort;
    navigator.locks
      .request(this.lockName, { signal: abort.signal }, () => {
        if (!this.running || this.lockAbort !== abort) return undefined; // stopped meanwhile
        return new Promise((resolve) => {
          this.releaseLock = resolve; // held for as long as this tab leads
          this.becomeLeader();
        });
      })
      .catch((err) => {
        // AbortError after stop(): nothing to do. Anything else (e.g. a SecurityError in an
        // opaque origin): this tab cannot take part in the election, so it streams alone.
        if (!this.running || this.lockAbort !== abort || (err && err.name === "AbortError")) return;
        this.lockAbort = null;
        if (this.channel) this.channel.close();
        this.channel = null;
        this.mode = "solo";
        this.becomeLeader();
      });
  }

  stop() {
    if (!this.running) return;
    this.running = false;
    this.clearRetry();
    this.closeConnection();
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    document.removeEventListener("visibilitychange", this.onVisibility);
    window.removeEventListener("online", this.onOnline);
    if (this.subscribers.size === 0) {
      window.removeEventListener("pagehide", this.onPageHide);
      window.removeEventListener("pageshow", this.onPageShow);
    }
    if (this.isLeader && this.mode === "leader") {
      this.post({ kind: "resign", cursor: this.cursor, at: this.cursorAt, shared: this.shared });
    }
    if (this.releaseLock) this.releaseLock();
    this.releaseLock = null;
    if (this.lockAbort) this.lockAbort.abort();
    this.lockAbort = null;
    if (this.channel) this.channel.close();
    this.channel = null;
    this.isLeader = false;
    this.mode = "idle";
  }

  becomeLeader() {
    this.isLeader = true;
    if (this.mode !== "solo") this.mode = "leader";
    this.leaderId = this.tabId;
    // Resume from the newest cursor this browser has seen: the one relayed to this tab, or
    // the one a leader stored, if that is newer. A tab that saw none (it starts the
    // browser's stream) uses a stored cursor only while a leader refreshed it recently.
    const stored = readStoredCursor(this.storageKey);
    if (stored && stored.at > this.cursorAt && (this.cursor !== null || Date.now() - stored.at < CURSOR_FRESH_MS)) {
      this.cursor = stored.cursor;
      this.cursorAt = stored.at;
    }
    if (this.shared.manual) {
      // The browser's stream was disconnected on purpose: stay so until reconnect().
      this.shared = { ...this.shared, isConnected: false, isConnecting: false };
      this.publishStatus();
      return;
    }
    this.shared = { ...this.shared, reconnectAttempts: 0 };
    this.connect();
  }

  // ---- the leader's connection (through the transport seam) ---------------------------

  /** The transport for the next connection: the fixed option, or auto's current choice. */
  chooseTransport() {
    const option = this.options.transport;
    if (option === "sse" || option === "websocket") return option;
    if (!this.transport) this.transport = rememberedTransport() || "sse";
    return this.transport;
  }

  connect() {
    if (!this.running || !this.isLeader) return;
    this.clearRetry();
    this.closeConnection();
    const transport = this.chooseTransport();
    this.transport = transport;
    this.shared = { ...this.shared, isConnected: false, isConnecting: true, manual: false, transport };
    this.publishStatus();

    const url = transport === "websocket" ? this.options.wsUrl : this.options.url || DEFAULTS.url;
    let conn = null;
    const handlers = {
      message: (envelope, cursor) => {
        if (this.conn === conn) this.onStreamMessage(envelope, cursor);
      },
      error: (info) => {
        if (this.conn !== conn) return;
        this.conn = null;
        this.onConnectionError(transport, info);
      },
    };
    try {
      conn = TRANSPORTS[transport].open(url, this.cursor, handlers);
    } catch (e) {
      this.fail(`Could not open notification stream (${transport}): ${e && e.message ? e.message : e}`);
      return;
    }
    this.conn = conn;
    this.lastMessageAt = Date.now();
    this.lastPingAt = 0;
    if (this.options.transport === "auto") {
      this.connectedTimer = setTimeout(() => {
        this.connectedTimer = null;
        if (this.conn === conn && !this.shared.isConnected) this.switchTransport("no connected event in time");
      }, CONNECTED_WITHIN_MS);
    }
  }

  onConnectionError(transport, info) {
    this.clearConnectedTimer();
    const wasConnected = this.shared.isConnected;
    let message = wasConnected ? "Connection to notification stream lost" : "Could not connect to notification stream";
    if (info.reason) message = `${message}: ${info.reason}`;
    if (this.options.transport === "auto" && !wasConnected && !info.answered) {
      // The transport did not get through. Twice in a row, with the server up: the other one.
      this.failuresBeforeConnected += 1;
      if (this.failuresBeforeConnected >= FAILURES_BEFORE_SWITCH) this.switchIfServerUp(transport);
    }
    this.fail(message);
  }

  /** Ask /api/health whether the server is up; if so, the transport is what failed. */
  switchIfServerUp(transport) {
    if (typeof fetch !== "function") return;
    fetch("/api/health", { cache: "no-store", credentials: "same-origin" })
      .then((response) => {
        if (response.ok && this.transport === transport && !this.shared.isConnected && !this.shared.manual) {
          this.switchTransport(`${transport} failed ${this.failuresBeforeConnected} times while the server is up`);
        }
      })
      .catch(() => {
        /* the server is down too: keep the transport, the backoff goes on */
      });
  }

  /** auto: move to the other transport now. Counted as a reconnect attempt, so two transports
   * that both fail still give up after maxReconnectAttempts. */
  switchTransport(why) {
    if (!this.running || !this.isLeader || this.options.transport !== "auto") return;
    const attempts = this.shared.reconnectAttempts;
    if (attempts >= this.options.maxReconnectAttempts) {
      this.closeConnection();
      this.fail(`Could not connect to notification stream (${why})`);
      return;
    }
    const next = otherTransport(this.transport);
    console.info(`[notification-stream] switching to ${next}: ${why}`);
    this.transport = next;
    this.failuresBeforeConnected = 0;
    this.shared = { ...this.shared, reconnectAttempts: attempts + 1 };
    this.connect();
  }

  clearConnectedTimer() {
    if (this.connectedTimer) clearTimeout(this.connectedTimer);
    this.connectedTimer = null;
  }

  onStreamMessage(envelope, cursor) {
    const now = Date.now();
    this.lastMessageAt = now;
    if (cursor) {
      this.cursor = cursor;
      this.cursorAt = now;
    }
    if (envelope.type === "ping") {
      if (this.lastPingAt) this.pingGap = now - this.lastPingAt;
      this.lastPingAt = now;
    }
    if (envelope.type === "connected") {
      this.clearConnectedTimer();
      this.failuresBeforeConnected = 0;
      if (this.options.transport === "auto") rememberTransport(this.transport);
      this.shared = {
        isConnected: true,
        isConnecting: false,
        error: null,
        reconnectAttempts: 0,
        manual: false,
        transport: this.transport,
      };
      this.publishStatus();
    }
    // Relay first, store second: a cursor must never be stored before its event went out.
    this.post({ kind: "envelope", envelope, cursor: this.cursor, at: this.cursorAt });
    if (this.cursor !== null) writeStoredCursor(this.storageKey, this.cursor, now);
    this.deliver(envelope);
  }

  fail(message) {
    this.reportError(message);
    const { autoReconnect, reconnectDelay, maxReconnectAttempts } = this.options;
    const attempts = this.shared.reconnectAttempts;
    if (autoReconnect && attempts < maxReconnectAttempts) {
      // Jitter (0.5x to 1.5x): after a server restart, thousands of browsers would
      // otherwise come back in the same instant and overflow its accept queue.
      const backoff = Math.min(reconnectDelay * Math.pow(2, attempts), MAX_BACKOFF_MS);
      const delay = Math.round(backoff * (0.5 + Math.random()));
      this.shared = { ...this.shared, isConnected: false, isConnecting: false, error: message, reconnectAttempts: attempts + 1, manual: false };
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.connect();
      }, delay);
    } else {
      const error = autoReconnect && maxReconnectAttempts > 0
        ? `${message} (gave up after ${attempts} reconnect attempts)`
        : message;
      this.shared = { ...this.shared, isConnected: false, isConnecting: false, error, reconnectAttempts: attempts, manual: false };
    }
    this.publishStatus();
  }

  reportError(message) {
    this.post({ kind: "error", message });
    this.each("onError", message);
  }

  clearRetry() {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  closeConnection() {
    this.clearConnectedTimer();
    if (this.conn) this.conn.close();
    this.conn = null;
  }

  /** A stream that went silent for several ping periods is dead (e.g. after sleep). */
  checkAlive() {
    if (!this.isLeader || !this.conn || !this.shared.isConnected || !this.pingGap) return;
    if (Date.now() - this.lastMessageAt > 3 * this.pingGap + WATCHDOG_MS) {
      this.closeConnection();
      this.fail("Notification stream went silent");
    }
  }

  // ---- actions (any tab; followers relay them to the leader) -------------------------

  reconnect() {
    if (!this.running) return;
    if (this.isLeader) {
      this.shared = { ...this.shared, reconnectAttempts: 0, error: null, manual: false };
      this.connect();
    } else this.post({ kind: "command", action: "reconnect" });
  }

  disconnect() {
    if (!this.running) return;
    if (this.isLeader) {
      this.clearRetry();
      this.closeConnection();
      this.shared = { ...this.shared, isConnected: false, isConnecting: false, error: null, reconnectAttempts: 0, manual: true };
      this.publishStatus();
    } else this.post({ kind: "command", action: "disconnect" });
  }

  /** Visible again / back online: retry now instead of waiting out the backoff. */
  wake() {
    if (!this.running) return;
    if (!this.isLeader) {
      this.post({ kind: "command", action: "wake" });
      return;
    }
    if (this.shared.manual) return;
    if (this.shared.isConnected) {
      this.checkAlive();
      return;
    }
    if (this.conn && this.shared.isConnecting) return; // an attempt is under way
    this.shared = { ...this.shared, reconnectAttempts: 0 };
    this.connect();
  }

  // ---- the channel -------------------------------------------------------------------

  post(message) {
    if (!this.channel) return;
    try {
      this.channel.postMessage({ ...message, from: this.tabId });
    } catch (e) {
      console.error("[notification-stream] relay failed", e);
    }
  }

  noteCursor(cursor, at) {
    if (typeof cursor === "string" && cursor && typeof at === "number" && at >= this.cursorAt) {
      this.cursor = cursor;
      this.cursorAt = at;
    }
  }

  onChannelMessage(m) {
    if (!this.running || !m || typeof m !== "object" || m.from === this.tabId) return;
    switch (m.kind) {
      case "hello":
        if (this.isLeader) {
          this.post({ kind: "state", to: m.from, shared: this.shared, cursor: this.cursor, at: this.cursorAt });
        }
        break;
      case "state":
        if (!this.isLeader && m.to === this.tabId) this.adopt(m);
        break;
      case "status":
        if (!this.isLeader) this.adopt(m);
        break;
      case "envelope":
        // Also as leader: the last words of a leader that just handed over (de-duplicated).
        if (!this.isLeader) this.noteCursor(m.cursor, m.at);
        if (m.envelope && typeof m.envelope === "object") this.deliver(m.envelope);
        break;
      case "error":
        if (!this.isLeader && typeof m.message === "string") this.each("onError", m.message);
        break;
      case "resign":
        if (!this.isLeader) {
          this.noteCursor(m.cursor, m.at);
          if (m.shared && typeof m.shared.manual === "boolean") this.shared = { ...this.shared, manual: m.shared.manual };
          if (m.from === this.leaderId) {
            this.leaderId = null;
            if (!this.shared.manual) {
              this.shared = { ...this.shared, isConnected: false, isConnecting: true };
            }
            this.emitStatus();
          }
        }
        break;
      case "command":
        if (this.isLeader) {
          if (m.action === "reconnect") this.reconnect();
          else if (m.action === "disconnect") this.disconnect();
          else if (m.action === "wake") this.wake();
        }
        break;
      default:
        break; // a message kind from a newer version of this file
    }
  }

  adopt(m) {
    if (m.shared && typeof m.shared === "object") {
      this.leaderId = m.from;
      this.shared = {
        isConnected: !!m.shared.isConnected,
        isConnecting: !!m.shared.isConnecting,
        error: typeof m.shared.error === "string" ? m.shared.error : null,
        reconnectAttempts: Number(m.shared.reconnectAttempts) || 0,
        manual: !!m.shared.manual,
        transport: m.shared.transport === "sse" || m.shared.transport === "websocket" ? m.shared.transport : null,
      };
    }
    this.noteCursor(m.cursor, m.at);
    this.emitStatus();
  }

  // ---- delivery to this tab's callbacks ----------------------------------------------

  deliver(envelope) {
    const data = envelope.data;
    switch (envelope.type) {
      case "notification": {
        if (!data || typeof data !== "object") return;
        if (data.id !== undefined && data.id !== null) {
          // A grouped send delivers its row again with a higher groupCount: not a duplicate.
          const id = `${data.id}#${Number(data.groupCount) || 1}`;
          if (this.seen.has(id)) return;
          this.seen.add(id);
          this.seenOrder.push(id);
          if (this.seenOrder.length > SEEN_LIMIT) this.seen.delete(this.seenOrder.shift());
        }
        this.each("onNotification", data);
        return;
      }
      case "read":
        if (data && typeof data === "object") this.each("onRead", data);
        return;
      case "seen":
      case "archived":
      case "deleted":
      case "updated":
      case "expired":
      case "reset":
      case "preferences":
        // Inbox lifecycle events (CONTRACT section 9), passed on as {type, data}.
        if (data && typeof data === "object") this.each("onEvent", { type: envelope.type, data });
        return;
      case "ping":
        // Heartbeat: repeat the status now and then so a reset receiver re-syncs.
        if (Date.now() - this.lastEmitAt >= STATUS_REFRESH_MS) this.emitStatus(true);
        return;
      default:
        return; // `connected` drives the status; unknown types are ignored
    }
  }

  publishStatus() {
    if (this.mode === "leader") {
      this.post({ kind: "status", shared: this.shared, cursor: this.cursor, at: this.cursorAt });
    }
    this.emitStatus();
  }

  publicStatus() {
    return {
      isConnected: this.shared.isConnected,
      isConnecting: this.shared.isConnecting,
      error: this.shared.error,
      reconnectAttempts: this.shared.reconnectAttempts,
      isLeader: this.isLeader,
      transport: this.shared.transport,
    };
  }

  /**
   * Tell this tab's subscribers, once per change, and fire connected/disconnected edges.
   * `force` repeats an unchanged status: the receiving (Reflex) state may have been reset
   * meanwhile, e.g. by a backend restart that did not cut the stream.
   */
  emitStatus(force = false) {
    const status = this.publicStatus();
    const prev = this.lastPublic;
    const key = JSON.stringify(status);
    if (prev && prev.key === key) {
      if (force) {
        this.lastEmitAt = Date.now();
        this.each("onStatus", status);
      }
      return;
    }
    this.lastPublic = { key, status };
    this.lastEmitAt = Date.now();
    this.each("onStatus", status);
    const wasConnected = !!(prev && prev.status.isConnected);
    if (status.isConnected && !wasConnected) this.each("onConnected");
    if (!status.isConnected && wasConnected) this.each("onDisconnected");
  }
}

// ---- one TabStream per (url, scope) in this tab ----------------------------------------

const registry = new Map();
const registryKey = (url, scope) => `${scope}\u0000${url}`;

function tabStreamFor(url, scope) {
  const key = registryKey(url, scope);
  let stream = registry.get(key);
  if (!stream) {
    stream = new TabStream(url, scope);
    registry.set(key, stream);
  }
  return stream;
}

const api = {
  reconnect() {
    registry.forEach((s) => s.reconnect());
  },
  disconnect() {
    registry.forEach((s) => s.disconnect());
  },
  wake() {
    registry.forEach((s) => s.wake());
  },
  /** The status of this tab's stream(s), for debugging and tests. */
  status() {
    const out = [];
    registry.forEach((s) => out.push({ url: s.url, scope: s.scope, running: s.running, ...s.publicStatus() }));
    return out.length === 1 ? out[0] : out;
  },
};

if (hasWindow()) window.ncNotificationStream = api;

/**
 * The hook. Options as in the original: onNotification, onConnected, onDisconnected,
 * onError (receives a message string), autoReconnect, reconnectDelay, maxReconnectAttempts,
 * plus url, onRead, onEvent (lifecycle events as {type, data}), onStatus and scope (namespaces the sharing, e.g. by user id).
 * plus transport ("auto" | "sse" | "websocket") and wsUrl.
 * Returns { isConnected, isConnecting, error, reconnectAttempts, isLeader, transport, reconnect, disconnect }.
 */
export function useNotificationStream(options = {}) {
  const url = options.url || DEFAULTS.url;
  const scope = options.scope ? String(options.scope) : "";
  const latest = useRef(options);
  latest.current = options;
  const streamRef = useRef(null);
  const [status, setStatus] = useState({
    isConnected: false,
    isConnecting: true,
    error: null,
    reconnectAttempts: 0,
    isLeader: false,
    transport: null,
  });

  useEffect(() => {
    const stream = tabStreamFor(url, scope);
    streamRef.current = stream;
    const sub = {
      callbacks: () => {
        const o = latest.current || {};
        return {
          onNotification: o.onNotification,
          onRead: o.onRead,
          onEvent: o.onEvent,
          onConnected: o.onConnected,
          onDisconnected: o.onDisconnected,
          onError: o.onError,
          onStatus: (s) => {
            setStatus(s);
            safeCall(o.onStatus, s);
          },
        };
      },
    };
    stream.setOptions(latest.current || {});
    stream.subscribe(sub);
    return () => {
      stream.unsubscribe(sub);
      if (streamRef.current === stream) streamRef.current = null;
    };
  }, [url, scope]);

  const { autoReconnect, reconnectDelay, maxReconnectAttempts, transport, wsUrl } = options;
  useEffect(() => {
    if (streamRef.current) {
      streamRef.current.setOptions({ autoReconnect, reconnectDelay, maxReconnectAttempts, transport, wsUrl });
    }
  }, [autoReconnect, reconnectDelay, maxReconnectAttempts, transport, wsUrl]);

  return {
    ...status,
    reconnect: () => streamRef.current && streamRef.current.reconnect(),
    disconnect: () => streamRef.current && streamRef.current.disconnect(),
  };
}

/** The component Reflex renders: runs the hook and renders nothing. */
export function NotificationStream(props) {
  useNotificationStream(props);
  return null;
}

export default NotificationStream;
