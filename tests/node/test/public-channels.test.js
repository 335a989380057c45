'use strict';

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { useServer } = require('../lib/server');
const {
  RawSocket, channelInfo, connectClient, serverSdk, subscribed,
} = require('../lib/clients');
const { once, Recorder } = require('../lib/wait');

const ctx = useServer();

describe('public channels', () => {
  test('an event triggered with the server SDK reaches a subscriber with its data', async () => {
    const client = await connectClient(ctx.server);
    const channel = await subscribed(client, 'news');
    const received = once(channel, 'headline');
    const response = await serverSdk(ctx.server).trigger('news', 'headline',
      { title: 'Beacon ships', tags: ['a', 'b'], n: 1 });
    assert.equal(response.status, 200);
    assert.deepEqual(await received, { title: 'Beacon ships', tags: ['a', 'b'], n: 1 });
  });

  test('string data arrives as the same string', async () => {
    const client = await connectClient(ctx.server);
    const channel = await subscribed(client, 'plain');
    const received = once(channel, 'text');
    await serverSdk(ctx.server).trigger('plain', 'text', 'hello "world" ünïcode');
    assert.equal(await received, 'hello "world" ünïcode');
  });

  test('an event triggered to several channels reaches each of them once', async () => {
    const client = await connectClient(ctx.server);
    const [a, b, c] = await Promise.all(['multi-a', 'multi-b', 'multi-c']
      .map((name) => subscribed(client, name)));
    const onA = new Recorder(a, 'ping');
    const onB = new Recorder(b, 'ping');
    const onC = new Recorder(c, 'ping');
    await serverSdk(ctx.server).trigger(['multi-a', 'multi-b'], 'ping', { to: 'ab' });
    await serverSdk(ctx.server).trigger(['multi-c'], 'ping', { to: 'c' }); // the barrier
    await onC.waitFor(1);
    await onA.waitFor(1);
    await onB.waitFor(1);
    assert.deepEqual(onA.values, [{ to: 'ab' }]);
    assert.deepEqual(onB.values, [{ to: 'ab' }]);
    assert.deepEqual(onC.values, [{ to: 'c' }]);
  });

  test('events from one publisher arrive in order', async () => {
    const client = await connectClient(ctx.server);
    const channel = await subscribed(client, 'ordered');
    const events = new Recorder(channel, 'n');
    const sdk = serverSdk(ctx.server);
    for (let i = 0; i < 20; i++) {
      await sdk.trigger('ordered', 'n', { i });
    }
    await events.waitFor(20);
    assert.deepEqual(events.values.map((v) => v.i), [...Array(20).keys()]);
  });

  test('socket_id exclusion: the excluded connection does not get the event, others do',
    async () => {
      const sender = await connectClient(ctx.server);
      const other = await connectClient(ctx.server);
      const senderChannel = await subscribed(sender, 'chat');
      const otherChannel = await subscribed(other, 'chat');
      const senderGot = new Recorder(senderChannel, 'message');
      const otherGot = new Recorder(otherChannel, 'message');

      const sdk = serverSdk(ctx.server);
      await sdk.trigger('chat', 'message', { text: 'not for the sender' },
        { socket_id: sender.connection.socket_id });
      await sdk.trigger('chat', 'message', { text: 'for everyone' });

      await otherGot.waitFor(2);
      await senderGot.waitFor(1);
      assert.deepEqual(otherGot.values, [{ text: 'not for the sender' }, { text: 'for everyone' }]);
      // the second event arrived after where the first would have: the first was never sent
      assert.deepEqual(senderGot.values, [{ text: 'for everyone' }]);
    });

  test('after unsubscribing, a connection gets no more events of that channel', async () => {
    const socket = await RawSocket.connect(ctx.server);
    await socket.subscribe('leave-me');
    await socket.subscribe('stay');
    socket.send({ event: 'pusher:unsubscribe', data: { channel: 'leave-me' } });
    await socket.roundTrip();
    const sdk = serverSdk(ctx.server);
    await sdk.trigger('leave-me', 'e', { n: 1 });
    await sdk.trigger('stay', 'e', { n: 2 });
    const event = await socket.next('e');
    assert.equal(event.channel, 'stay');
    assert.deepEqual(socket.takeAll((m) => m.channel === 'leave-me'), []);
  });

  test('subscribing twice on one connection is confirmed again but counted and served once',
    async () => {
      const sdk = serverSdk(ctx.server);
      const socket = await RawSocket.connect(ctx.server);
      for (let i = 0; i < 2; i++) {
        const answer = await socket.subscribe('twice');
        assert.equal(answer.event, 'pusher_internal:subscription_succeeded');
      }
      assert.equal((await channelInfo(sdk, 'twice')).subscription_count, 1);
      await sdk.trigger('twice', 'e', { n: 1 });
      await sdk.trigger('twice', 'last', {});
      await socket.next('last');
      assert.equal(socket.takeAll('e').length, 1);
    });
});
