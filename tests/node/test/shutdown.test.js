'use strict';

// Graceful shutdown: each test starts its own server and stops it with SIGTERM.

const { describe, test, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { defaultConfig, startServer } = require('../lib/server');
const {
  RawSocket, closeAllClients, closeCode, connectClient, subscribed,
} = require('../lib/clients');
const { once, quietPeriod, Recorder, withTimeout } = require('../lib/wait');

const GRACE = 5; // seconds
let server;

afterEach(async () => {
  closeAllClients();
  await server?.kill(); // the test has seen what it needs of the shutdown
  server = null;
});

/** A JVM stopped by SIGTERM runs its shutdown hooks and exits with 143 (128 + 15), or 0. */
function assertCleanExit({ code, signal }) {
  assert.equal(signal, null, `killed by ${signal} instead of exiting`);
  assert.ok(code === 0 || code === 143, `exit code ${code}`);
}

describe('graceful shutdown', () => {
  test('SIGTERM: connected clients are closed with 4200 and the process exits', async () => {
    // a grace period far longer than the wait below: the process exits within that wait only if
    // it did not wait out the grace (no bound on how fast a loaded machine stops)
    const longGrace = 300;
    server = await startServer({ config: defaultConfig({ shutdown_grace_seconds: longGrace }) });
    const socket = await RawSocket.connect(server);
    await socket.subscribe('before-shutdown');
    const other = await RawSocket.connect(server, { protocol: '5' });

    server.signal('SIGTERM');
    assert.equal((await socket.closed).code, 4200);
    // protocol 5 clients are told the code in a pusher:error first
    const notice = await other.next('pusher:error');
    assert.equal(notice.data.code, 4200);
    assert.equal((await other.closed).code, 4200);

    // every client left at once, so the server need not wait out the grace period
    const exit = await withTimeout(server.exited, 60_000,
      `the process to exit (before its ${longGrace} s grace period)`);
    assertCleanExit(exit);
  });

  test('SIGTERM: pusher-js is told to reconnect (4200) and the process still exits', async () => {
    server = await startServer({ config: defaultConfig({ shutdown_grace_seconds: GRACE }) });
    const client = await connectClient(server);
    await subscribed(client, 'before-shutdown');
    const error = once(client.connection, 'error');
    server.signal('SIGTERM');
    assert.equal(closeCode(await error), 4200);
    // 4200-4299 tell pusher-js to reconnect; it keeps trying while the server goes away
    const exit = await withTimeout(server.exited, (GRACE + 10) * 1000, 'the process to exit');
    assertCleanExit(exit);
    assert.notEqual(client.connection.state, 'connected');
  });

  test('SIGTERM with a client that never completes the close handshake: the process exits once '
    + 'the grace period is over', async () => {
    const grace = 1;
    server = await startServer({ config: defaultConfig({ shutdown_grace_seconds: grace }) });
    // a client on a dead network: it stops reading, so it never answers the server's close frame
    const stubborn = await RawSocket.connect(server);
    await stubborn.subscribe('stubborn');
    stubborn.ws.pause();

    server.signal('SIGTERM');
    // shutdown_grace_seconds bounds the wait for clients; allow 2 s to stop the event loops
    const exit = await withTimeout(server.exited, (grace + 2) * 1000,
      `the process to exit (shutdown_grace_seconds: ${grace})`);
    assertCleanExit(exit);
  });

  test('while draining, a pusher-js client is not made to reconnect in a tight loop', async () => {
    const grace = 2;
    server = await startServer({ config: defaultConfig({ shutdown_grace_seconds: grace }) });
    // a client that never leaves keeps the server draining for the whole grace period
    const stubborn = await RawSocket.connect(server);
    stubborn.ws.pause();
    const client = await connectClient(server);
    const errors = new Recorder(client.connection, 'error');

    server.signal('SIGTERM');
    await errors.waitFor(1); // the 4200 that asks it to reconnect
    await quietPeriod((grace - 0.5) * 1000);
    // each error is a connection attempt the draining server refused; a 4200 refusal makes
    // pusher-js retry at once, a 4100-4199 refusal (or no listener) makes it back off
    const refusals = errors.values.slice(1).map(closeCode);
    assert.ok(refusals.length <= 5,
      `${refusals.length} reconnect attempts in ${grace - 0.5} s, refused with `
      + `${[...new Set(refusals)].join(', ')}`);
  });
});
