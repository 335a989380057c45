'use strict';

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { useServer } = require('../lib/server');
const {
  RawSocket, createClient, serverSdk, signedIn, subscribed, subscriptionCount,
} = require('../lib/clients');
const { once, Recorder } = require('../lib/wait');

const ctx = useServer();

describe('user sign-in', () => {
  test('pusher.signin() through the user-auth endpoint (ajax transport) succeeds', async () => {
    const user = { id: 'ann', info: { a: 1 } };
    const client = await signedIn(createClient(ctx.server, { user }));
    assert.equal(client.user.user_data.id, 'ann');
    assert.deepEqual(client.user.user_data.user_info, { a: 1 });
  });

  test('sendToUser reaches the signed-in user and not another user', async () => {
    const sdk = serverSdk(ctx.server);
    const ann = await signedIn(createClient(ctx.server, { user: { id: 'ann' } }));
    const ben = await signedIn(createClient(ctx.server, { user: { id: 'ben' } }));
    const annGot = new Recorder(ann.user, 'notice');
    const benGot = new Recorder(ben.user, 'notice');

    await sdk.sendToUser('ann', 'notice', { text: 'for ann' });
    await sdk.sendToUser('ben', 'notice', { text: 'for ben' });
    await annGot.waitFor(1);
    await benGot.waitFor(1);
    await sdk.sendToUser('ann', 'notice', { text: 'again for ann' });
    await annGot.waitFor(2);

    assert.deepEqual(annGot.values, [{ text: 'for ann' }, { text: 'again for ann' }]);
    assert.deepEqual(benGot.values, [{ text: 'for ben' }]);
  });

  test('sendToUser reaches every connection of the user', async () => {
    const sdk = serverSdk(ctx.server);
    const tab1 = await signedIn(createClient(ctx.server, { user: { id: 'cat' } }));
    const tab2 = await signedIn(createClient(ctx.server, { user: { id: 'cat' } }));
    const got1 = once(tab1.user, 'hello');
    const got2 = once(tab2.user, 'hello');
    await sdk.sendToUser('cat', 'hello', { n: 1 });
    assert.deepEqual(await got1, { n: 1 });
    assert.deepEqual(await got2, { n: 1 });
  });

  test('an e-mail address with a "+" signs in with pusher-js and gets sendToUser', async () => {
    const sdk = serverSdk(ctx.server);
    const id = 'jane+doe@example.com';
    const client = await signedIn(createClient(ctx.server, { user: { id } }));
    const got = once(client.user, 'hello');
    await sdk.sendToUser(id, 'hello', { to: id });
    assert.deepEqual(await got, { to: id });
  });

  test('sign-in with a custom handler signing with the server SDK', async () => {
    const sdk = serverSdk(ctx.server);
    const client = await signedIn(createClient(ctx.server, { sdk, user: { id: 'dan' } }));
    const got = once(client.user, 'direct');
    await sdk.sendToUser('dan', 'direct', 'just text');
    assert.equal(await got, 'just text');
  });

  test('a connection cannot subscribe to another user\'s server-to-user channel', async () => {
    const sdk = serverSdk(ctx.server);
    const socket = await RawSocket.connect(ctx.server);
    await socket.signin(sdk, { id: 'eve' });
    const answer = await socket.subscribe('#server-to-user-ann');
    assert.equal(answer.event, 'pusher:subscription_error');
    assert.equal(answer.data.status, 401);

    const notSignedIn = await RawSocket.connect(ctx.server);
    const refused = await notSignedIn.subscribe('#server-to-user-ann');
    assert.equal(refused.event, 'pusher:subscription_error');
  });

  test('a forged sign-in is refused with pusher:error 4009', async () => {
    const socket = await RawSocket.connect(ctx.server);
    socket.send({
      event: 'pusher:signin',
      data: { auth: `app-key:${'0'.repeat(64)}`, user_data: JSON.stringify({ id: 'root' }) },
    });
    const error = await socket.next('pusher:error');
    assert.equal(error.data.code, 4009);
  });
});

describe('watchlist', () => {
  test('a watcher hears offline at sign-in, then online and offline as the watched user comes '
    + 'and goes', async () => {
    const watcher = createClient(ctx.server, { user: { id: 'wanda', watchlist: ['walt'] } });
    const offlineAtSignin = once(watcher.user.watchlist, 'offline');
    const online = new Recorder(watcher.user.watchlist, 'online');
    await signedIn(watcher);
    assert.deepEqual((await offlineAtSignin).user_ids, ['walt']);

    const walt = await signedIn(createClient(ctx.server, { user: { id: 'walt' } }));
    await online.waitFor(1);
    assert.deepEqual(online.values[0].user_ids, ['walt']);

    const offline = once(watcher.user.watchlist, 'offline');
    walt.disconnect();
    assert.deepEqual((await offline).user_ids, ['walt']);
  });

  test('a watched user already online is reported online at sign-in', async () => {
    await signedIn(createClient(ctx.server, { user: { id: 'olga' } }));
    const user = { id: 'otto', watchlist: ['olga', 'nobody'] };
    const watcher = createClient(ctx.server, { user });
    const online = once(watcher.user.watchlist, 'online');
    const offline = once(watcher.user.watchlist, 'offline');
    await signedIn(watcher);
    assert.deepEqual((await online).user_ids, ['olga']);
    assert.deepEqual((await offline).user_ids, ['nobody']);
  });

  test('a user with two connections goes offline only when the last one closes', async () => {
    const sdk = serverSdk(ctx.server);
    const watcher = await RawSocket.connect(ctx.server);
    await watcher.signin(sdk, { id: 'wes', watchlist: ['tia'] });
    const initial = await watcher.next('pusher_internal:watchlist_events');
    assert.deepEqual(initial.data.events, [{ name: 'offline', user_ids: ['tia'] }]);

    const tab1 = await signedIn(createClient(ctx.server, { user: { id: 'tia' } }));
    const online = await watcher.next('pusher_internal:watchlist_events');
    assert.deepEqual(online.data.events, [{ name: 'online', user_ids: ['tia'] }]);
    const tab2 = await signedIn(createClient(ctx.server, { user: { id: 'tia' } }));
    await subscribed(tab1, 'tia-tabs');
    await subscribed(tab2, 'tia-tabs');

    tab1.disconnect();
    await subscriptionCount(sdk, 'tia-tabs', 1); // the server has closed tab1
    await watcher.roundTrip();
    assert.deepEqual(watcher.takeAll('pusher_internal:watchlist_events'), [],
      'no event while tia still has a connection');

    tab2.disconnect();
    const offline = await watcher.next('pusher_internal:watchlist_events');
    assert.deepEqual(offline.data.events, [{ name: 'offline', user_ids: ['tia'] }]);
  });
});
