// mqtt-source.js — following clocks through an MQTT broker instead of Score's /ws.
//
// `/display?mqtt=ws://broker:9001&topic=score/court1` and `/courts?mqtt=...&topic=score/+`
// subscribe (MQTT over WebSockets, the vendored mqtt.js) to TOPIC/state, where each Score
// publishes its state, retained, after every change and once a second: the same
// {"state": {...}} as /ws, so the same ClockModel draws the same tenths. The rules are
// today's: jittered exponential reconnect (connection.js backoffDelay; mqtt.js's own fixed
// reconnect is off) and a watchdog that drops a connection silent for WATCHDOG_MS.
// BrokerConnection touches no DOM; `connect` (mqtt.connect's shape) can be handed in.

import mqtt from "./vendor/mqtt.esm.js";
import { localNow } from "./clock-model.js";
import { connectionHooks } from "./clock-view.js";
import { WATCHDOG_MS, retryNow, scheduleRetry } from "./connection.js";

/** A query parameter as written: unlike URLSearchParams, "+" stays "+" (MQTT's wildcard). */
function rawParam(search, name) {
  for (const part of search.replace(/^\?/, "").split("&")) {
    const at = part.indexOf("=");
    const key = at < 0 ? part : part.slice(0, at);
    if (key !== name) continue;
    try {
      return decodeURIComponent(at < 0 ? "" : part.slice(at + 1));
    } catch {
      return null; // a malformed %-escape
    }
  }
  return null;
}

/** {url, topic} from a page's query string, or null when it does not name a broker. */
export function brokerOptions(search) {
  const url = rawParam(search, "mqtt");
  if (!url) return null;
  const topic = (rawParam(search, "topic") || "score").replace(/\/+$/, "");
  return { url, topic };
}

/** The state topic under a prefix: "score/court1" -> "score/court1/state". */
export function stateTopic(prefix) {
  return `${prefix}/state`;
}

/** The court a state topic belongs to: "score/court1/state" -> "score/court1". */
export function courtOf(topic) {
  return topic.endsWith("/state") ? topic.slice(0, -"/state".length) : topic;
}

/**
 * One broker subscription, with the interface of Connection that the pages use:
 *   new BrokerConnection({url, topic, onState(state, at, court), onOpen, onClose})
 *   .start()        connect, and reconnect forever with jittered backoff
 *   .connected      true while subscribed
 *   .everOpened     true once it has been subscribed
 */
export class BrokerConnection {
  constructor({ url, topic, onState, onOpen, onClose, connect }) {
    this.url = url;
    this.topic = stateTopic(topic);
    this.onState = onState || (() => {});
    this.onOpen = onOpen || (() => {});
    this.onClose = onClose || (() => {});
    this.connect = connect || ((...args) => mqtt.connect(...args));
    this.client = null;
    this.connected = false;
    this.everOpened = false;
    this.attempt = 0;
    this.lastMessageAt = 0;
    this.reconnectTimer = null;
  }

  start() {
    this.open();
    setInterval(() => this.checkAlive(), 1000);
    if (typeof window !== "undefined") {
      window.addEventListener("online", () => this.reconnectNow());
    }
  }

  open() {
    this.reconnectTimer = null;
    const client = this.connect(this.url, {
      reconnectPeriod: 0, // ours: backoffDelay, as for /ws
      connectTimeout: WATCHDOG_MS,
      clean: true,
      keepalive: 10,
    });
    this.client = client;
    client.on("connect", () => {
      if (this.client !== client) return;
      client.subscribe(this.topic, { qos: 0 }, (error) => {
        if (this.client !== client || error) return;
        this.connected = true;
        this.everOpened = true;
        this.lastMessageAt = localNow();
        this.onOpen();
      });
    });
    client.on("message", (topic, payload) => {
      if (this.client !== client) return;
      const at = localNow();
      this.lastMessageAt = at;
      let message;
      try {
        message = JSON.parse(new TextDecoder().decode(payload));
      } catch {
        return; // not ours: ignored
      }
      if (!message || typeof message !== "object" || !message.state) return;
      this.attempt = 0; // a working subscription: the next outage starts from the shortest delay
      this.onState(message.state, at, courtOf(topic));
    });
    client.on("close", () => this.lost(client));
    client.on("error", () => this.lost(client));
  }

  lost(client) {
    if (this.client !== client) return;
    this.client = null;
    try {
      client.end(true);
    } catch {
      /* already closed */
    }
    if (this.connected) {
      this.connected = false;
      this.onClose();
    }
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    scheduleRetry(this, () => this.open());
  }

  reconnectNow() {
    if (this.client === null) retryNow(this, () => this.open());
  }

  /** Drop a subscription gone silent (every Score publishes its state once a second). */
  checkAlive() {
    if (this.connected && localNow() - this.lastMessageAt > WATCHDOG_MS) {
      this.lost(this.client);
    }
  }
}

/**
 * The page side, as clock-view.js openConnection is for /ws: every state goes into the
 * model of its court (`modelFor(court)`) and is drawn at once; body[data-connected]
 * follows the subscription.
 */
export function openBrokerConnection({ url, topic, model, modelFor, render, onOpen, onClose }) {
  return new BrokerConnection({
    url,
    topic,
    onState: (state, at, court) => {
      (modelFor ? modelFor(court) : model).apply(state, at);
      render(court);
    },
    ...connectionHooks({ render, onOpen, onClose }),
  });
}
