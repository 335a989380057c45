'use strict';

// Cluster mode: three Beacon nodes (separate JVMs) on the local Redis, under a key prefix of
// their own, and the local PostgreSQL, in a schema of their own; pusher-js clients, the `pusher`
// SDK and Convex clients each on a different node see one server.

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { spawnSync } = require('node:child_process');
const { ConvexClient, ConvexHttpClient } = require('convex/browser');
const { anyApi: api } = require('convex/server');
const { startServer, defaultConfig } = require('../lib/server');
const { connectClient, serverSdk, signedIn, subscribed } = require('../lib/clients');
const { eventually, once } = require('../lib/wait');
const { pgSchema } = require('../lib/postgres');

const prefix = `beacon-node-test-${crypto.randomBytes(6).toString('hex')}:`;
const schema = pgSchema('beacon_cluster');
const nodes = [];
const opened = [];

function env(id) {
  return {
    ...schema.env,
    BEACON_DB_POOL_SIZE: '3',
    BEACON_EVENT_LOOPS: '2',
    BEACON_FUNCTIONS_WORKERS: '4',
    BEACON_CLUSTER_REDIS_URL: 'redis://127.0.0.1:6379/0',
    BEACON_CLUSTER_NODE_ID: id,
    BEACON_CLUSTER_KEY_PREFIX: prefix,
  };
}

async function ready(server) {
  await eventually(async () => (await fetch(`${server.httpUrl}/ready`)).status === 200, 20_000,
    `node on ${server.port} ready`);
}

function config() {
  const c = defaultConfig();
  c.apps[0].subscription_count_events = true;
  return c;
}

before(async () => {
  // the first node migrates the schema; the others start once it has
  nodes.push(await startServer({ config: config(), env: env('a') }));
  nodes.push(...await Promise.all(['b', 'c'].map(
    (id) => startServer({ config: config(), env: env(id) }))));
  await Promise.all(nodes.map(ready));
});

after(async () => {
  for (const c of opened) {
    try {
      await c.close?.();
      c.disconnect?.();
    } catch {
      // already closed
    }
  }
  await Promise.all(nodes.map((n) => n.kill()));
  schema.drop();
  const keys = spawnSync('redis-cli', ['-h', '127.0.0.1', '--scan', '--pattern', `${prefix}*`],
    { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  if (keys.length > 0) {
    spawnSync('redis-cli', ['-h', '127.0.0.1', 'DEL', ...keys], { stdio: 'ignore' });
  }
});

async function token(user, server) {
  const response = await fetch(`${server.httpUrl}/dev/token?user=${user}`);
  return (await response.json()).token;
}

function convex(user, server) {
  const c = new ConvexClient(server.httpUrl, { logger: false });
  c.setAuth(() => token(user, server));
  opened.push(c);
  return c;
}

async function pusher(server, user) {
  const c = await connectClient(server, { user });
  opened.push(c);
  return c;
}

describe('three nodes', () => {
  test('a ConvexClient on one node sees a mutation made through another', async () => {
    const values = [];
    const ann = convex('ann', nodes[1]);
    ann.onUpdate(api.notifications.getUnreadCount, {}, (v) => values.push(v));
    await eventually(() => values.includes(0), 10_000, 'the first value');
    const admin = new ConvexHttpClient(nodes[2].httpUrl, { logger: false });
    admin.setAdminAuth('app-secret');
    await admin.mutation(api.notifications.pushNotification,
      { userId: 'ann', type: 't', title: 'from node c' });
    await eventually(() => values.includes(1), 10_000, 'the unread count raised live on node b');
  });

  test('pusher-js on each node gets an event triggered with the pusher SDK through a third', async () => {
    const clients = await Promise.all([pusher(nodes[0], { id: 'p0' }), pusher(nodes[1], { id: 'p1' })]);
    const channels = await Promise.all(clients.map((c) => subscribed(c, 'cluster-news')));
    const got = channels.map((ch) => once(ch, 'headline'));
    await serverSdk(nodes[2]).trigger('cluster-news', 'headline', { title: 'hello' });
    for (const data of await Promise.all(got)) {
      assert.deepEqual(data, { title: 'hello' });
    }
  });

  test('pusher:subscription_count counts the subscribers of every node', async () => {
    const clients = await Promise.all(nodes.map((n, i) => pusher(n, { id: `sc${i}` })));
    const first = await subscribed(clients[0], 'counted-feed');
    const counts = [];
    first.bind('pusher:subscription_count', (d) => counts.push(d.subscription_count));
    await subscribed(clients[1], 'counted-feed');
    await subscribed(clients[2], 'counted-feed');
    await eventually(() => counts.at(-1) === 3, 10_000, 'the count of three nodes on node a');
    clients[2].disconnect();
    await eventually(() => counts.at(-1) === 2, 10_000, 'the count after a leave on node c');
  });

  test('a watcher on one node hears a user sign in and out on another', async () => {
    const watcher = await pusher(nodes[0], { id: 'wat', watchlist: ['wil'] });
    const offlineAtSignin = once(watcher.user.watchlist, 'offline');
    await signedIn(watcher);
    assert.deepEqual((await offlineAtSignin).user_ids, ['wil']);
    const online = once(watcher.user.watchlist, 'online');
    const wil = await signedIn(await pusher(nodes[1], { id: 'wil' }));
    assert.deepEqual((await online).user_ids, ['wil']);
    const offline = once(watcher.user.watchlist, 'offline');
    wil.disconnect();
    assert.deepEqual((await offline).user_ids, ['wil']);
  });

  test('joins and leaves racing on three nodes: every subscriber ends with the cluster roster', async () => {
    const channel = 'presence-cluster-race';
    // six users, each with a connection on two nodes; all join at once
    const users = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5'];
    const views = [];
    const join = async (user, node) => {
      const c = await pusher(nodes[node], { id: user });
      const ch = c.subscribe(channel);
      const view = { client: c, channel: ch, overlaps: [] };
      ch.bind('pusher:member_added', (m) => {
        // an event for a member the snapshot (or an earlier event) already listed is an overlap
        if (view.seen?.has(m.id)) {
          view.overlaps.push(`+${m.id}`);
        }
        view.seen?.add(m.id);
      });
      ch.bind('pusher:member_removed', (m) => {
        if (!view.seen?.has(m.id)) {
          view.overlaps.push(`-${m.id}`);
        }
        view.seen?.delete(m.id);
      });
      ch.bind('pusher:subscription_succeeded', (members) => {
        view.seen = new Set(Object.keys(members.members));
      });
      views.push(view);
      return view;
    };
    await Promise.all(users.flatMap((u, i) => [join(u, i % 3), join(u, (i + 1) % 3)]));
    // then half of the connections leave while others join, on every node at once
    const leaving = views.filter((v, i) => i % 2 === 0);
    await Promise.all([
      ...leaving.map(async (v) => v.client.disconnect()),
      join('r6', 0), join('r7', 1), join('r8', 2), join('r0', 2),
    ]);
    const staying = views.filter((v) => !leaving.includes(v));
    const sdk = serverSdk(nodes[1]);
    let roster = [];
    await eventually(async () => {
      const body = await (await sdk.get({ path: `/channels/${channel}/users` })).json();
      roster = body.users.map((u) => u.id).sort();
      return staying.every((v) => v.seen
        && JSON.stringify([...v.seen].sort()) === JSON.stringify(roster));
    }, 15_000, 'every subscriber\'s view equal to the cluster roster');
    assert.deepEqual(staying.flatMap((v) => v.overlaps), []);
    assert.ok(roster.includes('r6') && roster.includes('r8'));
  });

  test('presence members on other nodes are listed and added once', async () => {
    const carol = await pusher(nodes[0], { id: 'carol', info: { name: 'Carol' } });
    const room = await subscribed(carol, 'presence-cluster-room');
    const added = once(room, 'pusher:member_added');
    const dan = await pusher(nodes[2], { id: 'dan', info: { name: 'Dan' } });
    const danRoom = await subscribed(dan, 'presence-cluster-room');
    assert.deepEqual((await added).id, 'dan');
    assert.deepEqual(Object.keys(danRoom.members.members).sort(), ['carol', 'dan']);
    assert.deepEqual(danRoom.members.members.carol, { name: 'Carol' });
    const removed = once(room, 'pusher:member_removed');
    dan.disconnect();
    assert.equal((await removed).id, 'dan');
  });
});

describe('conversations on three nodes', () => {
  /** pusher-js on `wsNode`, its channels signed by Beacon's /pusher/auth on `authNode` from the JWT. */
  async function pusherSignedBy(wsNode, authNode, user) {
    const headers = { Authorization: `Bearer ${await token(user, authNode)}` };
    const c = await connectClient(wsNode, {
      channelAuthorization: { endpoint: `${authNode.httpUrl}/pusher/auth`, transport: 'ajax', headers },
    });
    opened.push(c);
    return c;
  }

  function backend(node) {
    const c = new ConvexHttpClient(node.httpUrl, { logger: false });
    c.setAdminAuth('app-secret');
    return c;
  }

  test('a stream written through one node reaches watchers on the others whole and in order', async () => {
    const admin = backend(nodes[0]);
    const { conversationId: id } = await admin.mutation(api.conversations.create,
      { title: 'cluster stream', memberIds: ['sam', 'tia'] });
    const started = await admin.mutation(api.messages.startStream, { conversationId: id });
    // sam watches with a live query on node b, tia with pusher-js on node c
    const seen = [];
    convex('sam', nodes[1]).onUpdate(api.messages.getStreaming, { threadId: id }, (v) => seen.push(v));
    await eventually(() => seen.some((v) => v?._id === started._id), 10_000, 'the stream on node b');
    const tia = await pusherSignedBy(nodes[2], nodes[2], 'tia');
    const channel = await subscribed(tia, `private-conversation-${id}`);
    const chunks = [];
    channel.bind('message-chunk', (c) => chunks.push(c));
    let text = '';
    for (let i = 0; i < 200; i += 1) {
      const chunk = `w${i} `;
      text += chunk;
      await admin.mutation(api.messages.appendStream, { messageId: started._id, text: chunk });
    }
    await eventually(() => chunks.length === 200, 10_000, `200 chunks on node c (got ${chunks.length})`);
    assert.deepEqual(chunks.map((c) => c.seq), Array.from({ length: 200 }, (_, i) => i + 1));
    assert.equal(chunks.map((c) => c.text).join(''), text);
    // node b's live query shows the text growing, then the finished stream gone from getStreaming
    await eventually(() => seen.some((v) => v?.content === text), 10_000, 'the whole text on node b');
    const growing = seen.filter((v) => v?.content !== undefined).map((v) => v.content);
    growing.forEach((t, k) => assert.ok(k === 0 || t.startsWith(growing[k - 1]), 'each update extends the last'));
    await admin.mutation(api.messages.finishStream, { messageId: started._id, status: 'done' });
    await eventually(() => seen.at(-1) === null, 10_000, 'the stream ended on node b');
    const page = await backend(nodes[1]).query(api.messages.list, { conversationId: id });
    assert.equal(page.page[0].content, text);
    assert.equal(page.page[0].status, 'done');
  });

  test('removing a member through one node ends its subscription on another, signed by a third', async () => {
    const admin = backend(nodes[0]);
    const { conversationId: id } = await admin.mutation(api.conversations.create,
      { title: 'cluster removal', memberIds: ['uma', 'vic'] });
    // vic's socket on node c, its channel signed by node b: node b's grant must reach node c
    const vic = await pusherSignedBy(nodes[2], nodes[1], 'vic');
    const channel = await subscribed(vic, `private-conversation-${id}`);
    const ended = once(channel, 'pusher:subscription_error', 10_000);
    const errors = [];
    const messages = [];
    convex('vic', nodes[1]).onUpdate(api.messages.list, { conversationId: id }, (v) => messages.push(v),
      (e) => errors.push(e.data?.code));
    await eventually(() => messages.length > 0, 10_000, 'the list on node b');
    await admin.mutation(api.conversations.removeMember, { conversationId: id, memberId: 'vic' });
    const error = await ended;
    assert.equal(error.status, 403);
    await eventually(() => errors.includes('FORBIDDEN'), 10_000, 'the live query refused on node b');
  });
});
