'use strict';

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { APPS, useServer } = require('../lib/server');
const { RawSocket, SOCKET_ID, connectClient, createClient } = require('../lib/clients');
const { once, Recorder } = require('../lib/wait');

const ctx = useServer();

/** How pusher-js reports a refused connection: the close code in a WebSocketError. */
async function refusal(client) {
  const states = new Recorder(client.connection, 'state_change');
  const error = await once(client.connection, 'error');
  assert.equal(error.type, 'WebSocketError');
  assert.equal(error.error.type, 'PusherError');
  // a 4000-4099 code means "do not reconnect": pusher-js gives up
  if (client.connection.state !== 'disconnected') {
    await once(client.connection, 'disconnected');
  }
  // pusher-js decides while it handles the close, before it reports 'disconnected': a reconnect
  // (4100-4199 back off, 4200-4299 at once) would be a retry timer set by then. None is, so no
  // later attempt can come without a call to connect(); no wait for one is needed.
  assert.equal(client.connection.retryTimer ?? null, null, 'pusher-js scheduled a reconnect');
  assert.equal(client.connection.runner ?? null, null, 'pusher-js is still connecting');
  assert.deepEqual(states.values.filter((s) => s.current === 'connecting'), []);
  return error.error.data;
}

describe('connection', () => {
  test('pusher-js connects and gets a socket id of the form 123.456', async () => {
    const client = await connectClient(ctx.server);
    assert.equal(client.connection.state, 'connected');
    assert.match(client.connection.socket_id, SOCKET_ID);
  });

  test('each connection gets its own socket id', async () => {
    const a = await connectClient(ctx.server);
    const b = await connectClient(ctx.server);
    assert.notEqual(a.connection.socket_id, b.connection.socket_id);
  });

  test('connection_established carries the activity timeout', async () => {
    const socket = await RawSocket.connect(ctx.server);
    assert.match(socket.socketId, SOCKET_ID);
    assert.equal(socket.activityTimeout, 120);
  });

  test('unknown app key: pusher-js gets 4001 and does not reconnect', async () => {
    const client = createClient(ctx.server, { key: 'no-such-key' });
    const error = await refusal(client);
    assert.equal(error.code, 4001);
    assert.equal(typeof error.message, 'string');
  });

  test('disabled app: pusher-js gets 4003 and does not reconnect', async () => {
    const client = createClient(ctx.server, { key: APPS.disabled.key });
    const error = await refusal(client);
    assert.equal(error.code, 4003);
  });
});

describe('connection refusals on a raw WebSocket', () => {
  const cases = [
    ['no ?protocol', { protocol: null }, 4008],
    ['?protocol=abc', { protocol: 'abc' }, 4006],
    ['?protocol=4', { protocol: '4' }, 4007],
    ['?protocol=8', { protocol: '8' }, 4007],
    ['a path below /app/{key}', { path: '/app/app-key/extra' }, 4005],
    ['an unknown key', { key: 'no-such-key' }, 4001],
    ['a disabled app', { key: APPS.disabled.key }, 4003],
  ];

  for (const [what, options, code] of cases) {
    test(`${what} is closed with ${code}`, async () => {
      const socket = await RawSocket.open(ctx.server, options);
      const { code: closeCode } = await socket.closed;
      assert.equal(closeCode, code);
      assert.deepEqual(socket.takeAll('pusher:connection_established'), []);
    });
  }

  test('protocol 5 clients first get a pusher:error with the code, then the close', async () => {
    const socket = await RawSocket.open(ctx.server, { key: 'no-such-key', protocol: '5' });
    const error = await socket.next('pusher:error');
    assert.equal(error.data.code, 4001);
    assert.equal(typeof error.data.message, 'string');
    assert.equal((await socket.closed).code, 4001);
  });

  test('protocol 5 on a bad path: pusher:error 4005, then the close', async () => {
    const socket = await RawSocket.open(ctx.server, { path: '/app/app-key/extra', protocol: '5' });
    const error = await socket.next('pusher:error');
    assert.equal(error.data.code, 4005);
    assert.equal((await socket.closed).code, 4005);
  });

  test('protocol 5, 6 and 7 are accepted', async () => {
    for (const protocol of ['5', '6', '7']) {
      const socket = await RawSocket.connect(ctx.server, { protocol });
      assert.match(socket.socketId, SOCKET_ID, `protocol ${protocol}`);
    }
  });
});
