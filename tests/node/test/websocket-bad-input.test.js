'use strict';

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const { useServer } = require('../lib/server');
const { RawSocket, connectClient, serverSdk, subscribed } = require('../lib/clients');
const { once, Recorder } = require('../lib/wait');

const ctx = useServer();

/** Asserts that the socket can still subscribe and receive an event triggered through the API. */
async function stillWorks(socket, channel) {
  const answer = await socket.subscribe(channel);
  assert.equal(answer.event, 'pusher_internal:subscription_succeeded');
  await serverSdk(ctx.server).trigger(channel, 'alive', { ok: true });
  const event = await socket.next('alive');
  assert.deepEqual(event.data, { ok: true });
  assert.equal(socket.isOpen, true);
}

describe('malformed WebSocket frames', () => {
  const frames = [
    ['invalid JSON', '{"event": "pusher:subscribe", '],
    ['a JSON array', '[{"event": "pusher:ping"}]'],
    ['a JSON string', '"pusher:ping"'],
    ['a message without an event', '{"data": {"channel": "x"}}'],
    ['a non-string event', '{"event": 42, "data": {}}'],
    ['a subscribe without a channel', '{"event": "pusher:subscribe", "data": {}}'],
    ['a subscribe without data', '{"event": "pusher:subscribe"}'],
    ['a subscribe with a numeric channel', '{"event": "pusher:subscribe", "data": {"channel": 5}}'],
    ['an unknown event', '{"event": "hello", "data": {}}'],
    ['a client event without a channel', '{"event": "client-x", "data": {}}'],
  ];

  for (const [what, frame] of frames) {
    test(`${what} gets a pusher:error and the connection keeps working`, async () => {
      const socket = await RawSocket.connect(ctx.server);
      socket.send(frame);
      const error = await socket.next('pusher:error');
      assert.equal(typeof error.data.message, 'string');
      await stillWorks(socket, 'after-bad-frame');
    });
  }

  test('a subscription to an invalid channel name gets a subscription error', async () => {
    const socket = await RawSocket.connect(ctx.server);
    socket.send({ event: 'pusher:subscribe', data: { channel: 'bad channel!' } });
    const answer = await socket.next((m) => m.event === 'pusher:subscription_error'
      || m.event === 'pusher:error');
    assert.ok(answer.event === 'pusher:subscription_error' || answer.event === 'pusher:error');
    await stillWorks(socket, 'after-bad-channel');
  });

  test('a binary frame gets a pusher:error and the connection keeps working', async () => {
    const socket = await RawSocket.connect(ctx.server);
    socket.send(Buffer.from(JSON.stringify({ event: 'pusher:ping', data: {} })), { binary: true });
    const error = await socket.next('pusher:error');
    assert.equal(typeof error.data.message, 'string');
    await stillWorks(socket, 'after-binary');
  });

  test('a healthy client is unaffected by another connection\'s garbage', async () => {
    const healthy = await connectClient(ctx.server);
    const channel = await subscribed(healthy, 'shared');
    const states = new Recorder(healthy.connection, 'state_change');
    const errors = new Recorder(healthy.connection, 'error');
    const noisy = await RawSocket.connect(ctx.server);
    await noisy.subscribe('shared');
    for (const [, frame] of frames) {
      noisy.send(frame);
    }
    noisy.send(Buffer.from([0, 1, 2, 255]), { binary: true });
    await noisy.roundTrip();

    const received = once(channel, 'news');
    await serverSdk(ctx.server).trigger('shared', 'news', { n: 1 });
    assert.deepEqual(await received, { n: 1 });
    assert.equal(states.count, 0);
    assert.equal(errors.count, 0);
    assert.deepEqual((await noisy.next('news')).data, { n: 1 });
  });
});

describe('oversized WebSocket messages', () => {
  test('a message over websocket.max_message_bytes closes the connection with 1009', async () => {
    const socket = await RawSocket.connect(ctx.server);
    const other = await RawSocket.connect(ctx.server);
    socket.send({ event: 'pusher:ping', data: 'x'.repeat(140 * 1024) });
    const closed = await socket.closed;
    assert.equal(closed.code, 1009);
    assert.match(closed.reason, /131072/);
    await stillWorks(other, 'after-too-big');
  });

  test('a message sent in fragments that grows past every limit also closes with 1009', async () => {
    const WebSocket = require('ws');
    const ws = new WebSocket(ctx.server.wsUrl());
    await new Promise((resolve) => ws.once('message', resolve)); // connection_established
    const closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
    const chunk = 'x'.repeat(400 * 1024);
    ws.send(`{"event":"pusher:ping","data":"${chunk}`, { fin: false });
    for (let i = 0; i < 3; i++) ws.send(chunk, { fin: false });
    ws.send(`${chunk}"}`, { fin: true });
    assert.equal(await closed, 1009);
  });
});

describe('oversized client events', () => {
  test('a client event over 10 KB gets pusher:error, is not delivered, and the connection '
    + 'stays open', async () => {
    const sdk = serverSdk(ctx.server);
    const sender = await RawSocket.connect(ctx.server);
    const receiver = await RawSocket.connect(ctx.server);
    await sender.subscribeSigned(sdk, 'private-big');
    await receiver.subscribeSigned(sdk, 'private-big');

    const blob = 'x'.repeat(11 * 1024);
    sender.send({ event: 'client-big', channel: 'private-big', data: { blob } });
    const error = await sender.next('pusher:error');
    assert.equal(typeof error.data.message, 'string');
    await sender.roundTrip();
    await receiver.roundTrip();
    assert.deepEqual(receiver.takeAll('client-big'), []);

    // and a small one still goes through
    sender.send({ event: 'client-small', channel: 'private-big', data: { ok: 1 } });
    assert.deepEqual((await receiver.next('client-small')).data, { ok: 1 });
    assert.equal(sender.isOpen, true);
  });
});
