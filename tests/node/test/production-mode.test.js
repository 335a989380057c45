'use strict';

// BEACON_MODE=production: no development auth endpoints; the app's backend signs.

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, useServer } = require('../lib/server');
const { connectClient, serverSdk, subscribed } = require('../lib/clients');
const { once } = require('../lib/wait');

const app = { id: 'prod-app', key: 'prod-key', secret: 'a-real-secret-0123456789' };

const ctx = useServer({
  config: { shutdown_grace_seconds: 2, apps: [app] },
  env: { BEACON_MODE: 'production' },
});

describe('production mode', () => {
  test('the development auth endpoints do not exist', async () => {
    for (const path of ['/pusher/auth', '/pusher/user-auth']) {
      const response = await fetch(`${ctx.server.httpUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'socket_id=1.2&channel_name=private-x',
      });
      assert.equal(response.status, 404, path);
      assert.equal(typeof (await response.json()).error, 'string');
    }
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
