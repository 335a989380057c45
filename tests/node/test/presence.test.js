'use strict';

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { useServer } = require('../lib/server');
const {
  RawSocket, connectClient, serverSdk, subscribed, subscriptionCount,
} = require('../lib/clients');
const { once, Recorder } = require('../lib/wait');

const ctx = useServer();

const alice = { id: 'alice', info: { name: 'Alice', color: 'teal' } };
const bob = { id: 'bob', info: { name: 'Bob' } };
const carol = { id: 'carol', info: { name: 'Carol', roles: ['admin'] } };

function memberIds(channel) {
  const ids = [];
  channel.members.each((member) => ids.push(member.id));
  return ids.sort();
}

/**
 * Triggers a marker event on the channel and waits until `channel` has it: every member event
 * the server sent to that client before it has then arrived too.
 */
async function barrier(channel) {
  const marker = once(channel, 'marker');
  await serverSdk(ctx.server).trigger(channel.name, 'marker', {});
  await marker;
}

describe('presence channels', () => {
  test('the second member sees the first in members, with its user_info', async () => {
    const a = await connectClient(ctx.server, { user: alice });
    const b = await connectClient(ctx.server, { user: bob });
    const channelA = await subscribed(a, 'presence-room-1');
    const added = once(channelA, 'pusher:member_added');
    const channelB = await subscribed(b, 'presence-room-1');

    assert.equal(channelB.members.count, 2);
    assert.deepEqual(memberIds(channelB), ['alice', 'bob']);
    assert.deepEqual(channelB.members.get('alice').info, alice.info);
    assert.equal(channelB.members.me.id, 'bob');
    assert.deepEqual(channelB.members.me.info, bob.info);

    const member = await added;
    assert.equal(member.id, 'bob');
    assert.deepEqual(member.info, bob.info);
    assert.equal(channelA.members.count, 2);
  });

  test('member_removed reaches the others when a member disconnects', async () => {
    const a = await connectClient(ctx.server, { user: alice });
    const b = await connectClient(ctx.server, { user: bob });
    const channelA = await subscribed(a, 'presence-room-2');
    await subscribed(b, 'presence-room-2');
    const removed = once(channelA, 'pusher:member_removed');
    b.disconnect();
    const member = await removed;
    assert.equal(member.id, 'bob');
    assert.equal(channelA.members.count, 1);
    assert.deepEqual(memberIds(channelA), ['alice']);
  });

  test('member_removed reaches the others when a member unsubscribes', async () => {
    const a = await connectClient(ctx.server, { user: alice });
    const b = await connectClient(ctx.server, { user: bob });
    const channelA = await subscribed(a, 'presence-room-3');
    await subscribed(b, 'presence-room-3');
    const removed = once(channelA, 'pusher:member_removed');
    b.unsubscribe('presence-room-3');
    assert.equal((await removed).id, 'bob');
    assert.equal(channelA.members.count, 1);
  });

  test('the same user in two tabs is one member: added once, removed when the last tab leaves',
    async () => {
      const watcher = await connectClient(ctx.server, { user: carol });
      const channel = await subscribed(watcher, 'presence-tabs');
      const added = new Recorder(channel, 'pusher:member_added');
      const removed = new Recorder(channel, 'pusher:member_removed');

      const tab1 = await connectClient(ctx.server, { user: alice });
      await subscribed(tab1, 'presence-tabs');
      const tab2 = await connectClient(ctx.server, { user: alice });
      const tab2Channel = await subscribed(tab2, 'presence-tabs');
      await barrier(channel);
      assert.equal(added.count, 1, 'member_added once for two tabs');
      assert.equal(added.values[0].id, 'alice');
      assert.deepEqual(added.values[0].info, alice.info);
      assert.equal(channel.members.count, 2);
      assert.equal(tab2Channel.members.count, 2, 'the second tab sees alice once');
      assert.deepEqual(memberIds(tab2Channel), ['alice', 'carol']);

      tab1.disconnect();
      // once the server has dropped tab1, a member_removed would already be on its way
      await subscriptionCount(serverSdk(ctx.server), 'presence-tabs', 2);
      await barrier(channel);
      assert.equal(removed.count, 0, 'no member_removed while a tab remains');
      assert.equal(channel.members.count, 2);
      assert.deepEqual(memberIds(tab2Channel), ['alice', 'carol']);

      tab2.disconnect();
      await removed.waitFor(1);
      assert.equal(removed.values[0].id, 'alice');
      await barrier(channel);
      assert.equal(removed.count, 1);
      assert.equal(channel.members.count, 1);
      assert.deepEqual(memberIds(channel), ['carol']);
    });

  test('members.count follows joins and leaves of several users', async () => {
    const watcher = await connectClient(ctx.server, { user: { id: 'watcher' } });
    const channel = await subscribed(watcher, 'presence-count');
    const added = new Recorder(channel, 'pusher:member_added');
    const users = [];
    for (let i = 0; i < 5; i++) {
      const client = await connectClient(ctx.server, { user: { id: `u${i}`, info: { i } } });
      await subscribed(client, 'presence-count');
      users.push(client);
    }
    await added.waitFor(5);
    assert.equal(channel.members.count, 6);
    assert.deepEqual(channel.members.get('u3').info, { i: 3 });

    const removed = new Recorder(channel, 'pusher:member_removed');
    users[0].disconnect();
    users[1].disconnect();
    await removed.waitFor(2);
    assert.deepEqual(removed.values.map((m) => m.id).sort(), ['u0', 'u1']);
    assert.equal(channel.members.count, 4);
  });

  test('presence subscriptions signed with the server SDK carry user_info', async () => {
    const sdk = serverSdk(ctx.server);
    const a = await connectClient(ctx.server, { sdk, user: alice });
    const b = await connectClient(ctx.server, { sdk, user: carol });
    await subscribed(a, 'presence-sdk');
    const channel = await subscribed(b, 'presence-sdk');
    assert.deepEqual(channel.members.get('alice').info, alice.info);
    assert.deepEqual(channel.members.me.info, carol.info);
  });

  test('a presence subscription with channel_data not covered by the signature is refused',
    async () => {
      const sdk = serverSdk(ctx.server);
      const socket = await RawSocket.connect(ctx.server);
      const signed = sdk.authorizeChannel(socket.socketId, 'presence-forged', { user_id: 'alice' });
      const answer = await socket.subscribe('presence-forged', {
        auth: signed.auth,
        channel_data: JSON.stringify({ user_id: 'admin' }),
      });
      assert.equal(answer.event, 'pusher:subscription_error');
      assert.equal(answer.data.type, 'AuthError');
      assert.equal(answer.data.status, 401);
    });
});
