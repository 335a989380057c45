'use strict';

// Webhooks caused by real pusher-js clients, received by local HTTP receivers and checked with
// the `pusher` server SDK's webhook().isValid(); the 3-second grace before channel_vacated and
// member_removed at its default.

const { describe, test, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { APPS, defaultConfig, startServer } = require('../lib/server');
const {
  closeAllClients, connectClient, serverSdk, subscribed, subscriptionCount,
} = require('../lib/clients');
const { WebhookReceiver, describe: name } = require('../lib/webhooks');

const ctx = { server: null, all: null, presence: null };

before(async () => {
  ctx.all = await WebhookReceiver.start();
  ctx.presence = await WebhookReceiver.start();
  const config = defaultConfig();
  config.apps[0].subscription_count_events = false;
  config.apps[0].webhooks = [
    {
      url: ctx.all.url,
      // a comma-separated string, as the environment variable takes it (lib/server.js writes
      // arrays of objects only)
      event_types: 'channel_occupied,channel_vacated,member_added,member_removed,client_event,'
        + 'subscription_count,cache_miss,user_online,user_offline',
      headers: { 'X-Env': 'test' },
    },
    {
      url: ctx.presence.url,
      event_types: 'member_added,member_removed',
      filter: { channel_name_starts_with: 'presence-' },
    },
  ];
  ctx.server = await startServer({ config });
});

afterEach(() => closeAllClients());

after(async () => {
  closeAllClients();
  await ctx.server?.stop();
  await ctx.all?.close();
  await ctx.presence?.close();
});

const ann = { id: 'ann', info: { name: 'Ann' } };
const bob = { id: 'bob', info: { name: 'Bob' } };

/** Waits for an event on the all-types receiver matching name/channel/user and more. */
function hook(event, channel, extra = {}) {
  return ctx.all.events.next((e) => e.name === event && (channel === undefined || e.channel === channel)
    && Object.entries(extra).every(([k, v]) => e[k] === v), 10_000);
}

/**
 * A marker: a channel occupied and left now, whose channel_vacated comes one grace period later.
 * Anything the server decided before it (a vacate or removal due earlier) has arrived by then,
 * since each endpoint's events are delivered in order.
 */
async function marker(label) {
  const channel = `marker-${label}-${Date.now()}`;
  const client = await connectClient(ctx.server, {});
  await subscribed(client, channel);
  client.unsubscribe(channel);
  await hook('channel_vacated', channel);
}

describe('webhooks from pusher-js clients', () => {
  test('channel_occupied, member_added once per user, and the vacate after the grace', async () => {
    const tab1 = await connectClient(ctx.server, { user: ann });
    const tab2 = await connectClient(ctx.server, { user: ann });
    await subscribed(tab1, 'presence-lobby');
    await subscribed(tab2, 'presence-lobby');
    await hook('channel_occupied', 'presence-lobby');
    await hook('member_added', 'presence-lobby', { user_id: 'ann' });
    await hook('user_online', undefined, { user_id: 'ann' });

    tab1.disconnect();
    tab2.disconnect();
    const removed = await hook('member_removed', 'presence-lobby', { user_id: 'ann' });
    const vacated = await hook('channel_vacated', 'presence-lobby');
    assert.ok(ctx.all.events.values.indexOf(removed) < ctx.all.events.values.indexOf(vacated),
      'member_removed before channel_vacated');
    await hook('user_offline', undefined, { user_id: 'ann' });
    await marker('lobby');
    assert.deepEqual(ctx.all.names((e) => e.channel === 'presence-lobby'), [
      'channel_occupied presence-lobby', 'member_added presence-lobby ann',
      'member_removed presence-lobby ann', 'channel_vacated presence-lobby']);
    // the filtered endpoint got only its presence member events
    assert.deepEqual(ctx.presence.names((e) => e.channel === 'presence-lobby'), [
      'member_added presence-lobby ann', 'member_removed presence-lobby ann']);
    ctx.all.assertAllValid(serverSdk(ctx.server));
    ctx.presence.assertAllValid(serverSdk(ctx.server));
    assert.equal(ctx.all.requests[0].headers['x-env'], 'test');
    assert.equal(ctx.all.requests[0].headers['content-type'], 'application/json');
    assert.equal(ctx.all.requests[0].headers['x-pusher-key'], APPS.main.key);
  });

  test('a reconnect within the grace sends nothing; staying away sends one removal and one vacate',
    async () => {
      const first = await connectClient(ctx.server, { user: bob });
      await subscribed(first, 'presence-grace');
      await hook('member_added', 'presence-grace', { user_id: 'bob' });

      first.disconnect();
      const again = await connectClient(ctx.server, { user: bob });
      await subscribed(again, 'presence-grace');
      await marker('reconnect');
      assert.deepEqual(ctx.all.names((e) => e.channel === 'presence-grace'), [
        'channel_occupied presence-grace', 'member_added presence-grace bob']);

      again.disconnect();
      await hook('channel_vacated', 'presence-grace');
      await marker('away');
      assert.deepEqual(ctx.all.names((e) => e.channel === 'presence-grace'), [
        'channel_occupied presence-grace', 'member_added presence-grace bob',
        'member_removed presence-grace bob', 'channel_vacated presence-grace']);
      assert.deepEqual(ctx.presence.names((e) => e.channel === 'presence-grace'), [
        'member_added presence-grace bob', 'member_removed presence-grace bob']);
      ctx.all.assertAllValid(serverSdk(ctx.server));
    });

  test('client_event carries the sender, and user_id on presence channels', async () => {
    const a = await connectClient(ctx.server, { user: ann });
    const b = await connectClient(ctx.server, { user: bob });
    const pa = await subscribed(a, 'presence-chat');
    await subscribed(b, 'presence-chat');
    const xa = await subscribed(a, 'private-notes');
    pa.trigger('client-typing', { typing: true });
    xa.trigger('client-note', 'plain text');
    const typing = await hook('client_event', 'presence-chat');
    assert.equal(typing.event, 'client-typing');
    assert.equal(typing.user_id, 'ann');
    assert.equal(typing.socket_id, a.connection.socket_id);
    assert.deepEqual(JSON.parse(typing.data), { typing: true });
    const note = await hook('client_event', 'private-notes');
    assert.equal(note.event, 'client-note');
    assert.equal(note.user_id, undefined);
    assert.equal(note.data, 'plain text');
    ctx.all.assertAllValid(serverSdk(ctx.server));
  });

  test('subscription_count on public channels, cache_miss once per empty cache channel', async () => {
    const sdk = serverSdk(ctx.server);
    const a = await connectClient(ctx.server, {});
    const b = await connectClient(ctx.server, {});
    await subscribed(a, 'scores');
    await hook('subscription_count', 'scores', { subscription_count: 1 });
    await subscribed(b, 'scores');
    await hook('subscription_count', 'scores', { subscription_count: 2 });

    await subscribed(a, 'cache-weather');
    await subscribed(b, 'cache-weather');
    await subscriptionCount(sdk, 'cache-weather', 2);
    await hook('cache_miss', 'cache-weather');
    await sdk.trigger('cache-weather', 'update', { t: 20 });
    a.unsubscribe('cache-weather');
    await hook('subscription_count', 'cache-weather', { subscription_count: 1 });
    await subscribed(a, 'cache-weather'); // served from the cache: no miss
    await hook('subscription_count', 'cache-weather', { subscription_count: 2 });
    assert.deepEqual(ctx.all.names((e) => e.name === 'cache_miss'), ['cache_miss cache-weather']);
    assert.equal(ctx.presence.names((e) => e.channel === 'scores').length, 0);
    ctx.all.assertAllValid(sdk);
  });
});
