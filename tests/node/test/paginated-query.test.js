'use strict';

// usePaginatedQuery from convex/react, rendered with React against Beacon's paginated queries:
// it sends Convex's `paginationOpts: {numItems, cursor, id}` and reads `{page, isDone,
// continueCursor}`, loading page after page until the query is exhausted.

const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { ConvexHttpClient } = require('convex/browser');
const { anyApi: api } = require('convex/server');
const { useServer } = require('../lib/server');
const { modules, reactClient, renderHook } = require('../lib/react');

const ctx = useServer();
const clients = [];
const rendered = [];

after(async () => {
  rendered.forEach((r) => r.unmount());
  await Promise.all(clients.map((c) => c.close()));
});

function backend() {
  const c = new ConvexHttpClient(ctx.server.httpUrl, { logger: false });
  c.setAdminAuth('app-secret');
  return c;
}

async function paginated(user, query, args, initialNumItems) {
  const { usePaginatedQuery } = await modules();
  const client = await reactClient(ctx.server, user);
  clients.push(client);
  const hook = await renderHook(client, () => usePaginatedQuery(query, args, { initialNumItems }));
  rendered.push(hook);
  return hook;
}

const field = (name) => (r) => r.results.map((item) => item[name]);

describe('usePaginatedQuery', () => {
  test('pages through notifications, newest first, until exhausted', async () => {
    const admin = backend();
    for (let i = 1; i <= 5; i += 1) {
      await admin.mutation(api.notifications.pushNotification,
        { userId: 'pia', type: 'like', title: `n${i}` });
    }
    const hook = await paginated('pia', api.notifications.subscribeToNotifications, {}, 2);
    const first = await hook.next((r) => r.status === 'CanLoadMore');
    assert.deepEqual(field('title')(first), ['n5', 'n4']);
    first.loadMore(2);
    const second = await hook.next((r) => r.results.length === 4 && r.status === 'CanLoadMore');
    assert.deepEqual(field('title')(second), ['n5', 'n4', 'n3', 'n2']);
    second.loadMore(2);
    const last = await hook.next((r) => r.status === 'Exhausted');
    assert.deepEqual(field('title')(last), ['n5', 'n4', 'n3', 'n2', 'n1']);
    // a new notification joins the first page live; every page keeps its end, so nothing is lost
    await admin.mutation(api.notifications.pushNotification, { userId: 'pia', type: 'like', title: 'n6' });
    const grown = await hook.next((r) => r.results.length === 6);
    assert.deepEqual(field('title')(grown), ['n6', 'n5', 'n4', 'n3', 'n2', 'n1']);
  });

  test('pages through the friend activity feed', async () => {
    const admin = backend();
    await admin.mutation(api.friends.set, { userId: 'quin', friendIds: ['rae'] });
    const rae = new ConvexHttpClient(ctx.server.httpUrl, { logger: false });
    rae.setAuth((await (await fetch(`${ctx.server.httpUrl}/dev/token?user=rae`)).json()).token);
    for (let i = 1; i <= 3; i += 1) {
      await rae.mutation(api.friendActivity.recordActivity, { type: `t${i}` });
    }
    const hook = await paginated('quin', api.friendActivity.getFriendActivityFeed, {}, 2);
    const first = await hook.next((r) => r.status === 'CanLoadMore');
    assert.deepEqual(field('type')(first), ['t3', 't2']);
    first.loadMore(5);
    const all = await hook.next((r) => r.status === 'Exhausted');
    assert.deepEqual(field('type')(all), ['t3', 't2', 't1']);
  });
});
