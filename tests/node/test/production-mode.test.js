'use strict';

// BEACON_MODE=production: no development helpers; the app's backend signs, or Beacon signs by its
// rules for a user who shows its JWT.

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, useServer } = require('../lib/server');
const { connectClient, serverSdk, subscribed } = require('../lib/clients');
const { once } = require('../lib/wait');

const app = {
  id: 'prod-app', key: 'prod-key', secret: 'a-real-secret-0123456789',
  jwt_secret: 'a-production-jwt-secret-of-32-bytes-or-more',
};

/** An HS256 JWT signed with the app's secret, as an identity provider would issue it. */
function hs256(claims) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  const signature = require('node:crypto').createHmac('sha256', app.jwt_secret).update(body).digest('base64url');
  return `${body}.${signature}`;
}

const ctx = useServer({
  config: { shutdown_grace_seconds: 2, apps: [app] },
  env: { BEACON_MODE: 'production' },
});

describe('production mode', () => {
  test('the auth endpoints sign nothing without a user\'s JWT', async () => {
    for (const path of ['/pusher/auth', '/pusher/user-auth']) {
      const response = await fetch(`${ctx.server.httpUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'socket_id=1.2&channel_name=private-x&user_id=anyone',
      });
      assert.equal(response.status, 401, path);
      assert.match((await response.json()).error, /Bearer/);
    }
  });

  test('with the user\'s JWT, Beacon signs its own channels and refuses the rest', async () => {
    const jwt = hs256({ sub: 'uma', aud: app.id, name: 'Uma', exp: Math.floor(Date.now() / 1000) + 600 });
    const post = (path, body) => fetch(`${ctx.server.httpUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    assert.equal((await post('/pusher/auth', 'socket_id=1.2&channel_name=private-user-uma')).status, 200);
    assert.equal((await post('/pusher/auth', 'socket_id=1.2&channel_name=private-user-vic')).status, 403);
    assert.equal((await post('/pusher/auth', 'socket_id=1.2&channel_name=private-conversation-c1')).status, 403);
    const room = await post('/pusher/auth', 'socket_id=1.2&channel_name=presence-room-lobby');
    assert.equal(room.status, 200); // open rooms: any signed-in user may enter
    const data = JSON.parse((await room.json()).channel_data);
    assert.deepEqual(data, { user_id: 'uma', user_info: { name: 'Uma' } });
    const signin = await (await post('/pusher/user-auth', 'socket_id=1.2&user_id=someone-else')).json();
    assert.equal(JSON.parse(signin.user_data).id, 'uma');
    const forged = `${jwt.slice(0, -2)}xx`;
    const bad = await fetch(`${ctx.server.httpUrl}/pusher/auth`, {
      method: 'POST',
      headers: { authorization: `Bearer ${forged}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'socket_id=1.2&channel_name=private-user-uma',
    });
    assert.equal(bad.status, 401);
  });

  test('pusher-js works with a backend that signs with the server SDK', async () => {
    const sdk = serverSdk(ctx.server, app);
    const client = await connectClient(ctx.server, { key: app.key, sdk, user: { id: 'u' } });
    const channel = await subscribed(client, 'private-prod');
    const received = once(channel, 'e');
    await sdk.trigger('private-prod', 'e', { ok: true });
    assert.deepEqual(await received, { ok: true });
  });

  test('the development secret is refused at start-up', async () => {
    await assert.rejects(
      startServer({
        config: { apps: [{ id: 'x', key: 'x-key', secret: 'app-secret' }] },
        env: { BEACON_MODE: 'production' },
      }),
      /cannot be used in production/);
  });
});
