'use strict';

// Graceful shutdown: each test starts its own server and stops it with SIGTERM.

const { describe, test, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { defaultConfig, startServer } = require('../lib/server');
const {
  RawSocket, closeAllClients, closeCode, connectClient, subscribed,
} = require('../lib/clients');
const { once, Recorder, withTimeout } = require('../lib/wait');

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
    // without the grace period the process would wait for this client for ever (it never reads
    // again); the bound leaves a loaded machine all the time it needs to stop the event loops
    const exit = await withTimeout(server.exited, 60_000,
      `the process to exit (shutdown_grace_seconds: ${grace})`);
    assertCleanExit(exit);
  });

  test('while draining, a pusher-js client is not made to reconnect in a tight loop', async () => {
    // a client that never leaves keeps the server in its grace period (long: the test ends it)
    server = await startServer({ config: defaultConfig({ shutdown_grace_seconds: 120 }) });
    const stubborn = await RawSocket.connect(server);
    stubborn.ws.pause();
    const client = await connectClient(server);
    const errors = new Recorder(client.connection, 'error');
    const refused = once(client.connection, 'error', 15_000, (e) => closeCode(e) !== 4200);

    server.signal('SIGTERM');
    // pusher-js reconnects at once after the 4200; the draining server refuses that attempt. A
    // 4200 refusal would make pusher-js retry at once again, in a tight loop; 4100-4199 makes it
    // back off (1 s, then longer)
    const code = closeCode(await refused);
    const codes = errors.values.map(closeCode);
    assert.ok(code >= 4100 && code < 4200, `errors: ${codes.join(', ')}`);
    // before it, only the one 4200 close (pusher-js reports a close twice: the connection's
    // PusherError, then the manager's WebSocketError around it), no 4200 refusal
    const before = codes.slice(0, codes.indexOf(code));
    assert.ok(before.length >= 1 && before.length <= 2 && before.every((c) => c === 4200),
      `errors: ${codes.join(', ')}`);
  });
});
