'use strict';

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { APPS, useServer } = require('../lib/server');
const { connectClient, errorBody, serverSdk, subscribed } = require('../lib/clients');
const { apiRequest, postEvent } = require('../lib/http-api');
const { once } = require('../lib/wait');

const ctx = useServer();

const event = (extra = {}) => ({ name: 'e', data: '{}', channels: ['bad-input'], ...extra });

/** Asserts the status and the {"error": "..."} JSON body of a raw response. */
function assertError(response, status) {
  assert.equal(response.status, status, response.text);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(typeof response.json?.error, 'string', `not an {"error"} body: ${response.text}`);
  assert.ok(response.json.error.length > 0);
}

/** Asserts the status and the {"error"} body of a failed SDK call. */
async function assertSdkError(request, status) {
  const error = await request.then(() => null, (e) => e);
  assert.ok(error, 'expected the request to fail');
  assert.equal(error.status, status, error.body);
  assert.equal(typeof errorBody(error).error, 'string');
}

describe('HTTP API: authentication', () => {
  test('a correctly signed raw request is accepted (the baseline of this file)', async () => {
    const response = await postEvent(ctx.server, event());
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json, {});
  });

  test('a wrong secret gives 401', async () => {
    const sdk = serverSdk(ctx.server, { ...APPS.main, secret: 'not-the-secret' });
    await assertSdkError(sdk.trigger('bad-input', 'e', {}), 401);
    await assertSdkError(sdk.get({ path: '/channels' }), 401);
  });

  test('an unknown key gives 401', async () => {
    const response = await postEvent(ctx.server, event(),
      { app: { ...APPS.main, key: 'other-key' } });
    assertError(response, 401);
  });

  test('a body other than the signed one gives 401', async () => {
    const signed = JSON.stringify(event());
    const sent = JSON.stringify(event({ data: '{"admin":true}' }));
    assertError(await apiRequest(ctx.server, { path: '/events', body: sent, signedBody: signed }),
      401);
  });

  test('a request without a signature gives 401', async () => {
    const response = await fetch(`${ctx.server.httpUrl}/apps/app-id/events`, {
      method: 'POST',
      body: JSON.stringify(event()),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.status, 401);
    assert.equal(typeof (await response.json()).error, 'string');
  });

  test('a timestamp more than 600 s old or ahead gives 401; within the window is accepted',
    async () => {
      const secondsFromNow = (s) => Math.floor(Date.now() / 1000) + s;
      const at = (s) => postEvent(ctx.server, event(), { timestamp: secondsFromNow(s) });
      assertError(await at(-601), 401);
      assertError(await at(-3600), 401);
      // ahead by more than the window plus any clock tick between here and the server
      assertError(await at(+630), 401);
      assert.equal((await at(-500)).status, 200);
      assert.equal((await at(+500)).status, 200);
    });

  test('an unknown app id gives 404', async () => {
    const sdk = serverSdk(ctx.server, { ...APPS.main, id: 'no-such-app' });
    await assertSdkError(sdk.trigger('bad-input', 'e', {}), 404);
  });

  test('a disabled app gives 403', async () => {
    const sdk = serverSdk(ctx.server, APPS.disabled);
    await assertSdkError(sdk.trigger('bad-input', 'e', {}), 403);
  });
});

describe('HTTP API: invalid events', () => {
  test('data over 10 KB gives 413; exactly 10 KB is accepted', async () => {
    const sdk = serverSdk(ctx.server);
    await assertSdkError(sdk.trigger('bad-input', 'e', 'x'.repeat(10 * 1024 + 1)), 413);
    const ok = await sdk.trigger('bad-input', 'e', 'x'.repeat(10 * 1024));
    assert.equal(ok.status, 200);
  });

  test('a malformed JSON body gives 400', async () => {
    assertError(await apiRequest(ctx.server, { path: '/events', body: '{"name": "e", "data": ' }),
      400);
    assertError(await apiRequest(ctx.server, { path: '/events', body: '[1, 2]' }), 400);
  });

  test('a malformed percent-encoding in the query gives a JSON 400, with or without a body', async () => {
    for (const [method, path, body] of [
      ['POST', `/apps/${APPS.main.id}/events?x=%zz`, '{}'],
      ['GET', `/apps/${APPS.main.id}/channels?x=%zz`, undefined],
      ['POST', '/api/query?x=%zz', '{"path":"typing:getTypingCount","args":{"chatroomId":"r"}}'],
    ]) {
      const response = await fetch(`${ctx.server.httpUrl}${path}`, {
        method, body, headers: { 'content-type': 'application/json' },
        signal: AbortSignal.timeout(5000),
      });
      const text = await response.text();
      assert.equal(response.status, 400, `${method} ${path}: ${text}`);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(typeof JSON.parse(text).error, 'string');
    }
  });

  test('an event without name, data or channels gives 400', async () => {
    assertError(await postEvent(ctx.server, { data: '{}', channels: ['a'] }), 400);
    assertError(await postEvent(ctx.server, { name: 'e', channels: ['a'] }), 400);
    assertError(await postEvent(ctx.server, { name: 'e', data: '{}' }), 400);
  });

  test('a channel name with invalid characters gives 400', async () => {
    for (const bad of ['has space', 'star*', 'slash/es', 'ümlaut', '']) {
      assertError(await postEvent(ctx.server, event({ channels: [bad] })), 400);
    }
  });

  test('a channel name over 200 characters gives 400', async () => {
    assertError(await postEvent(ctx.server, event({ channels: ['c'.repeat(201)] })), 400);
  });

  test('more than 100 channels gives 400; 100 is accepted', async () => {
    const names = (n) => [...Array(n).keys()].map((i) => `many-${i}`);
    assertError(await postEvent(ctx.server, event({ channels: names(101) })), 400);
    assert.equal((await postEvent(ctx.server, event({ channels: names(100) }))).status, 200);
  });

  test('an event name over 200 characters gives 400', async () => {
    assertError(await postEvent(ctx.server, event({ name: 'e'.repeat(201) })), 400);
  });

  test('reserved pusher: event names give 400', async () => {
    assertError(await postEvent(ctx.server, event({ name: 'pusher:subscribe' })), 400);
    assertError(await postEvent(ctx.server, event({ name: 'pusher_internal:member_added' })), 400);
  });

  test('an invalid socket_id gives 400', async () => {
    assertError(await postEvent(ctx.server, event({ socket_id: 'abc' })), 400);
  });

  test('a batch entry with an invalid channel fails the whole batch with 400', async () => {
    const body = JSON.stringify({
      batch: [
        { channel: 'ok', name: 'e', data: '{}' },
        { channel: 'bad channel', name: 'e', data: '{}' },
      ],
    });
    assertError(await apiRequest(ctx.server, { path: '/batch_events', body }), 400);
  });

  test('a request body over max_request_bytes (1 MB) gives 413 with a JSON error', async () => {
    const body = JSON.stringify(event({ data: 'x'.repeat(1024 * 1024 + 1) }));
    assertError(await apiRequest(ctx.server, { path: '/events', body }), 413);
  });

  test('a known route with the wrong method gives a 405 JSON error', async () => {
    const response = await fetch(`${ctx.server.httpUrl}/apps/${APPS.main.id}/events`, { method: 'PUT' });
    assert.equal(response.status, 405);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.match((await response.json()).error, /PUT is not allowed/);
  });

  test('an unknown route gives a 404 JSON error', async () => {
    assertError(await apiRequest(ctx.server, { method: 'GET', path: '/nothing-here' }), 404);
  });
});

describe('HTTP API after bad input', () => {
  test('the server keeps serving clients and the API', async () => {
    const client = await connectClient(ctx.server);
    const channel = await subscribed(client, 'after-bad-input');
    const received = once(channel, 'fine');
    const response = await serverSdk(ctx.server).trigger('after-bad-input', 'fine', { ok: true });
    assert.equal(response.status, 200);
    assert.deepEqual(await received, { ok: true });
  });
});
