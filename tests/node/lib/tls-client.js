'use strict';

// Run by test/tls.test.js in its own process, with NODE_EXTRA_CA_CERTS naming the certificate the
// test generated, so every client below verifies the server's certificate as in production:
// pusher-js with forceTLS, the `pusher` server SDK with useTLS, fetch and the `convex` client.
// Prints one line per client that worked; exits non-zero on the first failure.

const Pusher = require('pusher-js');
const PusherServer = require('pusher');
const WebSocket = require('ws');
const { ConvexClient } = require('convex/browser');
const { anyApi: api } = require('convex/server');

const url = new URL(process.env.BEACON_URL);
const port = Number(url.port);
const host = url.hostname;

function within(ms, what, promise) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  })]).finally(() => clearTimeout(timer));
}

async function pusherOverTls() {
  const client = new Pusher('app-key', {
    wsHost: host, wssPort: port, forceTLS: true, enabledTransports: ['ws'], disableStats: true,
    cluster: 'local',
  });
  try {
    const channel = client.subscribe('tls-news');
    await within(15000, 'pusher-js subscription', new Promise((resolve, reject) => {
      channel.bind('pusher:subscription_succeeded', resolve);
      client.connection.bind('error', (e) => reject(new Error(JSON.stringify(e))));
    }));
    const received = new Promise((resolve) => channel.bind('hello', resolve));
    const sdk = new PusherServer({ appId: 'app-id', key: 'app-key', secret: 'app-secret', host, port, useTLS: true });
    await sdk.trigger('tls-news', 'hello', { over: 'tls' });
    const data = await within(15000, 'pusher-js event', received);
    if (data.over !== 'tls') {
      throw new Error(`unexpected event ${JSON.stringify(data)}`);
    }
    console.log(`pusher-js forceTLS ok: socket ${client.connection.socket_id} on ${client.connection.connection.transport.name}`);
  } finally {
    client.disconnect();
  }
}

async function convexOverTls() {
  const token = (await (await fetch(`${url.origin}/dev/token?user=tls-user`)).json()).token;
  const convex = new ConvexClient(url.origin, { logger: false, webSocketConstructor: WebSocket });
  convex.setAuth(async () => token);
  try {
    const first = await within(15000, 'convex query', new Promise((resolve, reject) => {
      convex.onUpdate(api.notifications.getUnreadCount, {}, resolve, reject);
    }));
    const result = await within(15000, 'convex mutation',
      convex.mutation(api.typing.startTyping, { chatroomId: 'tls-room' }));
    console.log(`convex ok: unread ${first}, mutation answered ${JSON.stringify(result)}`);
  } finally {
    await convex.close();
  }
}

(async () => {
  await pusherOverTls();
  await convexOverTls();
})().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
