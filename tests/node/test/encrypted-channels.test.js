'use strict';

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { APPS, useServer } = require('../lib/server');
const {
  RawSocket, connectClient, errorBody, serverSdk, subscribed,
} = require('../lib/clients');
const { once } = require('../lib/wait');

const ctx = useServer();
const app = APPS.encrypted;

describe('private-encrypted channels', () => {
  test('round trip: the dev auth endpoint issues the shared secret and pusher-js decrypts what '
    + 'the SDK encrypted', async () => {
    const client = await connectClient(ctx.server, { key: app.key });
    const channel = await subscribed(client, 'private-encrypted-vault');
    const received = once(channel, 'secret');
    await serverSdk(ctx.server, app).trigger('private-encrypted-vault', 'secret',
      { pin: '1234', note: 'tôp sécret' });
    assert.deepEqual(await received, { pin: '1234', note: 'tôp sécret' });
  });

  test('round trip with a custom handler signing with the SDK (authorizeChannel gives the '
    + 'shared_secret)', async () => {
    const sdk = serverSdk(ctx.server, app);
    const client = await connectClient(ctx.server, { key: app.key, sdk });
    const channel = await subscribed(client, 'private-encrypted-sdk');
    const received = once(channel, 'secret');
    await sdk.trigger('private-encrypted-sdk', 'secret', ['a', 1]);
    assert.deepEqual(await received, ['a', 1]);
  });

  test('the server relays only ciphertext', async () => {
    const sdk = serverSdk(ctx.server, app);
    const socket = await RawSocket.connect(ctx.server, { key: app.key });
    await socket.subscribeSigned(sdk, 'private-encrypted-opaque');
    await sdk.trigger('private-encrypted-opaque', 'secret', { plaintext: 'never-on-the-wire' });
    const event = await socket.next('secret');
    assert.equal(typeof event.data.nonce, 'string');
    assert.equal(typeof event.data.ciphertext, 'string');
    assert.doesNotMatch(event.raw, /never-on-the-wire/);
  });

  test('client events on an encrypted channel are refused', async () => {
    const sdk = serverSdk(ctx.server, app);
    const sender = await RawSocket.connect(ctx.server, { key: app.key });
    const other = await RawSocket.connect(ctx.server, { key: app.key });
    await sender.subscribeSigned(sdk, 'private-encrypted-chat');
    await other.subscribeSigned(sdk, 'private-encrypted-chat');
    sender.send({ event: 'client-leak', channel: 'private-encrypted-chat', data: { x: 1 } });
    const error = await sender.next('pusher:error');
    assert.equal(typeof error.data.message, 'string');
    await sender.roundTrip();
    await other.roundTrip();
    assert.deepEqual(other.takeAll('client-leak'), []);
  });

  test('pusher-js cannot subscribe without a shared_secret (an app without a master key)',
    async () => {
      const client = await connectClient(ctx.server); // the main app has no master key
      const channel = client.subscribe('private-encrypted-nokey');
      const error = await once(channel, 'pusher:subscription_error');
      assert.equal(error.type, 'AuthError');
      assert.equal(channel.subscribed, false);
    });

  test('an event to an encrypted channel and another channel is refused with 400', async () => {
    const sdk = serverSdk(ctx.server, app);
    // the SDK refuses this itself; post the body directly to check the server does too
    const failure = await sdk.post({
      path: '/events',
      body: { name: 'e', data: '{}', channels: ['private-encrypted-a', 'public-b'] },
    }).then(() => null, (e) => e);
    assert.ok(failure, 'expected the request to fail');
    assert.equal(failure.status, 400);
    assert.equal(typeof errorBody(failure).error, 'string');
  });
});
