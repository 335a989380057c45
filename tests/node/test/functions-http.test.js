'use strict';

// The built-in functions through the real `convex` npm client (ConvexHttpClient), as a signed-in
// user (a JWT from /dev/token) and as the app's backend (setAdminAuth), and their live events
// reaching pusher-js on the user and room channels.

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { ConvexHttpClient } = require('convex/browser');
const { ConvexError } = require('convex/values');
const { anyApi } = require('convex/server');
const { useServer } = require('../lib/server');
const { connectClient, createClient, signedIn, subscribed } = require('../lib/clients');
const { once, eventually } = require('../lib/wait');

const ctx = useServer();
const api = anyApi;

async function token(user) {
  const response = await fetch(`${ctx.server.httpUrl}/dev/token?user=${user}`);
  assert.equal(response.status, 200);
  return (await response.json()).token;
}

async function asUser(user) {
  const client = new ConvexHttpClient(ctx.server.httpUrl, { logger: false });
  client.setAuth(await token(user));
  return client;
}

function asBackend(actingAs) {
  const client = new ConvexHttpClient(ctx.server.httpUrl, { logger: false });
  client.setAdminAuth('app-secret', actingAs);
  return client;
}

describe('ConvexHttpClient', () => {
  test('a signed-in user heartbeats and reads its own presence', async () => {
    const alice = await asUser('alice');
    const beat = await alice.mutation(api.presence.heartbeat, {});
    assert.equal(beat.userId, 'alice');
    assert.equal(beat.online, true);
    const mine = await alice.query(api.presence.getMyPresence, {});
    assert.equal(mine.status, 'online');
    assert.equal(typeof mine.lastSeen, 'number');
  });

  test('the backend pushes a notification that only its user can read', async () => {
    const backend = asBackend();
    const id = await backend.mutation(api.notifications.pushNotification, {
      userId: 'nora', type: 'like', title: 'Bob liked your photo', data: { photo: 7 },
    });
    assert.equal(typeof id, 'string');
    const nora = await asUser('nora');
    assert.equal(await nora.query(api.notifications.getUnreadCount, {}), 1);
    const { page, isDone } = await nora.query(api.notifications.subscribeToNotifications, {});
    assert.equal(isDone, true);
    assert.deepEqual(page.map((n) => [n._id, n.title, n.data.photo, n.read]),
      [[id, 'Bob liked your photo', 7, false]]);
    const other = await asUser('otto');
    assert.equal(await other.query(api.notifications.getUnreadCount, {}), 0);
    await assert.rejects(other.mutation(api.notifications.markAsRead, { notificationId: id }),
      (e) => e instanceof ConvexError && e.data.code === 'NOT_FOUND');
    assert.equal(await nora.mutation(api.notifications.markAllAsRead, {}), 1);
    assert.equal(await nora.query(api.notifications.getUnreadCount, {}), 0);
  });

  test('an app\'s data keeps its Convex types: int64, bytes and special floats', async () => {
    const backend = asBackend();
    const data = {
      big: 1152921504606846977n, bytes: new Uint8Array([0, 1, 255]).buffer, nan: NaN,
      inf: -Infinity, n: 5, nested: [{ s: 'x' }],
    };
    await backend.mutation(api.notifications.pushNotification, {
      userId: 'tina', type: 't', title: 'typed', data,
    });
    const tina = await asUser('tina');
    const { page } = await tina.query(api.notifications.subscribeToNotifications, {});
    const back = page[0].data;
    assert.equal(back.big, 1152921504606846977n);
    assert.deepEqual([...new Uint8Array(back.bytes)], [0, 1, 255]);
    assert.ok(Number.isNaN(back.nan));
    assert.equal(back.inf, -Infinity);
    assert.equal(back.n, 5);
    assert.deepEqual(back.nested, [{ s: 'x' }]);
    await tina.mutation(api.friendActivity.recordActivity, { type: 'typed', data });
    const feed = await tina.query(api.friendActivity.getFriendActivityFeed, { friendIds: ['tina'] });
    assert.equal(feed.page[0].data.big, 1152921504606846977n);
  });

  test('users whose ids come from Auth0-style subjects (auth0|…) are named like any other', async () => {
    const id = 'auth0|64f0c2a1';
    const user = await asUser(encodeURIComponent(id));
    const beat = await user.mutation(api.presence.heartbeat, {});
    assert.equal(beat.userId, id);
    const backend = asBackend();
    assert.equal((await backend.query(api.presence.getUserPresence, { userId: id })).online, true);
    await backend.mutation(api.notifications.pushNotification, { userId: id, type: 't', title: 'hi' });
    assert.equal(await user.query(api.notifications.getUnreadCount, {}), 1);
    await backend.mutation(api.friends.set, { userId: 'plain-friend', friendIds: [id, 'g+x@example.com'] });
    assert.deepEqual(await backend.query(api.friends.list, { userId: 'plain-friend' }), [id, 'g+x@example.com']);
  });

  test('a user without a private-user channel (auth0|…) gets its live events on pusher.user', async () => {
    const id = 'auth0|live-7';
    const client = await signedIn(createClient(ctx.server, { user: { id } }));
    const got = once(client.user, 'notification');
    await asBackend().mutation(api.notifications.pushNotification, { userId: id, type: 't', title: 'to auth0' });
    assert.equal((await got).title, 'to auth0');
  });

  test('the backend may act as a user identity', async () => {
    const carol = asBackend({ subject: 'carol' });
    const beat = await carol.mutation(api.presence.heartbeat, {});
    assert.equal(beat.userId, 'carol');
  });

  test('errors reach the caller with Convex messages', async () => {
    const alice = await asUser('alice');
    await assert.rejects(alice.query(api.nope.missing, {}),
      /Could not find public function for 'nope:missing'/);
    await assert.rejects(alice.mutation(api.typing.startTyping, { chatroomId: 42 }),
      /ArgumentValidationError[\s\S]*\.chatroomId/);
    await assert.rejects(alice.query(api.friends.list, { userId: 'alice' }),
      (e) => e instanceof ConvexError && e.data.code === 'FORBIDDEN');
    const anonymous = new ConvexHttpClient(ctx.server.httpUrl, { logger: false });
    await assert.rejects(anonymous.query(api.presence.getMyPresence, {}),
      (e) => e instanceof ConvexError && e.data.code === 'UNAUTHENTICATED');
    const forged = new ConvexHttpClient(ctx.server.httpUrl, { logger: false });
    forged.setAuth(`${(await token('alice')).slice(0, -4)}AAAA`);
    await assert.rejects(forged.query(api.presence.getMyPresence, {}), /Unauthenticated/);
    await assert.rejects(alice.action(api.presence.heartbeat, {}), /no actions/);
    // and the server still answers
    assert.equal((await alice.query(api.presence.getMyPresence, {})).userId, 'alice');
  });

  test('friend activity flows from the graph the backend sets', async () => {
    const backend = asBackend();
    await backend.mutation(api.friends.set, { userId: 'fay', friendIds: ['gus'] });
    const gus = await asUser('gus');
    await gus.mutation(api.friendActivity.recordActivity, { type: 'played', data: { song: 'x' } });
    const fay = await asUser('fay');
    const feed = await fay.query(api.friendActivity.getFriendActivityFeed, {});
    assert.deepEqual(feed.page.map((a) => [a.userId, a.type, a.data.song]), [['gus', 'played', 'x']]);
    assert.equal(await fay.query(api.friendActivity.hasNewActivity, { since: 0 }), true);
  });
});

describe('live events to Pusher clients', () => {
  test('a pushed notification arrives on the user channel', async () => {
    const pusher = await connectClient(ctx.server, { user: { id: 'pia' } });
    const channel = await subscribed(pusher, 'private-user-pia');
    const arrived = once(channel, 'notification');
    await asBackend().mutation(api.notifications.pushNotification,
      { userId: 'pia', type: 'mention', title: 'You were mentioned' });
    const notification = await arrived;
    assert.equal(notification.title, 'You were mentioned');
    assert.equal(notification.userId, 'pia');
  });

  test('typing and room membership show on the presence-room channel', async () => {
    const pusher = await connectClient(ctx.server, { user: { id: 'ria', info: { name: 'Ria' } } });
    const room = await subscribed(pusher, 'presence-room-lobby');
    const bob = await asUser('rob');
    const joined = once(room, 'pusher:member_added');
    await bob.mutation(api.rooms.heartbeat, { roomId: 'lobby', data: { status: 'active' } });
    assert.equal((await joined).id, 'rob');
    const typing = once(room, 'typing');
    await bob.mutation(api.typing.startTyping, { chatroomId: 'lobby' });
    assert.deepEqual(await typing, { userId: 'rob', typing: true });
    // the Pusher subscriber is a room member for the functions too
    const members = await bob.query(api.rooms.list, { roomId: 'lobby' });
    assert.deepEqual(members.map((m) => [m.userId, m.online]), [['ria', true], ['rob', true]]);
    const stopped = once(room, 'typing');
    await bob.mutation(api.typing.stopTyping, { chatroomId: 'lobby' });
    assert.deepEqual(await stopped, { userId: 'rob', typing: false });
    const left = once(room, 'pusher:member_removed');
    await bob.mutation(api.rooms.leave, { roomId: 'lobby' });
    assert.equal((await left).id, 'rob');
    await eventually(async () => {
      const after = await bob.query(api.rooms.list, { roomId: 'lobby' });
      return after.find((m) => m.userId === 'rob')?.online === false;
    });
  });
});
