'use strict';

// Per-app switches and limits from the YAML config, as clients experience them.

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { APPS, useServer } = require('../lib/server');
const {
  RawSocket, closeCode, connectClient, createClient, errorBody, serverSdk, signedIn, subscribed,
} = require('../lib/clients');
const { eventually, once, Recorder, withTimeout } = require('../lib/wait');

const limited = { id: 'limited', key: 'limited-key', secret: 'limited-secret' };
const crowded = { id: 'crowded', key: 'crowded-key', secret: 'crowded-secret' };
const counted = { id: 'counted', key: 'counted-key', secret: 'counted-secret' };
const strict = { id: 'strict', key: 'strict-key', secret: 'strict-secret' };
const quiet = { id: 'quiet', key: 'quiet-key', secret: 'quiet-secret' };

const ctx = useServer({
  config: {
    shutdown_grace_seconds: 2,
    apps: [
      { id: APPS.main.id, key: APPS.main.key, secret: APPS.main.secret },
      { ...limited, max_connections: 3, max_payload_bytes: 100 },
      { ...crowded, max_presence_members: 2 },
      { ...counted, subscription_count_events: true },
      { ...strict, user_authentication_required: true, signin_timeout_seconds: 1 },
      { ...quiet, client_events: false },
    ],
  },
});

describe('max_connections', () => {
  test('connections over the quota are refused with 4004; a freed place can be taken again',
    async () => {
      const sockets = [];
      for (let i = 0; i < 3; i++) {
        sockets.push(await RawSocket.connect(ctx.server, { key: limited.key }));
      }
      const refused = createClient(ctx.server, { key: limited.key });
      const error = await once(refused.connection, 'error');
      assert.equal(closeCode(error), 4004);
      refused.disconnect();

      sockets[0].close();
      await sockets[0].closed;
      const admitted = await eventually(async () => {
        const socket = await RawSocket.open(ctx.server, { key: limited.key });
        const first = await Promise.race([
          socket.next('pusher:connection_established').then(() => true),
          socket.closed.then(() => false),
        ]);
        return first && socket;
      }, 15_000, 'a connection to be admitted after one closed');
      assert.equal(admitted.isOpen, true);
    });

  test('other apps are not limited by it', async () => {
    const sockets = [];
    for (let i = 0; i < 5; i++) {
      sockets.push(await RawSocket.connect(ctx.server));
    }
    assert.equal(sockets.length, 5);
  });
});

describe('max_presence_members', () => {
  test('a user over the limit is refused; another connection of a present user is not',
    async () => {
      const ann = await connectClient(ctx.server, { key: crowded.key, user: { id: 'ann' } });
      const ben = await connectClient(ctx.server, { key: crowded.key, user: { id: 'ben' } });
      const annChannel = await subscribed(ann, 'presence-full');
      const benAdded = once(annChannel, 'pusher:member_added');
      await subscribed(ben, 'presence-full');
      await benAdded;
      const added = new Recorder(annChannel, 'pusher:member_added');

      const cat = createClient(ctx.server, { key: crowded.key, user: { id: 'cat' } });
      const catChannel = cat.subscribe('presence-full');
      const error = await once(catChannel, 'pusher:subscription_error');
      assert.equal(typeof error.status, 'number');
      assert.equal(catChannel.subscribed, false);
      cat.disconnect();

      const annTab2 = await connectClient(ctx.server, { key: crowded.key, user: { id: 'ann' } });
      const tab2Channel = await subscribed(annTab2, 'presence-full');
      assert.equal(tab2Channel.members.count, 2);
      const marker = once(annChannel, 'marker');
      await serverSdk(ctx.server, crowded).trigger('presence-full', 'marker', {});
      await marker;
      assert.deepEqual(added.values, [], 'neither the refused user nor a second tab is announced');
    });
});

describe('max_payload_bytes', () => {
  test('the HTTP API refuses data over the app\'s limit with 413', async () => {
    const sdk = serverSdk(ctx.server, limited);
    const error = await sdk.trigger('small', 'e', 'x'.repeat(101)).then(() => null, (e) => e);
    assert.equal(error?.status, 413);
    assert.equal(typeof errorBody(error).error, 'string');
    assert.equal((await sdk.trigger('small', 'e', 'x'.repeat(98))).status, 200);
  });

  test('client events over the app\'s limit get pusher:error', async () => {
    const sdk = serverSdk(ctx.server, limited);
    const sender = await RawSocket.connect(ctx.server, { key: limited.key });
    const receiver = await RawSocket.connect(ctx.server, { key: limited.key });
    await sender.subscribeSigned(sdk, 'private-small');
    await receiver.subscribeSigned(sdk, 'private-small');
    sender.send({ event: 'client-big', channel: 'private-small', data: 'x'.repeat(200) });
    await sender.next('pusher:error');
    sender.send({ event: 'client-ok', channel: 'private-small', data: 'fits' });
    assert.equal((await receiver.next('client-ok')).data, 'fits');
    assert.deepEqual(receiver.takeAll('client-big'), []);
  });
});

describe('client_events: false', () => {
  test('client events are refused with pusher:error and not delivered', async () => {
    const a = await connectClient(ctx.server, { key: quiet.key });
    const b = await connectClient(ctx.server, { key: quiet.key });
    const channelA = await subscribed(a, 'private-silent');
    const channelB = await subscribed(b, 'private-silent');
    const delivered = new Recorder(channelB, 'client-hi');
    const error = once(a.connection, 'error');
    channelA.trigger('client-hi', {});
    assert.equal((await error).type, 'PusherError');
    const marker = once(channelB, 'marker');
    await serverSdk(ctx.server, quiet).trigger('private-silent', 'marker', {});
    await marker;
    assert.equal(delivered.count, 0);
  });
});

describe('subscription_count_events', () => {
  test('subscribers get pusher:subscription_count as the count changes', async () => {
    const a = await connectClient(ctx.server, { key: counted.key });
    const b = await connectClient(ctx.server, { key: counted.key });
    const channelA = await subscribed(a, 'counted-room');
    const counts = new Recorder(channelA, 'pusher:subscription_count');
    await subscribed(b, 'counted-room');
    await eventually(() => channelA.subscriptionCount === 2, 15_000, 'a count of 2');
    assert.equal(counts.values.at(-1).subscription_count, 2);

    b.disconnect();
    await eventually(() => channelA.subscriptionCount === 1, 15_000, 'a count of 1');
  });

  test('apps without the switch send no subscription_count', async () => {
    const a = await connectClient(ctx.server);
    const b = await connectClient(ctx.server);
    const channel = await subscribed(a, 'uncounted');
    const counts = new Recorder(channel, 'pusher:subscription_count');
    await subscribed(b, 'uncounted');
    // a control on an app with the switch, subscribed after b: its count event comes once the
    // delay the server gives count events (0.5 s) has passed since b's subscription too; a
    // marker on 'uncounted' after that would come behind any count event sent to it
    const control = await connectClient(ctx.server, { key: counted.key });
    const controlChannel = await subscribed(control, 'uncounted-control');
    await eventually(() => controlChannel.subscriptionCount === 1, 10_000, 'the control count');
    const marker = once(channel, 'marker');
    await serverSdk(ctx.server).trigger('uncounted', 'marker', {});
    await marker;
    assert.equal(counts.count, 0);
  });
});

describe('user_authentication_required', () => {
  test('a connection that does not sign in within signin_timeout_seconds is closed with 4009; '
    + 'a signed-in one stays', async () => {
    const signed = await signedIn(createClient(ctx.server, {
      key: strict.key, user: { id: 'vip' },
    }));
    const anonymous = await RawSocket.connect(ctx.server, { key: strict.key });
    // the app's 1 s, not the default 30 s (the wait allows for a loaded machine)
    const { code } = await withTimeout(anonymous.closed, 15_000, 'the 4009 close');
    assert.equal(code, 4009);
    assert.equal(signed.connection.state, 'connected');
    const got = once(signed.user, 'welcome');
    await serverSdk(ctx.server, strict).sendToUser('vip', 'welcome', {});
    await got;
  });
});
