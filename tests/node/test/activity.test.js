'use strict';

// A server of its own with a 1 s activity timeout and a 1 s pong timeout. The tests wait for
// timeouts, so they run side by side; each has a silent connection whose 4201 close shows that
// the server's liveness check ran. No test bounds how long the server may take (a loaded machine
// is slow, not wrong): a lower bound shows the server waited for the pong, and a silent
// connection opened later and closed shows a full ping + pong cycle went by.

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { defaultConfig, useServer } = require('../lib/server');
const { RawSocket, connectClient, serverSdk, subscribed } = require('../lib/clients');
const { once, Recorder, withTimeout } = require('../lib/wait');

const ctx = useServer({
  concurrentTests: true,
  config: defaultConfig({ websocket: { activity_timeout: 1, pong_timeout: 1 } }),
});

/**
 * Opens a connection that answers nothing and waits for the server to close it with 4201: once it
 * returns, the server has run a whole liveness cycle (activity timeout, ping, pong timeout) that
 * started after the call. A marker in time, instead of a sleep.
 */
async function fullLivenessCycle() {
  const silent = await RawSocket.connect(ctx.server, { autoPong: false });
  const { code } = await withTimeout(silent.closed, 15_000, 'a silent connection to be closed');
  assert.equal(code, 4201);
}

describe('activity timeout', { concurrency: true }, () => {
  test('connection_established announces the configured activity timeout', async () => {
    const socket = await RawSocket.connect(ctx.server);
    assert.equal(socket.activityTimeout, 1);
  });

  test('a silent client that answers neither pusher:ping nor WebSocket pings is closed with 4201',
    async () => {
      const started = Date.now();
      // autoPong: false — the ws library would otherwise answer the server's ping frames
      const silent = await RawSocket.connect(ctx.server, { autoPong: false });
      const pinged = await silent.next('pusher:ping', 15_000);
      assert.ok(pinged);
      const { code } = await withTimeout(silent.closed, 15_000, 'the 4201 close');
      assert.equal(code, 4201);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 1500, `closed after ${elapsed} ms, before ping + pong timeout`);
    });

  test('a client that answers pusher:ping with pusher:pong stays connected', async () => {
    const socket = await RawSocket.connect(ctx.server, { autoPong: false });
    const silent = await RawSocket.connect(ctx.server, { autoPong: false });
    for (let i = 0; i < 2; i++) {
      await socket.next('pusher:ping', 15_000);
      socket.send({ event: 'pusher:pong', data: {} });
    }
    assert.equal((await silent.closed).code, 4201, 'the control connection was closed');
    assert.equal(socket.isOpen, true);
  });

  test('a client that answers only WebSocket ping frames stays connected', async () => {
    const socket = await RawSocket.connect(ctx.server, { autoPong: true });
    await fullLivenessCycle();
    await fullLivenessCycle(); // the socket went through at least one whole ping + pong cycle
    assert.equal(socket.isOpen, true);
  });

  test('a presence member whose network died is removed once the pong timeout has expired',
    async () => {
      const sdk = serverSdk(ctx.server);
      const watcher = await connectClient(ctx.server, { user: { id: 'watcher' } });
      const channel = await subscribed(watcher, 'presence-liveness');
      const ghost = await RawSocket.connect(ctx.server, { autoPong: false });
      await ghost.subscribeSigned(sdk, 'presence-liveness', { user_id: 'ghost' });
      const joined = Date.now();
      // a dead network: nothing is read any more, not even the server's close frame
      ghost.ws.pause();
      // 1 s activity timeout + 1 s pong timeout (the wait allows for a loaded machine)
      const removed = await once(channel, 'pusher:member_removed', 15_000);
      assert.equal(removed.id, 'ghost');
      assert.ok(Date.now() - joined >= 1500);
    });

  test('pusher-js with its defaults stays connected and keeps receiving', async () => {
    const client = await connectClient(ctx.server);
    const channel = await subscribed(client, 'heartbeat');
    const states = new Recorder(client.connection, 'state_change');
    await fullLivenessCycle();
    await fullLivenessCycle(); // a further ping + pong timeout cycle, all of it while connected

    assert.equal(client.connection.state, 'connected');
    assert.deepEqual(states.values, []);
    const received = once(channel, 'beat');
    await serverSdk(ctx.server).trigger('heartbeat', 'beat', {});
    await received;
  });
});
