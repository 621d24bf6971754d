// A fast webhook receiver for bench/bench_webhooks.py's backlog figure (Node's http).
//
// The Python receivers cap at a few thousand requests a second on this machine, so
// they, not the sender, would be measured. This one answers 204 at once, keeps every
// event id it gets (to check order and count) and prints one request in SAMPLE, its
// headers and body, as a JSON line on stdout: the bench checks those signatures with
// the `standardwebhooks` Python library (the real implementation the tests use).
//
//   node bench/webhook_receiver.js EXPECTED SAMPLE
//
// stdout: `listening PORT`, then `sample {...}` lines, then, once EXPECTED distinct
// events arrived, `done {"first_ms", "last_ms", "requests", "distinct", "in_order"}`.
// It ends when its stdin closes.
"use strict";
const http = require("http");

const expected = Number(process.argv[2]);
const sample = Number(process.argv[3] || 1000);
const seen = new Set();
let requests = 0;
let lastAccepted = 0;
let inOrder = true;
let firstMs = null;

const server = http.createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks).toString();
    const id = JSON.parse(body).event_id;
    const now = performance.timeOrigin + performance.now();
    if (firstMs === null) firstMs = now;
    requests += 1;
    // In order: each event is the one after the last, or a resend of an earlier one
    // (at least once: a resend goes back, then forward again in order).
    if (id > lastAccepted + 1) inOrder = false;
    lastAccepted = id;
    if (requests % sample === 1 || sample === 1) {
      const headers = {
        "webhook-id": request.headers["webhook-id"],
        "webhook-timestamp": request.headers["webhook-timestamp"],
        "webhook-signature": request.headers["webhook-signature"],
      };
      process.stdout.write("sample " + JSON.stringify({ headers, body }) + "\n");
    }
    seen.add(id);
    response.writeHead(204);
    response.end();
    if (seen.size === expected) {
      const done = { first_ms: firstMs, last_ms: now, requests, distinct: seen.size, in_order: inOrder };
      process.stdout.write("done " + JSON.stringify(done) + "\n");
    }
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
