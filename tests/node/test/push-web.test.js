'use strict';

// Web Push end to end: devices registered with the `convex` client (push:register and the
// drop-in pushSubscriptions:create), notifications for offline users delivered to a local push
// service that checks the VAPID token and decrypts each message with the subscription's private
// key through the `http_ece` package (lib/push-service.js), retries and dead endpoints.

const { after, before, describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { ConvexHttpClient } = require('convex/browser');
const { anyApi: api } = require('convex/server');
const { useServer } = require('../lib/server');
const { httpAsBackend, httpAsUser } = require('../lib/convex-http');
const { PushService } = require('../lib/push-service');
const { eventually } = require('../lib/wait');

const push = new PushService();
before(() => push.start());
after(() => push.stop());

// development mode (the default): Beacon makes the VAPID key pair, and accepts http:// push
// endpoints on loopback, which the local push service is
const ctx = useServer();

function asUser(user) {
  return httpAsUser(ctx.server, user);
}

function asBackend() {
  return httpAsBackend(ctx.server);
}

async function vapidKey() {
  const response = await fetch(`${ctx.server.httpUrl}/push/vapid-public-key?app=app-key`);
  assert.equal(response.status, 200);
  return (await response.json()).publicKey;
}

describe('Web Push', () => {
  test('the VAPID public key is served over HTTP and as a query', async () => {
    const key = await vapidKey();
    assert.equal(Buffer.from(key, 'base64url').length, 65);
    const anyone = new ConvexHttpClient(ctx.server.httpUrl, { logger: false });
    assert.equal(await anyone.query(api.push.getVapidPublicKey, {}), key);
    const unknown = await fetch(`${ctx.server.httpUrl}/push/vapid-public-key?app=nope`);
    assert.equal(unknown.status, 404);
    assert.match((await unknown.json()).error, /Unknown app/);
  });

  test('an offline user gets the notification as an encrypted push signed with the app key', async () => {
    const ann = await asUser('ann');
    const sub = push.subscribe();
    const deviceId = await ann.mutation(api.push.register, { kind: 'web', subscription: sub.toJSON() });
    const mine = await ann.query(api.push.listMine, {});
    assert.deepEqual(mine.map((d) => [d._id, d.kind, d.endpoint]), [[deviceId, 'web', sub.endpoint]]);

    const id = await asBackend().mutation(api.notifications.pushNotification, {
      userId: 'ann', type: 'dm', title: 'Hello Ann', body: 'Bob wrote ✓', data: { chat: 'c1', url: '/c/c1' },
    });
    const [received] = await eventually(() => push.to(sub.path).length && push.to(sub.path),
      15_000, 'the push');
    assert.deepEqual(received.message, {
      id, title: 'Hello Ann', body: 'Bob wrote ✓', data: { chat: 'c1', url: '/c/c1' }, url: '/c/c1',
    });
    assert.equal(received.vapid.key, await vapidKey());
    assert.equal(received.topic, id, 'Topic is the message id, so a repeat replaces the first');
    assert.ok(received.ttl > 0 && received.ttl <= 86_400, `TTL ${received.ttl}`);
    assert.deepEqual(push.errors, []);
  });

  test('a connected user gets no push; an offline one does (marker)', async () => {
    const carl = await asUser('carl');
    const dora = await asUser('dora');
    const carlSub = push.subscribe();
    const doraSub = push.subscribe();
    await carl.mutation(api.push.register, { kind: 'web', subscription: carlSub.toJSON() });
    await dora.mutation(api.push.register, { kind: 'web', subscription: doraSub.toJSON() });
    await carl.mutation(api.presence.heartbeat, {}); // carl is online now
    // presence announces a user first seen once its stored status is loaded (in the background);
    // reading it loads it at once
    assert.equal((await carl.query(api.presence.getMyPresence, {})).online, true);

    const backend = asBackend();
    await backend.mutation(api.notifications.pushNotification, { userId: 'carl', type: 't', title: 'Seen live' });
    await backend.mutation(api.notifications.pushNotification, { userId: 'dora', type: 't', title: 'Marker' });
    await eventually(() => push.to(doraSub.path).length === 1, 15_000, "dora's push");
    assert.equal(push.to(carlSub.path).length, 0);
    // carl still has the notification in the app
    assert.equal(await carl.query(api.notifications.getUnreadCount, {}), 1);
  });

  test('two devices get two pushes; the drop-in pushSubscriptions:create takes the JSON text', async () => {
    const eve = await asUser('eve');
    const laptop = push.subscribe();
    const phone = push.subscribe();
    await eve.mutation(api.push.register, { kind: 'web', subscription: laptop.toJSON() });
    await eve.mutation(api.pushSubscriptions.create, { subscription: JSON.stringify(phone.toJSON()) });
    await asBackend().mutation(api.push.send, { userId: 'eve', title: 'Both', url: '/x' });
    await eventually(() => push.to(laptop.path).length === 1 && push.to(phone.path).length === 1,
      15_000, 'two pushes');
    assert.equal(push.to(phone.path)[0].message.title, 'Both');
    assert.equal(push.to(phone.path)[0].message.url, '/x');
  });

  test('a user cannot register a device for someone else, nor an http:// endpoint elsewhere', async () => {
    const fred = await asUser('fred');
    const sub = push.subscribe();
    await assert.rejects(fred.mutation(api.push.register,
      { kind: 'web', subscription: sub.toJSON(), userId: 'ann' }), /may not act as user 'ann'/);
    await assert.rejects(fred.mutation(api.push.register, {
      kind: 'web', subscription: { ...sub.toJSON(), endpoint: 'http://push.example.com/x' },
    }), /https:\/\//);
    await assert.rejects(fred.mutation(api.push.send, { userId: 'fred', title: 'x' }),
      /only be called by the app's backend/);
  });

  test('endpoints answering 410 and 404 are removed; 500 twice then 201 is delivered once', async () => {
    const gil = await asUser('gil');
    const gone = push.subscribe();
    const unknown = push.subscribe();
    const flaky = push.subscribe();
    push.answer(gone.path, 410);
    push.answer(unknown.path, 404);
    push.answer(flaky.path, 500, 500);
    await gil.mutation(api.push.register, { kind: 'web', subscription: gone.toJSON() });
    await gil.mutation(api.push.register, { kind: 'web', subscription: unknown.toJSON() });
    await gil.mutation(api.push.register, { kind: 'web', subscription: flaky.toJSON() });
    await asBackend().mutation(api.notifications.pushNotification, { userId: 'gil', type: 't', title: 'Retry me' });

    await eventually(async () => (await gil.query(api.push.listMine, {})).length === 1, 15_000,
      'the 410 and 404 devices removed');
    assert.deepEqual((await gil.query(api.push.listMine, {})).map((d) => d.endpoint), [flaky.endpoint]);
    await eventually(() => push.to(flaky.path).length === 1, 20_000, 'the retried push');
    assert.equal(push.requests.filter((r) => r.path === flaky.path).length, 3);
    // a marker through the same device: once it is there, the first push was not sent again
    await asBackend().mutation(api.push.send, { userId: 'gil', title: 'Marker' });
    await eventually(() => push.to(flaky.path).length === 2, 15_000, 'the marker');
    assert.deepEqual(push.to(flaky.path).map((p) => p.message.title), ['Retry me', 'Marker']);

    const metrics = await (await fetch(`${ctx.server.httpUrl}/metrics`)).text();
    assert.match(metrics, /beacon_push_removed_total\{app="app-id",service="web"\} 2\.0/);
    assert.match(metrics, /beacon_push_sent_total\{app="app-id",service="web"\} \d+/);
  });
});
