'use strict';

// The drop-in shapes with the real packages, rendered with React as an app renders them:
// `usePresence` of @convex-dev/presence 0.4.0 with ConvexReactClient (two users in one room, the
// hidden-tab and page-unload paths, a server restart, the same membership as rooms:list and
// pusher-js's presence-room- channel), conversation-presence hooks written with
// useMutation/useQuery, event rooms (members named by their JWT's name and picture claims, the
// event's presence live) and presence:setOffline for a user whose pusher-js socket stays open.

const { describe, test, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { ConvexClient, ConvexHttpClient } = require('convex/browser');
const { anyApi: api } = require('convex/server');
const WebSocket = require('ws');
const { useServer, restartServer, ONE_SERVER_ONLY } = require('../lib/server');
const { connectClient, signedIn, subscribed } = require('../lib/clients');
const { ValueLog } = require('../lib/wait');
const { installPage, modules, devToken, reactClient, renderHook } = require('../lib/react');

const ctx = useServer();
const page = installPage();
const open = [];

afterEach(async () => {
  const items = open.splice(0);
  items.filter((item) => item.unmount).forEach((hook) => hook.unmount());
  // an unmounted hook disconnects its session in a microtask: let it go out before closing
  await new Promise((resolve) => setImmediate(resolve));
  await Promise.all(items.filter((item) => !item.unmount).map((client) => client.close()));
});

async function react(user) {
  const client = await reactClient(ctx.server, user);
  open.push(client);
  return client;
}

/** `usePresence(api.presence, room, user, interval)` rendered for a client signed in as `user`. */
async function presenceHook(user, room, interval) {
  const { usePresence } = await modules();
  const client = await react(user);
  const hook = await renderHook(client, () => usePresence(api.presence, room, user, interval));
  open.unshift(hook); // unmounted before its client closes
  return hook;
}

async function http(user) {
  const c = new ConvexHttpClient(ctx.server.httpUrl, { logger: false });
  if (user) {
    c.setAuth(await devToken(ctx.server, user));
  }
  return c;
}

/** A plain ConvexClient watching `presence:list` for the room token, as another page would. */
function watchList(roomToken) {
  const client = new ConvexClient(ctx.server.httpUrl, { logger: false, webSocketConstructor: WebSocket });
  open.push(client);
  const log = new ValueLog();
  client.onUpdate(api.presence.list, { roomToken }, (v) => log.push(v));
  return log;
}

const state = (list, user) => list?.find((e) => e.userId === user);
const online = (user) => (list) => state(list, user)?.online === true;
const offline = (user) => (list) => state(list, user)?.online === false;

/** A room token, from a heartbeat of a user who stays in the room for a long interval. */
async function roomTokenOf(room, user) {
  const c = await http(user);
  return (await c.mutation(api.presence.heartbeat,
    { roomId: room, userId: user, sessionId: `${user}-${room}`, interval: 600_000 })).roomToken;
}

describe('@convex-dev/presence usePresence against Beacon', () => {
  test('two users in one room see each other, each listing itself first', async () => {
    const ann = await presenceHook('ann', 'lobby', 1000);
    const bob = await presenceHook('bob', 'lobby', 1000);
    const seenByAnn = await ann.next((l) => online('bob')(l) && online('ann')(l));
    assert.equal(seenByAnn[0].userId, 'ann');
    assert.equal(state(seenByAnn, 'bob').lastDisconnected, 0);
    const seenByBob = await bob.next((l) => online('ann')(l) && online('bob')(l));
    assert.equal(seenByBob[0].userId, 'bob');
  });

  test('a hidden tab ends its session, and showing it again starts a new one', async () => {
    const watcher = watchList(await roomTokenOf('den', 'cy'));
    const dee = await presenceHook('dee', 'den', 60_000);
    await dee.next(online('dee')); // the hook holds its tokens once it lists the room
    await watcher.next(online('dee'));
    page.setHidden(true);
    const gone = await watcher.next(offline('dee'));
    assert.ok(state(gone, 'dee').lastDisconnected > 0);
    page.setHidden(false);
    await watcher.next(online('dee'));
  });

  test('leaving the page sends a beacon without credentials that ends the session', async () => {
    const watcher = watchList(await roomTokenOf('exit', 'cy'));
    const fay = await presenceHook('fay', 'exit', 60_000);
    await fay.next(online('fay'));
    await watcher.next(online('fay'));
    page.unload();
    const beacon = page.beacons.at(-1);
    assert.equal(beacon.url, `${ctx.server.httpUrl}/api/mutation`);
    assert.deepEqual(await beacon.sent, { status: 'success', value: null, logLines: [] });
    await watcher.next(offline('fay'));
  });

  test('a component room is the Beacon room and the presence-room- channel, both ways', async () => {
    const gus = await presenceHook('gus', 'jam', 1000);
    await gus.next(online('gus'));
    // pusher-js sees gus as a member of presence-room-jam...
    const pusher = await connectClient(ctx.server, { user: { id: 'hal', info: { name: 'Hal' } } });
    const channel = await subscribed(pusher, 'presence-room-jam');
    assert.ok(channel.members.get('gus'), 'gus is a member of the channel');
    // ...rooms:list shows him...
    const hal = await http('hal');
    const members = await hal.query(api.rooms.list, { roomId: 'jam' });
    assert.deepEqual(members.filter((m) => m.online).map((m) => m.userId).sort(), ['gus', 'hal']);
    // ...and the hook sees the Pusher subscriber, with its user_info as data
    const withHal = await gus.next(online('hal'));
    assert.deepEqual(state(withHal, 'hal').data, { name: 'Hal' });
    pusher.disconnect();
    await gus.next(offline('hal'));
  });

  test('the list survives a server restart', { skip: ONE_SERVER_ONLY }, async () => {
    const ivy = await presenceHook('ivy', 'hall', 1000);
    const jon = await presenceHook('jon', 'hall', 1000);
    // kim was here and left: a past member, stored
    const kim = await http('kim');
    const { sessionToken } = await kim.mutation(api.presence.heartbeat,
      { roomId: 'hall', userId: 'kim', sessionId: 'kim-1' });
    await kim.mutation(api.presence.disconnect, { sessionToken });
    const before = await ivy.next((l) => online('ivy')(l) && online('jon')(l) && offline('kim')(l));
    ctx.server = await restartServer(ctx.server);
    // the hooks reconnect with the tokens they hold, and heartbeat again
    const afterRestart = await ivy.next((l) => l !== before && online('ivy')(l) && online('jon')(l)
      && offline('kim')(l), 30_000);
    assert.equal(state(afterRestart, 'kim').lastDisconnected, state(before, 'kim').lastDisconnected);
    await jon.next((l) => online('ivy')(l), 30_000);
  });
});

describe('conversation presence hooks (useMutation / useQuery)', () => {
  test('setPresence and getPresence as a chat app writes them', async () => {
    const { useMutation, useQuery } = await modules();
    function useConversation(conversationId) {
      const setPresence = useMutation(api.presence.setPresence);
      const people = useQuery(api.presence.getPresence, { conversationId });
      return { setPresence, people };
    }
    const lea = await renderHook(await react('lea'), () => useConversation('conv-1'));
    const max = await renderHook(await react('max'), () => useConversation('conv-1'));
    open.unshift(lea, max);
    await lea.next((v) => Array.isArray(v.people));
    await lea.current.setPresence({ conversationId: 'conv-1', status: 'online' });
    await max.current.setPresence({ conversationId: 'conv-1', status: 'typing' });
    const seen = await lea.next((v) => v.people?.some((p) => p.userId === 'max' && p.status === 'typing')
      && v.people.some((p) => p.userId === 'lea' && p.status === 'online'));
    assert.equal(seen.people.find((p) => p.userId === 'max').conversationId, 'conv-1');
    await max.current.setPresence({ conversationId: 'conv-1', status: 'offline' });
    await lea.next((v) => v.people?.some((p) => p.userId === 'max' && p.status === 'offline'));
    // signed out: an empty list, not an error
    const nobody = await renderHook(await react(null), () => useQuery(api.presence.getPresence,
      { conversationId: 'conv-1' }));
    open.unshift(nobody);
    assert.deepEqual(await nobody.next((v) => v !== undefined), []);
  });
});

describe('event rooms with the convex clients', () => {
  test("members carry their token's name and picture, and the event's presence is live", async () => {
    const backend = new ConvexHttpClient(ctx.server.httpUrl, { logger: false });
    backend.setAdminAuth('app-secret');
    await backend.mutation(api.rooms.setEvent, { roomId: 'ev-stage', eventId: 'conf' });
    await backend.mutation(api.rooms.setEvent, { roomId: 'ev-hall', eventId: 'conf' });
    const watcher = new ConvexClient(ctx.server.httpUrl, { logger: false, webSocketConstructor: WebSocket });
    open.push(watcher);
    watcher.setAuth(() => devToken(ctx.server, 'cy'));
    const event = new ValueLog();
    watcher.onUpdate(api.presence.getEventPresence, { eventId: 'conf' }, (v) => event.push(v));
    await event.next((v) => v.totalActiveUsers === 0 && v.rooms.length === 2);

    // a token with the standard name and picture claims, as an identity provider issues it
    const picture = 'https://img.example/ann.png';
    const response = await fetch(`${ctx.server.httpUrl}/dev/token?user=ann&name=${encodeURIComponent('Ann Lee')}`
      + `&picture=${encodeURIComponent(picture)}`);
    const ann = new ConvexHttpClient(ctx.server.httpUrl, { logger: false });
    ann.setAuth((await response.json()).token);
    await ann.mutation(api.presence.updatePresence, { roomId: 'ev-stage', data: { role: 'host' } });
    await ann.mutation(api.presence.updatePresence, { roomId: 'ev-hall' });
    const both = await event.next((v) => v.rooms.every((r) => r.activeCount === 1));
    assert.equal(both.totalActiveUsers, 1, 'a user in two rooms counts once');
    const stage = both.rooms.find((r) => r.roomId === 'ev-stage');
    assert.deepEqual(stage.activeUsers.map((u) => [u.userId, u.data]),
      [['ann', { name: 'Ann Lee', picture, role: 'host' }]]);
    const hall = await (await http('cy')).query(api.presence.listPresence, { roomId: 'ev-hall' });
    assert.deepEqual(hall.map((m) => [m.userId, m.online, m.data]), [['ann', true, { name: 'Ann Lee', picture }]]);

    await ann.mutation(api.presence.leaveRoom, { roomId: 'ev-hall' });
    const left = await event.next((v) => v !== both && v.rooms.find((r) => r.roomId === 'ev-hall').activeCount === 0
      && event.values.indexOf(v) > event.values.indexOf(both));
    assert.deepEqual(left.rooms.map((r) => [r.roomId, r.activeCount]), [['ev-hall', 0], ['ev-stage', 1]]);
    assert.equal(left.totalActiveUsers, 1);
  });
});

describe('presence:setOffline with a socket open', () => {
  test('a user with an open pusher-js connection is offline at once for its friends, until it acts again',
    async () => {
      const backend = new ConvexHttpClient(ctx.server.httpUrl, { logger: false });
      backend.setAdminAuth('app-secret');
      await backend.mutation(api.friends.set, { userId: 'pat', friendIds: ['ola'] });
      const friends = new ConvexClient(ctx.server.httpUrl, { logger: false, webSocketConstructor: WebSocket });
      open.push(friends);
      friends.setAuth(() => devToken(ctx.server, 'pat'));
      const seen = new ValueLog();
      friends.onUpdate(api.presence.getOnlineFriends, {}, (v) => seen.push(v.map((p) => p.userId)));
      const online = (v) => v.includes('ola');
      const offline = (v) => !v.includes('ola');

      // ola's socket: signed in with pusher-js, so she is online while it is open
      const socket = await connectClient(ctx.server, { user: { id: 'ola', info: { name: 'Ola' } } });
      await signedIn(socket);
      const first = await seen.next(online);
      const ola = await http('ola');
      const after = (value) => (v) => seen.values.indexOf(v) > seen.values.indexOf(value);

      const off = await ola.mutation(api.presence.setOffline, {});
      assert.equal(off.online, false);
      const hidden = await seen.next((v) => offline(v) && after(first)(v));
      assert.equal(socket.connection.state, 'connected', 'the socket stays open');
      // her next heartbeat brings her back
      await ola.mutation(api.presence.heartbeat, {});
      const back = await seen.next((v) => online(v) && after(hidden)(v));
      // and so does a new connection after another setOffline
      await ola.mutation(api.presence.setOffline, { clerkId: 'ola' });
      const hiddenAgain = await seen.next((v) => offline(v) && after(back)(v));
      const second = await connectClient(ctx.server, { user: { id: 'ola', info: { name: 'Ola' } } });
      await signedIn(second);
      await seen.next((v) => online(v) && after(hiddenAgain)(v));
      socket.disconnect();
      second.disconnect();
    });
});
