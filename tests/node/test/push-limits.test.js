'use strict';

// Web Push under a misbehaving or overloaded service: a send that hangs is given up after
// push.send_timeout_seconds and tried again (its claim released then, long before the lease
// runs out); a 429's Retry-After is waited for; a user over push.per_user_per_minute gets the
// notification in the app but no push; an outbox at push.max_queued queues no more.

const { after, before, describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { anyApi: api } = require('convex/server');
const { APPS, useServer } = require('../lib/server');
const { httpAsBackend, httpAsUser } = require('../lib/convex-http');
const { PushService } = require('../lib/push-service');
const { eventually } = require('../lib/wait');

const SEND_TIMEOUT_SECONDS = 2;
const CLAIM_SECONDS = 45;
const PER_USER_PER_MINUTE = 3;
const MAX_QUEUED = 6;

const push = new PushService();
before(() => push.start());
after(() => push.stop());

const ctx = useServer({
  config: {
    shutdown_grace_seconds: 1,
    push: {
      send_timeout_seconds: SEND_TIMEOUT_SECONDS,
      claim_seconds: CLAIM_SECONDS,
      max_queued: MAX_QUEUED,
    },
    apps: [{ id: APPS.main.id, key: APPS.main.key, secret: APPS.main.secret,
      push: { per_user_per_minute: PER_USER_PER_MINUTE } }],
  },
});

function asUser(user) {
  return httpAsUser(ctx.server, user);
}

function asBackend() {
  return httpAsBackend(ctx.server);
}

async function metrics() {
  return (await fetch(`${ctx.server.httpUrl}/metrics`)).text();
}

function metric(text, name) {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

async function device(user, answers = []) {
  const sub = push.subscribe();
  push.answer(sub.path, ...answers);
  await (await asUser(user)).mutation(api.push.register, { kind: 'web', subscription: sub.toJSON() });
  return sub;
}

describe('Web Push limits', () => {
  test('a send that hangs is given up after the send timeout and tried again', async () => {
    const sub = await device('hank', ['hang']);
    const id = await asBackend().mutation(api.notifications.pushNotification,
      { userId: 'hank', type: 't', title: 'Through at last' });
    // delivered on the second try, long before the first claim's lease would have run out
    const [received] = await eventually(() => push.to(sub.path).length && push.to(sub.path),
      (CLAIM_SECONDS - 15) * 1000, 'the push after the hung send');
    assert.equal(received.message.id, id);
    const tries = push.requests.filter((r) => r.path === sub.path);
    assert.equal(tries.length, 2, 'one hung send, one retry');
    const gap = tries[1].at - tries[0].at;
    assert.ok(gap >= SEND_TIMEOUT_SECONDS * 1000, `retried ${gap} ms after the hung send`);
    // the send timeout (2 s) and the first backoff (1 s), well before the HTTP client's own
    // 15 s request timeout and the claim's 45 s lease
    assert.ok(gap < 10_000, `retried ${gap} ms after the hung send`);
    assert.match(await metrics(), /beacon_push_retries_total\{app="app-id",service="web"\} [1-9]/);
  });

  test("a 429's Retry-After is waited for, longer than the backoff", async () => {
    const sub = await device('rhea', [{ status: 429, headers: { 'retry-after': '3' } }]);
    await asBackend().mutation(api.notifications.pushNotification,
      { userId: 'rhea', type: 't', title: 'Later' });
    await eventually(() => push.to(sub.path).length === 1, 20_000, 'the retried push');
    const tries = push.requests.filter((r) => r.path === sub.path);
    assert.equal(tries.length, 2);
    // without Retry-After the first retry comes after at most 1 s
    const gap = tries[1].at - tries[0].at;
    assert.ok(gap >= 2900, `retried ${gap} ms after a Retry-After of 3 s`);
  });

  test('a user over its rate gets every notification in the app, and pushes up to the rate', async () => {
    const sub = await device('rita');
    const before = metric(await metrics(),
      'beacon_push_skipped_total{app="app-id",reason="rate_limited"}') ?? 0;
    const backend = asBackend();
    for (let i = 0; i < PER_USER_PER_MINUTE + 2; i++) {
      await backend.mutation(api.notifications.pushNotification,
        { userId: 'rita', type: 't', title: `n${i}` });
    }
    // the two over the rate were never stored: once the three are sent and the outbox is empty,
    // nothing more can come
    await eventually(async () => {
      const m = await metrics();
      return push.to(sub.path).length === PER_USER_PER_MINUTE
        && metric(m, 'beacon_push_skipped_total{app="app-id",reason="rate_limited"}') === before + 2
        && metric(m, 'beacon_push_queue') === 0;
    }, 20_000, 'three pushes, two skipped, the outbox empty');
    // the first three made it; pushes due together are sent side by side, in any order
    assert.deepEqual(push.to(sub.path).map((p) => p.message.title).sort(), ['n0', 'n1', 'n2']);
    assert.equal(await (await asUser('rita')).query(api.notifications.getUnreadCount, {}),
      PER_USER_PER_MINUTE + 2);
  });

  test('an outbox at push.max_queued queues no more pushes, and the notification is still stored', async () => {
    // a service that says "in an hour" keeps MAX_QUEUED pushes in the outbox
    const later = { status: 503, headers: { 'retry-after': '3600' } };
    const users = ['qa', 'qb'];
    const backend = asBackend();
    for (const user of users) {
      await device(user, [later, later, later]);
      for (let i = 0; i < MAX_QUEUED / users.length; i++) {
        await backend.mutation(api.notifications.pushNotification, { userId: user, type: 't', title: `q${i}` });
      }
    }
    await eventually(async () => metric(await metrics(), 'beacon_push_queue') === MAX_QUEUED,
      20_000, `${MAX_QUEUED} pushes waiting`);
    const sub = await device('qc');
    await backend.mutation(api.notifications.pushNotification, { userId: 'qc', type: 't', title: 'Full' });
    const m = await metrics();
    assert.equal(metric(m, 'beacon_push_skipped_total{app="app-id",reason="queue_full"}'), 1);
    assert.equal(metric(m, 'beacon_push_queue'), MAX_QUEUED);
    assert.equal(await (await asUser('qc')).query(api.notifications.getUnreadCount, {}), 1);
    assert.equal(push.requests.filter((r) => r.path === sub.path).length, 0);
  });
});
