'use strict';

// The drain on SIGTERM (shutdown.drain_seconds): /ready answers 503 at once while pusher-js and
// the real ConvexClient keep working (and new clients still connect); then the Pusher connection
// is closed with 4200 and the Convex sync socket with 1001 (going away: ConvexClient reconnects,
// elsewhere once the load balancer moved on), and the process exits.

const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const WebSocket = require('ws');
const { ConvexClient } = require('convex/browser');
const { anyApi: api } = require('convex/server');
const { defaultConfig, startServer } = require('../lib/server');
const {
  closeAllClients, closeCode, connectClient, serverSdk, subscribed,
} = require('../lib/clients');
const { eventually, once, withTimeout } = require('../lib/wait');

// long enough for the checks below to finish inside it on a loaded machine; each check says so
// if it did not
const DRAIN = 6; // seconds

let server;
const convexClients = [];

after(async () => {
  closeAllClients();
  await Promise.all(convexClients.map((c) => c.close()));
  await server?.kill();
});

/** A ws WebSocket that records the close code of every socket ConvexClient opens. */
function recordingSocket(closes) {
  return class extends WebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('close', (event) => closes.push(event.code));
    }
  };
}

async function ready(s) {
  const response = await fetch(`${s.httpUrl}/ready`);
  return { status: response.status, body: await response.text() };
}

describe('drain on SIGTERM', () => {
  test('/ready is 503 at once while pusher-js and ConvexClient keep working; then both are '
    + 'closed (4200, 1001) and the process exits', async () => {
    server = await startServer({
      config: defaultConfig({ shutdown_grace_seconds: 5, shutdown: { drain_seconds: DRAIN } }),
    });
    assert.equal((await ready(server)).status, 200);

    const pusher = await connectClient(server);
    const channel = await subscribed(pusher, 'drain-news');
    const sdk = serverSdk(server);
    const pusherErrors = [];
    pusher.connection.bind('error', (e) => pusherErrors.push(closeCode(e)));

    const syncCloses = [];
    const token = async () => (await (await fetch(`${server.httpUrl}/dev/token?user=dora`)).json()).token;
    const convex = new ConvexClient(server.httpUrl,
      { logger: false, webSocketConstructor: recordingSocket(syncCloses) });
    convex.setAuth(token);
    convexClients.push(convex);
    let mine = null;
    convex.onUpdate(api.presence.getMyPresence, {}, (v) => {
      mine = v;
    });
    await eventually(() => mine?.online, 10_000, 'the first live result');

    const signalled = Date.now();
    server.signal('SIGTERM');
    // not ready at once, with the reason
    await eventually(async () => (await ready(server)).status === 503, 5_000, '/ready to answer 503');
    assert.match((await ready(server)).body, /DRAINING/);

    // pusher-js: an event published through the HTTP API still arrives
    const event = once(channel, 'during-drain');
    await sdk.trigger('drain-news', 'during-drain', { n: 1 });
    assert.deepEqual(await event, { n: 1 });
    // ConvexClient: a mutation is applied and the live query pushes the new result
    await withTimeout(convex.mutation(api.presence.updatePresence,
      { status: 'away', statusMessage: 'still here' }), 10_000, 'the mutation');
    await eventually(() => mine?.statusMessage === 'still here', 10_000, 'the live query to move');
    // a client that connects now is still served
    const late = await connectClient(server);
    await subscribed(late, 'drain-late');

    // every check above ran inside the drain: nothing was closed yet
    const checked = Date.now() - signalled;
    assert.deepEqual(pusherErrors, [], `pusher-js was closed during the drain (${checked} ms in)`);
    assert.deepEqual(syncCloses, [], `the sync socket was closed during the drain (${checked} ms in)`);
    assert.equal(pusher.connection.state, 'connected');
    assert.ok(checked < DRAIN * 1000,
      `the checks took ${checked} ms, longer than the ${DRAIN} s drain: they prove nothing`);

    // then: 4200 for pusher-js, 1001 for the sync socket, and the process exits
    await eventually(() => pusherErrors.length > 0, (DRAIN + 10) * 1000, 'pusher-js to be closed');
    assert.equal(pusherErrors[0], 4200);
    await eventually(() => syncCloses.length > 0, 10_000, 'the sync socket to be closed');
    assert.equal(syncCloses[0], 1001);
    assert.ok(Date.now() - signalled >= DRAIN * 1000 - 500,
      `closed ${Date.now() - signalled} ms after SIGTERM, before the ${DRAIN} s drain ended`);
    const exit = await withTimeout(server.exited, 30_000, 'the process to exit');
    assert.equal(exit.signal, null, `killed by ${exit.signal} instead of exiting`);
    assert.ok(exit.code === 0 || exit.code === 143, `exit code ${exit.code}`);
    // a normal stop logs no stack trace
    assert.doesNotMatch(server.stderr, /\n\s+at [\w.$]+\(/, server.stderr);
    assert.doesNotMatch(server.stderr, /Exception/, server.stderr);
  });

  test('a SIGTERM while connections keep arriving logs no stack trace', async () => {
    server = await startServer({
      config: defaultConfig({ shutdown_grace_seconds: 1, shutdown: { drain_seconds: 0 } }),
    });
    const s = server;
    // WebSocket upgrades opened and dropped as fast as 40 loops can, before, during and after the
    // stop: connections accepted while the server takes its listeners down must not find an event
    // loop gone (Netty used to log "Failed to register an accepted channel" with a stack trace)
    const upgrade = 'GET /app/app-key?protocol=7 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n'
      + 'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
      + 'Sec-WebSocket-Version: 13\r\n\r\n';
    let stormy = true;
    let accepted = 0;
    let upgraded = 0;
    const loop = async () => {
      while (stormy) {
        await new Promise((resolve) => {
          const c = net.connect(s.port, '127.0.0.1');
          c.on('connect', () => {
            accepted += 1;
            c.write(upgrade);
            c.once('data', (d) => {
              upgraded += d.toString().startsWith('HTTP/1.1 101') ? 1 : 0;
            });
            setTimeout(() => {
              c.destroy();
              resolve();
            }, 5);
          });
          c.on('error', () => setTimeout(resolve, 1));
        });
      }
    };
    const loops = Array.from({ length: 40 }, loop);
    // the server is busy answering them (not only the kernel's backlog taking them)
    await eventually(() => accepted > 200 && upgraded > 50, 20_000, '50 upgrades answered');
    s.signal('SIGTERM');
    const exit = await withTimeout(s.exited, 30_000, 'the process to exit');
    stormy = false;
    await Promise.all(loops);
    assert.equal(exit.signal, null, `killed by ${exit.signal} instead of exiting`);
    assert.doesNotMatch(s.stderr, /\n\s+at [\w.$]+\(/, s.stderr);
    assert.doesNotMatch(s.stderr, /Exception/, s.stderr);
    assert.match(s.stderr, /stopped in \d+ ms/);
  });
});
