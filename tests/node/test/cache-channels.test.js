'use strict';

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { useServer } = require('../lib/server');
const { RawSocket, connectClient, serverSdk, subscribed } = require('../lib/clients');
const { once, onceUnless, Recorder } = require('../lib/wait');

const ctx = useServer();

/**
 * Subscribes and resolves with what pusher-js saw right after the subscription succeeded: the
 * first channel event ({event, data}) or the cache miss.
 */
async function subscribeAndCatch(client, channelName) {
  const channel = client.subscribe(channelName);
  const events = [];
  channel.bind_global((event, data) => {
    if (!event.startsWith('pusher:subscription_')) {
      events.push({ event, data });
    }
  });
  await onceUnless(channel, 'pusher:subscription_succeeded', 'pusher:subscription_error');
  return { channel, events };
}

describe('cache channels', () => {
  for (const channelName of ['cache-scores', 'private-cache-scores', 'presence-cache-scores']) {
    test(`${channelName}: a cache miss first, then the last event replayed to a new subscriber`,
      async () => {
        const sdk = serverSdk(ctx.server);
        const first = await connectClient(ctx.server, { user: { id: 'first' } });
        const { channel, events: firstEvents } = await subscribeAndCatch(first, channelName);
        if (firstEvents.length === 0) {
          await once(channel, 'pusher:cache_miss');
        }
        assert.deepEqual(firstEvents.map((e) => e.event), ['pusher:cache_miss']);

        const live = once(channel, 'score');
        await sdk.trigger(channelName, 'score', { home: 1, away: 0 });
        await live;
        await sdk.trigger(channelName, 'score', { home: 2, away: 0 });

        const late = await connectClient(ctx.server, { user: { id: 'late' } });
        const { channel: lateChannel, events } = await subscribeAndCatch(late, channelName);
        if (events.length === 0) {
          await once(lateChannel, 'score');
        }
        assert.deepEqual(events[0], { event: 'score', data: { home: 2, away: 0 } });
        assert.equal(events.filter((e) => e.event === 'pusher:cache_miss').length, 0);
      });
  }

  test('the replayed event comes right after subscription_succeeded, on a raw socket', async () => {
    const sdk = serverSdk(ctx.server);
    await sdk.trigger('cache-raw', 'state', { v: 42 });
    const socket = await RawSocket.connect(ctx.server);
    socket.send({ event: 'pusher:subscribe', data: { channel: 'cache-raw' } });
    const succeeded = await socket.next(() => true);
    assert.equal(succeeded.event, 'pusher_internal:subscription_succeeded');
    const replay = await socket.next(() => true);
    assert.equal(replay.event, 'state');
    assert.equal(replay.channel, 'cache-raw');
    assert.deepEqual(replay.data, { v: 42 });
  });

  test('an ordinary channel keeps nothing: no replay and no cache_miss', async () => {
    const sdk = serverSdk(ctx.server);
    await sdk.trigger('plain-scores', 'score', { home: 9 });
    const client = await connectClient(ctx.server);
    const channel = await subscribed(client, 'plain-scores');
    const seen = new Recorder(channel, 'score');
    const misses = new Recorder(channel, 'pusher:cache_miss');
    const marker = once(channel, 'marker');
    await sdk.trigger('plain-scores', 'marker', {});
    await marker;
    assert.equal(seen.count, 0);
    assert.equal(misses.count, 0);
  });

  test('a cache channel that had events keeps the last one after its subscribers leave',
    async () => {
      const sdk = serverSdk(ctx.server);
      const first = await connectClient(ctx.server);
      await subscribed(first, 'cache-kept');
      await sdk.trigger('cache-kept', 'state', { v: 1 });
      first.disconnect();
      const socket = await RawSocket.connect(ctx.server);
      const answer = await socket.subscribe('cache-kept');
      assert.equal(answer.event, 'pusher_internal:subscription_succeeded');
      assert.deepEqual((await socket.next('state')).data, { v: 1 });
    });
});
