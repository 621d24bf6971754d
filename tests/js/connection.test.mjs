// The WebSocket client (static/connection.js) against a fake socket and a fake fetch:
// command ids and answers, errors, the HTTP fallback with its Bearer token.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  Connection,
  STORAGE_FULL_MESSAGE,
  backoffDelay,
  normaliseError,
  wsUrlFor,
} from "../../static/connection.js";

class FakeSocket {
  static made = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    this.listeners = {};
    FakeSocket.made.push(this);
  }
  addEventListener(type, fn) {
    (this.listeners[type] ||= []).push(fn);
  }
  emit(type, event = {}) {
    if (type === "open") this.readyState = 1;
    if (type === "close") this.readyState = 3;
    for (const fn of this.listeners[type] || []) fn(event);
  }
  send(text) {
    this.sent.push(JSON.parse(text));
  }
  close() {
    this.readyState = 3;
  }
}

function connected(options = {}) {
  const seen = { states: [], errors: [] };
  const connection = new Connection({
    url: "ws://score.test/ws",
    httpBase: "http://score.test/",
    socket: FakeSocket,
    onState: (state) => seen.states.push(state),
    onError: (error) => seen.errors.push(error),
    ...options,
  });
  connection.connect();
  const socket = FakeSocket.made.at(-1);
  socket.emit("open");
  return { connection, socket, seen };
}

test("backoffDelay doubles from 0.5 s to at most 10 s, jittered ±50%", () => {
  assert.equal(backoffDelay(0, () => 0.5), 500);
  assert.equal(backoffDelay(3, () => 0.5), 4000);
  assert.equal(backoffDelay(0, () => 0), 250);
  assert.equal(backoffDelay(0, () => 0.999), 749.5);
  assert.equal(backoffDelay(50, () => 0.999), 10000);
});

test("wsUrlFor: same host, ws or wss, the token only", () => {
  assert.equal(wsUrlFor("http://10.0.0.2:8000/?x=1#y", ""), "ws://10.0.0.2:8000/ws");
  assert.equal(wsUrlFor("https://a.b/display", "t k"), "wss://a.b/ws?token=t+k");
});

test("normaliseError always gives string code and message", () => {
  assert.deepEqual(normaliseError({ code: 5 }), { code: "5", message: "Unknown error" });
  assert.deepEqual(normaliseError("boom"), { code: "error", message: "boom" });
});

test("a command gets an id and resolves with the answer carrying that id", async () => {
  const { connection, socket, seen } = connected();
  assert.equal(connection.everOpened, true);
  const answer = connection.command({ command: "start" });
  const [sent] = socket.sent;
  assert.equal(sent.command, "start");
  const state = { seconds: 9, running: true };
  socket.emit("message", { data: JSON.stringify({ state, id: sent.id }) });
  assert.deepEqual(await answer, state);
  assert.deepEqual(seen.states, [state]);
});

test("an error answer rejects that command; an error without an id goes to onError", async () => {
  const { connection, socket, seen } = connected();
  const answer = connection.command({ command: "set", seconds: 5 });
  const error = { code: "storage_full", message: STORAGE_FULL_MESSAGE };
  socket.emit("message", { data: JSON.stringify({ error, id: socket.sent[0].id }) });
  await assert.rejects(answer, error);
  socket.emit("message", { data: JSON.stringify({ error: { code: "bad_json", message: "m" } }) });
  socket.emit("message", { data: "not json" });
  assert.deepEqual(seen.errors.map((e) => e.code), ["bad_json", "bad_message"]);
});

test("a lost socket fails the commands still waiting", async () => {
  const { connection, socket } = connected();
  connection.scheduleReconnect = () => {}; // no timers in this test
  const answer = connection.command({ command: "pause" });
  socket.emit("close");
  await assert.rejects(answer, { code: "disconnected" });
  assert.equal(connection.connected, false);
});

test("while the socket is down, commands go over HTTP with the Bearer token", async () => {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url: String(url), init });
    if (String(url).endsWith("/clock")) {
      return { ok: false, status: 507, statusText: "Insufficient Storage", json: async () => null };
    }
    return { ok: true, status: 200, json: async () => ({ state: { seconds: 3, running: true } }) };
  };
  const connection = new Connection({
    url: "ws://score.test/ws",
    token: "s3cret",
    httpBase: "http://score.test/",
    socket: FakeSocket,
    fetch,
  });
  assert.deepEqual(await connection.command({ command: "start" }), { seconds: 3, running: true });
  assert.equal(calls[0].url, "http://score.test/start");
  assert.equal(calls[0].init.headers.Authorization, "Bearer s3cret");
  // A 507 without a JSON body is still the disk-full error.
  await assert.rejects(connection.command({ command: "set", seconds: 4 }), {
    code: "storage_full",
    message: STORAGE_FULL_MESSAGE,
  });
  assert.deepEqual(JSON.parse(calls[1].init.body), { seconds: 4 });
  const unreachable = new Connection({
    url: "ws://x/ws",
    httpBase: "http://x/",
    socket: FakeSocket,
    fetch: async () => {
      throw new TypeError("Failed to fetch");
    },
  });
  await assert.rejects(unreachable.command({ command: "pause" }), { code: "unreachable" });
});
