'use strict';

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { useServer } = require('../lib/server');
const {
  connectClient, errorBody, serverSdk, subscribed, subscriptionCount,
} = require('../lib/clients');
const { Recorder } = require('../lib/wait');

const ctx = useServer();

/** Resolves with the SDK's RequestError; fails the test if the request succeeded. */
async function failure(request) {
  const error = await request.then(() => null, (e) => e);
  assert.ok(error, 'expected the request to fail');
  assert.ok(error.status, `expected an HTTP error, got ${error}`);
  return error;
}

/** Asserts an error status and the {"error": "..."} body. */
async function assertError(request, status) {
  const error = await failure(request);
  assert.equal(error.status, status, error.body);
  const body = errorBody(error);
  assert.equal(typeof body.error, 'string');
  assert.ok(body.error.length > 0);
  return body;
}

async function json(request) {
  const response = await request;
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^application\/json/);
  return response.json();
}

/** Two presence members (one with two connections) and two public subscribers. */
async function populate(prefix) {
  const users = [
    { id: `${prefix}-u1`, info: { n: 1 } },
    { id: `${prefix}-u2`, info: { n: 2 } },
    { id: `${prefix}-u2`, info: { n: 2 } },
  ];
  const clients = await Promise.all(users.map((user) => connectClient(ctx.server, { user })));
  for (const client of clients) {
    await subscribed(client, `presence-${prefix}`);
  }
  await subscribed(clients[0], `public-${prefix}`);
  await subscribed(clients[1], `public-${prefix}`);
  // in a cluster a public subscription reaches the cluster's count in Redis just after its
  // subscription_succeeded (a presence subscription before it): an API read on another node may
  // be a moment early (docs/CLUSTER.md); on one node this answers at once
  await subscriptionCount(serverSdk(ctx.server), `public-${prefix}`, 2);
  return clients;
}

describe('HTTP API: events', () => {
  test('trigger answers 200 with an empty JSON object', async () => {
    const body = await json(serverSdk(ctx.server).trigger('anything', 'e', { a: 1 }));
    assert.deepEqual(body, {});
  });

  test('trigger with info returns subscription_count and user_count', async () => {
    await populate('info');
    const sdk = serverSdk(ctx.server);
    const presence = await json(sdk.trigger('presence-info', 'e', {},
      { info: 'user_count,subscription_count' }));
    assert.deepEqual(presence, {
      channels: { 'presence-info': { user_count: 2, subscription_count: 3 } },
    });
    const pub = await json(sdk.trigger(['public-info', 'empty-info'], 'e', {},
      { info: 'subscription_count' }));
    assert.deepEqual(pub, {
      channels: {
        'public-info': { subscription_count: 2 },
        'empty-info': { subscription_count: 0 },
      },
    });
  });

  test('trigger with info=user_count on a public channel is delivered, answered without a user count', async () => {
    const client = await connectClient(ctx.server);
    const channel = await subscribed(client, 'public-x');
    const got = new Recorder(channel, 'e');
    const body = await json(serverSdk(ctx.server).trigger('public-x', 'e', { n: 1 },
      { info: 'user_count' }));
    assert.deepEqual(body, { channels: { 'public-x': {} } });
    await got.waitFor(1);
    assert.deepEqual(got.values, [{ n: 1 }]);
  });

  test('triggerBatch of 10 events delivers all of them', async () => {
    const client = await connectClient(ctx.server);
    const channels = await Promise.all(['batch-a', 'batch-b'].map((c) => subscribed(client, c)));
    const onA = new Recorder(channels[0], 'item');
    const onB = new Recorder(channels[1], 'item');
    const batch = [...Array(10).keys()].map((i) => ({
      channel: i % 2 === 0 ? 'batch-a' : 'batch-b', name: 'item', data: { i },
    }));
    const body = await json(serverSdk(ctx.server).triggerBatch(batch));
    assert.deepEqual(body, {});
    await onA.waitFor(5);
    await onB.waitFor(5);
    assert.deepEqual(onA.values.map((d) => d.i), [0, 2, 4, 6, 8]);
    assert.deepEqual(onB.values.map((d) => d.i), [1, 3, 5, 7, 9]);
  });

  test('triggerBatch with info returns one result per event', async () => {
    await populate('batchinfo');
    const body = await json(serverSdk(ctx.server).triggerBatch([
      { channel: 'presence-batchinfo', name: 'e', data: {}, info: 'user_count,subscription_count' },
      { channel: 'public-batchinfo', name: 'e', data: {}, info: 'subscription_count' },
      { channel: 'public-batchinfo', name: 'e', data: {} },
    ]));
    assert.deepEqual(body, {
      batch: [{ user_count: 2, subscription_count: 3 }, { subscription_count: 2 }, {}],
    });
  });

  test('triggerBatch of 11 events is refused with 400 and delivers none', async () => {
    const client = await connectClient(ctx.server);
    const channel = await subscribed(client, 'batch-too-big');
    const got = new Recorder(channel, 'item');
    const batch = [...Array(11).keys()].map((i) => ({
      channel: 'batch-too-big', name: 'item', data: { i },
    }));
    await assertError(serverSdk(ctx.server).triggerBatch(batch), 400);
    const marker = new Recorder(channel, 'marker');
    await serverSdk(ctx.server).trigger('batch-too-big', 'marker', {});
    await marker.waitFor(1);
    assert.equal(got.count, 0);
  });
});

describe('HTTP API: channels', () => {
  test('GET /channels lists occupied channels', async () => {
    await populate('list');
    const body = await json(serverSdk(ctx.server).get({ path: '/channels' }));
    assert.ok(body.channels['presence-list'], JSON.stringify(body));
    assert.ok(body.channels['public-list'], JSON.stringify(body));
    assert.equal(body.channels['never-used'], undefined);
  });

  test('filter_by_prefix may hold ";" (a channel-name character the SDK sends unencoded)', async () => {
    const client = await connectClient(ctx.server, { user: { id: 'semi' } });
    await subscribed(client, 'presence-a=b@c,d;e');
    await subscribed(client, 'presence-a=b@c,d;f');
    const body = await json(serverSdk(ctx.server).get({
      path: '/channels', params: { filter_by_prefix: 'presence-a=b@c,d;e', info: 'user_count' },
    }));
    assert.deepEqual(body.channels, { 'presence-a=b@c,d;e': { user_count: 1 } });
  });

  test('GET /channels?filter_by_prefix=presence-&info=user_count gives user counts', async () => {
    await populate('users');
    const body = await json(serverSdk(ctx.server).get({
      path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count' },
    }));
    assert.deepEqual(body.channels['presence-users'], { user_count: 2 });
    for (const name of Object.keys(body.channels)) {
      assert.match(name, /^presence-/);
    }
  });

  test('GET /channels?info=user_count without a presence- prefix is refused with 400',
    async () => {
      const sdk = serverSdk(ctx.server);
      await assertError(sdk.get({ path: '/channels', params: { info: 'user_count' } }), 400);
      await assertError(sdk.get({
        path: '/channels', params: { filter_by_prefix: 'private-', info: 'user_count' },
      }), 400);
    });

  test('GET /channels/{name} with info=subscription_count,user_count', async () => {
    await populate('one');
    const sdk = serverSdk(ctx.server);
    const presence = await json(sdk.get({
      path: '/channels/presence-one', params: { info: 'subscription_count,user_count' },
    }));
    assert.deepEqual(presence, { occupied: true, subscription_count: 3, user_count: 2 });
    const pub = await json(sdk.get({
      path: '/channels/public-one', params: { info: 'subscription_count' },
    }));
    assert.deepEqual(pub, { occupied: true, subscription_count: 2 });
    const empty = await json(sdk.get({ path: '/channels/nobody-here' }));
    assert.deepEqual(empty, { occupied: false });
  });

  test('GET /channels/{public channel}?info=user_count is refused with 400', async () => {
    await assertError(serverSdk(ctx.server).get({
      path: '/channels/public-one', params: { info: 'user_count' },
    }), 400);
  });

  test('GET /channels/{presence channel}/users lists each user once', async () => {
    await populate('roster');
    const body = await json(serverSdk(ctx.server).get({ path: '/channels/presence-roster/users' }));
    assert.deepEqual(body.users.map((u) => u.id).sort(), ['roster-u1', 'roster-u2']);
  });

  test('GET /channels/{non-presence channel}/users is refused with 400', async () => {
    const sdk = serverSdk(ctx.server);
    await assertError(sdk.get({ path: '/channels/public-roster/users' }), 400);
    await assertError(sdk.get({ path: '/channels/private-roster/users' }), 400);
  });

  test('counts drop when clients leave', async () => {
    const clients = await populate('leave');
    const sdk = serverSdk(ctx.server);
    clients[2].disconnect(); // u2's second connection: u2 stays
    await subscriptionCount(sdk, 'presence-leave', 2);
    const still = await json(sdk.get({
      path: '/channels/presence-leave', params: { info: 'user_count' },
    }));
    assert.deepEqual(still, { occupied: true, user_count: 2 });
    clients[0].disconnect();
    clients[1].disconnect();
    await subscriptionCount(sdk, 'presence-leave', 0);
    const body = await json(sdk.get({ path: '/channels' }));
    assert.equal(body.channels['presence-leave'], undefined);
    assert.equal(body.channels['public-leave'], undefined);
  });
});
