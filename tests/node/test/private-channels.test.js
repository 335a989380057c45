'use strict';

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { useServer } = require('../lib/server');
const { RawSocket, connectClient, serverSdk, subscribed } = require('../lib/clients');
const { once } = require('../lib/wait');

const ctx = useServer();

/** A channelAuthorization whose signature is well-formed but wrong. */
const forgedAuthorization = {
  customHandler: ({ socketId, channelName }, callback) => {
    callback(null, { auth: `app-key:${'0'.repeat(64)}` });
  },
};

describe('private channels', () => {
  test('pusher-js subscribes through the auth endpoint (ajax transport) and gets events',
    async () => {
      const client = await connectClient(ctx.server);
      const channel = await subscribed(client, 'private-orders');
      assert.equal(channel.subscribed, true);
      const received = once(channel, 'created');
      await serverSdk(ctx.server).trigger('private-orders', 'created', { id: 7 });
      assert.deepEqual(await received, { id: 7 });
    });

  test('pusher-js subscribes with a custom handler signing with the server SDK', async () => {
    const sdk = serverSdk(ctx.server);
    const client = await connectClient(ctx.server, { sdk });
    const channel = await subscribed(client, 'private-sdk-signed');
    const received = once(channel, 'created');
    await sdk.trigger('private-sdk-signed', 'created', { id: 8 });
    assert.deepEqual(await received, { id: 8 });
  });

  test('a wrong signature gives pusher:subscription_error AuthError 401, and the connection '
    + 'keeps working', async () => {
    const client = await connectClient(ctx.server, { channelAuthorization: forgedAuthorization });
    const channel = client.subscribe('private-vault');
    const error = await once(channel, 'pusher:subscription_error');
    assert.equal(error.type, 'AuthError');
    assert.equal(error.status, 401);
    assert.equal(channel.subscribed, false);

    const events = await subscribed(client, 'after-the-error');
    const received = once(events, 'still-here');
    await serverSdk(ctx.server).trigger(['private-vault', 'after-the-error'], 'still-here', {});
    assert.deepEqual(await received, {});
    assert.equal(client.connection.state, 'connected');
  });

  test('the connection that failed to subscribe gets no events of the channel', async () => {
    const socket = await RawSocket.connect(ctx.server);
    const answer = await socket.subscribe('private-locked', { auth: `app-key:${'ab'.repeat(32)}` });
    assert.equal(answer.event, 'pusher:subscription_error');
    assert.equal(answer.data.type, 'AuthError');
    assert.equal(answer.data.status, 401);
    await socket.subscribe('barrier');
    const sdk = serverSdk(ctx.server);
    await sdk.trigger('private-locked', 'secret', {});
    await sdk.trigger('barrier', 'done', {});
    await socket.next('done');
    assert.deepEqual(socket.takeAll('secret'), []);
  });

  test('a signature for another socket id is refused', async () => {
    const sdk = serverSdk(ctx.server);
    const victim = await RawSocket.connect(ctx.server);
    const thief = await RawSocket.connect(ctx.server);
    const stolen = sdk.authorizeChannel(victim.socketId, 'private-mine');
    const answer = await thief.subscribe('private-mine', stolen);
    assert.equal(answer.event, 'pusher:subscription_error');
    assert.equal(answer.data.status, 401);
    assert.equal((await victim.subscribe('private-mine', stolen)).event,
      'pusher_internal:subscription_succeeded');
  });

  test('a subscription without auth is refused', async () => {
    const socket = await RawSocket.connect(ctx.server);
    const answer = await socket.subscribe('private-noauth');
    assert.equal(answer.event, 'pusher:subscription_error');
    assert.equal(answer.data.type, 'AuthError');
    assert.equal(answer.data.status, 401);
  });

  test('a signature made with another app\'s secret is refused', async () => {
    const socket = await RawSocket.connect(ctx.server);
    const wrongSecret = serverSdk(ctx.server, { id: 'app-id', key: 'app-key', secret: 'nope' });
    const answer = await socket.subscribe('private-x',
      wrongSecret.authorizeChannel(socket.socketId, 'private-x'));
    assert.equal(answer.event, 'pusher:subscription_error');
    assert.equal(answer.data.status, 401);
  });
});
