'use strict';

// Live queries over the Convex sync WebSocket with the real `convex` client (ConvexClient): the
// initial value, then a new one whenever the result changes, by mutation, by another client
// connecting or leaving, or by expiry.

const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ConvexClient, ConvexHttpClient } = require('convex/browser');
const { anyApi: api } = require('convex/server');
const {
  useServer, startServer, defaultConfig, ONE_SERVER_ONLY,
} = require('../lib/server');
const { connectClient, subscribed } = require('../lib/clients');
const { once, eventually, withTimeout } = require('../lib/wait');
const { WebSocketRelay } = require('../lib/relay');

const config = defaultConfig();
config.apps[0].typing_ttl_seconds = 2;
const ctx = useServer({ config });
const clients = [];

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

async function token(user, server = ctx.server) {
  const response = await fetch(`${server.httpUrl}/dev/token?user=${user}`);
  return (await response.json()).token;
}

function client(user, server = ctx.server) {
  const c = new ConvexClient(server.httpUrl, { logger: false });
  if (user) {
    c.setAuth(() => token(user, server));
  }
  clients.push(c);
  return c;
}

function backend(server = ctx.server) {
  const c = new ConvexHttpClient(server.httpUrl, { logger: false });
  c.setAdminAuth('app-secret');
  return c;
}

/** Subscribes and collects every value; `next(predicate)` waits for a matching one. */
function watch(convex, query, args) {
  const values = [];
  const errors = [];
  const waiters = [];
  const check = () => {
    for (const w of [...waiters]) {
      const hit = values.find(w.predicate);
      if (hit !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        w.resolve(hit);
      }
    }
  };
  const unsubscribe = convex.onUpdate(query, args, (v) => {
    values.push(v);
    check();
  }, (e) => {
    errors.push(e);
    values.push({ error: e.message, data: e.data });
    check();
  });
  return {
    values,
    errors,
    unsubscribe,
    next(predicate, timeoutMs = 8000) {
      return new Promise((resolve, reject) => {
        const w = { predicate, resolve };
        w.timer = setTimeout(() => reject(new Error(
          `no matching value within ${timeoutMs} ms; saw ${JSON.stringify(values)}`)), timeoutMs);
        waiters.push(w);
        check();
      });
    },
  };
}

const ids = (list) => list.map((x) => x.userId);

describe('ConvexClient.onUpdate', () => {
  test('typing appears live for the other user and disappears after the expiry', async () => {
    const ann = client('ann');
    const ben = client('ben');
    const seen = watch(ann, api.typing.getTypingInChatroom, { chatroomId: 'r-typing' });
    await seen.next((v) => Array.isArray(v) && v.length === 0);
    await ben.mutation(api.typing.startTyping, { chatroomId: 'r-typing' });
    await seen.next((v) => Array.isArray(v) && ids(v).join() === 'ben');
    const started = Date.now();
    await seen.next((v) => Array.isArray(v) && v.length === 0 && Date.now() - started > 500);
    const gone = Date.now() - started;
    assert.ok(gone >= 1500 && gone < 4000, `gone after ${gone} ms (TTL 2 s)`);
    // the typist does not see itself
    const own = watch(ben, api.typing.getTypingInChatroom, { chatroomId: 'r-typing' });
    await ben.mutation(api.typing.startTyping, { chatroomId: 'r-typing' });
    assert.deepEqual(await own.next(Array.isArray), []);
  });

  test('an admin push raises the unread count live', async () => {
    const cy = client('cy');
    const unread = watch(cy, api.notifications.getUnreadCount, {});
    await unread.next((v) => v === 0);
    await backend().mutation(api.notifications.pushNotification, { userId: 'cy', type: 't', title: 'one' });
    await unread.next((v) => v === 1);
    await backend().mutation(api.notifications.pushNotification, { userId: 'cy', type: 't', title: 'two' });
    await unread.next((v) => v === 2);
    // read-your-writes: when mutation() resolves, the query already shows it
    await cy.mutation(api.notifications.markAllAsRead, {});
    assert.equal(unread.values[unread.values.length - 1], 0);
  });

  test('room members update as users come and go', async () => {
    const dee = client('dee');
    const eve = client('eve');
    const list = watch(dee, api.rooms.list, { roomId: 'r-live' });
    await list.next((v) => Array.isArray(v) && v.length === 0);
    await eve.mutation(api.rooms.heartbeat, { roomId: 'r-live', data: { status: 'active' } });
    const withEve = await list.next((v) => Array.isArray(v) && v.length === 1);
    assert.deepEqual(withEve.map((m) => [m.userId, m.online, m.data.status]), [['eve', true, 'active']]);
    await eve.mutation(api.rooms.leave, { roomId: 'r-live' });
    await list.next((v) => Array.isArray(v) && v.length === 1 && v[0].online === false);
  });

  test('online friends follow a second client connecting and closing', async () => {
    await backend().mutation(api.friends.set, { userId: 'fay', friendIds: ['gil'] });
    const fay = client('fay');
    const online = watch(fay, api.presence.getOnlineFriends, {});
    await online.next((v) => Array.isArray(v) && v.length === 0);
    const gil = client('gil');
    // the sync WebSocket itself is gil's presence session: no heartbeat needed
    gil.onUpdate(api.presence.getMyPresence, {}, () => {});
    await online.next((v) => Array.isArray(v) && ids(v).join() === 'gil');
    await gil.close();
    await online.next((v) => Array.isArray(v) && v.length === 0);
  });

  test('mutation failures reach the caller and query errors the error callback', async () => {
    const hal = client('hal');
    await assert.rejects(hal.mutation(api.typing.startTyping, { chatroomId: 7 }),
      /ArgumentValidationError/);
    await assert.rejects(hal.mutation(api.friends.add, { userId: 'hal', friendId: 'x' }),
      /Forbidden/);
    const denied = watch(hal, api.friends.list, { userId: 'hal' });
    const failure = await denied.next((v) => v && v.error);
    assert.match(failure.error, /Forbidden/);
    assert.equal(failure.data.code, 'FORBIDDEN');
  });

  test('a bad token is an auth failure and switching users re-runs queries', async () => {
    const bad = new ConvexClient(ctx.server.httpUrl, { logger: false });
    clients.push(bad);
    const authStates = [];
    bad.setAuth(async () => 'not-a-jwt', (isAuthenticated) => authStates.push(isAuthenticated));
    await eventually(() => authStates.includes(false), 8000, 'the client to give up on the token');

    const swap = new ConvexClient(ctx.server.httpUrl, { logger: false });
    clients.push(swap);
    swap.setAuth(() => token('ida'));
    const me = watch(swap, api.presence.getMyPresence, {});
    await me.next((v) => v && v.userId === 'ida');
    swap.setAuth(() => token('jon'));
    await me.next((v) => v && v.userId === 'jon');
  });

  test('an awaited mutation is in the query results, even while other queries come and go', async () => {
    const user = 'ryw-' + Date.now();
    const c = client(user);
    let count;
    c.onUpdate(api.notifications.getUnreadCount, {}, (v) => { count = v; });
    await eventually(() => count === 0, 8000, 'the first unread count');
    for (let k = 1; k <= 30; k++) {
      // another query added and removed around each mutation moves the query set meanwhile
      const stop = c.onUpdate(api.typing.getTypingCount, { chatroomId: `ryw-${k}` }, () => {});
      setTimeout(stop, k % 3);
      await c.mutation(api.notifications.pushNotification, { userId: user, type: 't', title: `n${k}` });
      assert.equal(c.client.localQueryResult('notifications:getUnreadCount', {}), k,
        `after mutation ${k} resolved`);
    }
  });

  test('a Pusher client and a Convex client see the same typing change', async () => {
    const pusher = await connectClient(ctx.server, { user: { id: 'kim' } });
    const room = await subscribed(pusher, 'presence-room-r-both');
    const kim = client('kim');
    const lee = client('lee');
    const live = watch(kim, api.typing.getTypingInChatroom, { chatroomId: 'r-both' });
    await live.next((v) => Array.isArray(v) && v.length === 0);
    const onChannel = once(room, 'typing');
    await lee.mutation(api.typing.startTyping, { chatroomId: 'r-both' });
    assert.deepEqual(await onChannel, { userId: 'lee', typing: true });
    await live.next((v) => Array.isArray(v) && ids(v).join() === 'lee');
  });
});

describe('large query sets', () => {
  function rawSync(server) {
    const WebSocket = require('ws');
    const ws = new WebSocket(`${server.httpUrl.replace('http', 'ws')}/api/sync`);
    const messages = [];
    const closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }));
    });
    ws.on('message', (m) => messages.push(JSON.parse(m.toString('utf8'))));
    return { ws, messages, closed, open: new Promise((resolve) => ws.once('open', resolve)) };
  }

  const connect = JSON.stringify({
    type: 'Connect', sessionId: '00000000-0000-4000-8000-000000000000', connectionCount: 0,
    lastCloseReason: null, maxObservedTimestamp: null, clientTs: Date.now(),
  });
  const batchQuery = (queryId) => ({
    type: 'Add', queryId, udfPath: 'presence:getBatchPresence',
    args: [{ userIds: [...Array(500).keys()].map((i) => `u${queryId}-${i}-`.padEnd(120, 'x')) }],
  });

  test('a query set over 128 KB in one ModifyQuerySet (as a reconnect sends it) is answered', async () => {
    const sync = rawSync(ctx.server);
    await sync.open;
    sync.ws.send(connect);
    sync.ws.send(JSON.stringify({
      type: 'Authenticate', tokenType: 'User', value: await token('big'), baseVersion: 0,
    }));
    const modify = JSON.stringify({
      type: 'ModifyQuerySet', baseVersion: 0, newVersion: 1,
      modifications: [0, 1, 2].map(batchQuery),
    });
    assert.ok(modify.length > 128 * 1024, `${modify.length} bytes`);
    sync.ws.send(modify);
    const answered = (m) => m.type === 'Transition' && m.modifications.length === 3;
    await eventually(() => sync.messages.some(answered), 8000, 'the queries answered');
    const t = sync.messages.find(answered);
    assert.deepEqual(t.modifications.map((m) => m.type), ['QueryUpdated', 'QueryUpdated', 'QueryUpdated'],
      JSON.stringify(sync.messages).slice(0, 2000));
    sync.ws.close();
  });

  test('a sync message over websocket.max_sync_message_bytes closes with 1009', async () => {
    const sync = rawSync(ctx.server);
    await sync.open;
    sync.ws.send(connect);
    sync.ws.send(JSON.stringify({ type: 'Event', eventType: 'x', event: 'y'.repeat(1100 * 1024) }));
    const closed = await sync.closed;
    assert.equal(closed.code, 1009);
  });
});

/**
 * User mo's ConvexClient, which knows only the relay (its tokens come from whichever server
 * `currentServer()` is), watching its unread count, with one notification ('before') applied.
 */
/**
 * A token from whichever server runs now: asked while the server is being killed and started
 * anew (the client reconnects and fetches a token at once), the request to the old one fails,
 * and it is asked again of the server started in its place.
 */
async function tokenAcrossRestarts(user, currentServer) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await token(user, currentServer());
    } catch (e) {
      if (attempt >= 100) {
        throw e;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function moWithOneNotification(relay, currentServer) {
  const mo = new ConvexClient(relay.url, { logger: false });
  clients.push(mo);
  mo.setAuth(() => tokenAcrossRestarts('mo', currentServer));
  const unread = watch(mo, api.notifications.getUnreadCount, {});
  await unread.next((v) => v === 0);
  await mo.mutation(api.notifications.pushNotification, { userId: 'mo', type: 't', title: 'before' });
  await unread.next((v) => v === 1);
  return { mo, unread };
}

/**
 * The server applies a mutation and dies (kill -9) before its reply reaches the client; the client,
 * which never got the reply, sends the mutation again to the server started anew. The relay in
 * between lets the reply be "lost": it holds back everything the server sends from the
 * MutationResponse on, and the test kills the server only once that response was written, so the
 * mutation was committed. The store (SQLite data folder, PostgreSQL schema) outlives the process.
 */
async function mutationAppliedThenKilledBeforeTheReply(env) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-restart-'));
  const serverEnv = { BEACON_DATA_DIR: dataDir, ...env };
  let server = await startServer({ env: serverEnv });
  const relay = await WebSocketRelay.start(server.port);
  try {
    const { mo, unread } = await moWithOneNotification(relay, () => server);

    const lostReply = relay.holdFrom((message) => message.type === 'MutationResponse');
    const pending = mo.mutation(api.notifications.pushNotification,
      { userId: 'mo', type: 't', title: 'during' });
    pending.catch(() => {}); // awaited below; a rejection must not go unhandled meanwhile
    const reply = await lostReply; // written by the server: the mutation is committed
    assert.equal(reply.success, true, JSON.stringify(reply));
    await server.kill(); // SIGKILL: no shutdown hook, no flush
    relay.release();

    server = await startServer({ env: serverEnv });
    relay.retarget(server.port);
    // the client reconnects through the relay and sends the mutation again (same session, same
    // request id): it is answered with the first application's result, not applied again
    const id = await withTimeout(pending, 30_000, 'the mutation to be answered after the restart');
    assert.equal(id, reply.result);
    await unread.next((v) => v === 2, 20_000);
    const page = await backend(server).query(api.notifications.subscribeToNotifications,
      { userId: 'mo', limit: 10 });
    assert.deepEqual(page.page.map((n) => n.title), ['during', 'before']);
    assert.deepEqual(page.page.map((n) => n._id)[0], id);
  } finally {
    await relay.close();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('restarting the server', { skip: ONE_SERVER_ONLY }, () => {
  test('a mutation applied by a server killed before it replied is applied once when the client '
    + 'sends it again (SQLite)', async () => {
    await mutationAppliedThenKilledBeforeTheReply({});
  });

  test('a mutation applied by a server killed before it replied is applied once when the client '
    + 'sends it again (PostgreSQL)', async () => {
    const schema = `beacon_node_${crypto.randomBytes(6).toString('hex')}`;
    try {
      await mutationAppliedThenKilledBeforeTheReply({
        BEACON_DB_URL: 'jdbc:postgresql://127.0.0.1:5432/test?options=-c%20synchronous_commit%3Doff',
        BEACON_DB_USER: 'postgres',
        BEACON_DB_SCHEMA: schema,
      });
    } finally {
      dropSchema(schema);
    }
  });

  test('the client reconnects after a graceful restart, its subscriptions resume, and a mutation '
    + 'sent while the server was away applies once', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-restart-'));
    let server = await startServer({ env: { BEACON_DATA_DIR: dataDir } });
    const relay = await WebSocketRelay.start(server.port);
    try {
      const { mo, unread } = await moWithOneNotification(relay, () => server);
      await server.stop();
      // a mutation sent while the server is away waits, is resent on reconnect, and applies once
      const pending = mo.mutation(api.notifications.pushNotification, { userId: 'mo', type: 't', title: 'during' });
      server = await startServer({ env: { BEACON_DATA_DIR: dataDir } });
      relay.retarget(server.port);
      await pending;
      await unread.next((v) => v === 2, 20000);
      const page = await backend(server).query(api.notifications.subscribeToNotifications,
        { userId: 'mo', limit: 10 });
      assert.deepEqual(page.page.map((n) => n.title), ['during', 'before']);
    } finally {
      await relay.close();
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** Drops a test's PostgreSQL schema with psql (trust auth on 127.0.0.1, as the suite assumes). */
function dropSchema(schema) {
  const result = spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'test', '-q',
    '-c', `DROP SCHEMA IF EXISTS ${schema} CASCADE`], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`could not drop schema ${schema}: ${result.stderr || result.error}`);
  }
}
