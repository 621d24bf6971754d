// Following clocks through a broker (static/mqtt-source.js) with a fake mqtt.js client:
// the page options, subscription to TOPIC/state, each court's state, the reconnect rules.
import assert from "node:assert/strict";
import { test } from "node:test";

// The vendored mqtt.js bundle looks at `navigator` when loaded, as in a browser.
globalThis.navigator ??= { userAgent: "node" };
const { BrokerConnection, brokerOptions, courtOf, stateTopic } = await import(
  "../../static/mqtt-source.js"
);

class FakeClient {
  constructor(url, options) {
    this.url = url;
    this.options = options;
    this.handlers = {};
    this.subscribed = [];
    this.ended = false;
  }
  on(type, fn) {
    (this.handlers[type] ||= []).push(fn);
  }
  emit(type, ...args) {
    for (const fn of this.handlers[type] || []) fn(...args);
  }
  subscribe(topic, options, done) {
    this.subscribed.push(topic);
    done(null);
  }
  end() {
    this.ended = true;
  }
}

test("the page options name a broker and a topic prefix", () => {
  assert.equal(brokerOptions("?bg=transparent"), null);
  assert.deepEqual(brokerOptions("?mqtt=ws://b:9001&topic=score/court1/"), {
    url: "ws://b:9001",
    topic: "score/court1",
  });
  assert.deepEqual(brokerOptions("?mqtt=wss://b/mqtt"), { url: "wss://b/mqtt", topic: "score" });
  // "+" is MQTT's wildcard, not a space, whether written as is or as %2B.
  assert.equal(brokerOptions("?mqtt=ws://b:9001&topic=score/+").topic, "score/+");
  assert.equal(brokerOptions("?mqtt=ws%3A%2F%2Fb%3A9001&topic=score/%2B").url, "ws://b:9001");
  assert.equal(brokerOptions("?mqtt=ws://b:9001&topic=score/%2B").topic, "score/+");
  assert.equal(stateTopic("score/+"), "score/+/state");
  assert.equal(courtOf("score/court7/state"), "score/court7");
});

test("states arrive per court; a lost connection is retried with today's backoff", () => {
  const made = [];
  const states = [];
  let opened = 0;
  let closed = 0;
  const connection = new BrokerConnection({
    url: "ws://b:9001",
    topic: "score/+",
    connect: (url, options) => {
      const client = new FakeClient(url, options);
      made.push(client);
      return client;
    },
    onState: (state, at, court) => states.push([court, state.seconds]),
    onOpen: () => opened++,
    onClose: () => closed++,
  });
  connection.open();
  const [client] = made;
  assert.equal(client.options.reconnectPeriod, 0); // ours, not mqtt.js's fixed period
  client.emit("connect");
  assert.deepEqual(client.subscribed, ["score/+/state"]);
  assert.equal(connection.connected, true);
  assert.equal(opened, 1);
  const payload = (seconds) => new TextEncoder().encode(JSON.stringify({ state: { seconds } }));
  client.emit("message", "score/court1/state", payload(12));
  client.emit("message", "score/court2/state", payload(30));
  client.emit("message", "score/court2/state", new TextEncoder().encode("not json"));
  assert.deepEqual(states, [
    ["score/court1", 12],
    ["score/court2", 30],
  ]);
  client.emit("close");
  assert.equal(connection.connected, false);
  assert.equal(closed, 1);
  assert.equal(client.ended, true);
  assert.notEqual(connection.reconnectTimer, null);
  clearTimeout(connection.reconnectTimer);
  connection.reconnectTimer = null;
  // Events from the old client no longer count.
  client.emit("message", "score/court1/state", payload(99));
  assert.equal(states.length, 2);
  connection.reconnectNow();
  assert.equal(made.length, 2);
});
