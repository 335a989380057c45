'use strict';

// Clients pointed at a test server: pusher-js (the node build, which bundles tweetnacl and so
// supports private-encrypted- channels), the `pusher` server SDK, and raw WebSockets.

const Pusher = require('pusher-js');
const PusherServer = require('pusher');
const WebSocket = require('ws');
const { APPS } = require('./server');
const { DEFAULT_TIMEOUT_MS, eventually, once, onceUnless, withTimeout } = require('./wait');

const SOCKET_ID = /^\d+\.\d+$/;

// pusher-js closes its faye-websocket again when the server has already closed it (a refusal, a
// 4009): faye then arms a 30 s close-handshake timer that nothing clears, which would keep the
// test process alive for 30 s. The timer must not hold the process open; nothing else changes.
{
  const FayeWebSocket = Pusher.Runtime.getWebSocketAPI();
  const close = FayeWebSocket.prototype.close;
  FayeWebSocket.prototype.close = function closeWithoutHoldingTheProcess(...args) {
    const result = close.apply(this, args);
    this._closeTimer?.unref?.();
    return result;
  };
}

// Everything a test opens, closed by closeAllClients() after each test (see useServer).
const open = new Set();

function closeAllClients() {
  for (const client of open) {
    try {
      if (client instanceof RawSocket) {
        client.terminate();
      } else {
        client.disconnect();
      }
    } catch {
      // already closed
    }
  }
  open.clear();
}

// ------------------------------------------------------------------ the server SDK

/** The `pusher` server SDK for an app of the test server. */
function serverSdk(server, app = APPS.main, options = {}) {
  return new PusherServer({
    appId: app.id,
    key: app.key,
    secret: app.secret,
    host: server.host,
    port: String(server.port),
    useTLS: false,
    ...(app.encryptionMasterKeyBase64
      ? { encryptionMasterKeyBase64: app.encryptionMasterKeyBase64 } : {}),
    ...options,
  });
}

/** GET /channels/{name} through the SDK: {occupied, subscription_count[, user_count]}. */
async function channelInfo(sdk, channel) {
  const info = channel.startsWith('presence-') ? 'subscription_count,user_count'
    : 'subscription_count';
  const response = await sdk.get({ path: `/channels/${channel}`, params: { info } });
  return response.json();
}

/** Resolves once the server counts `count` subscriptions to `channel`. */
function subscriptionCount(sdk, channel, count, timeoutMs) {
  return eventually(async () => (await channelInfo(sdk, channel)).subscription_count === count,
    timeoutMs, `${count} subscriptions to ${channel}`);
}

/** The body of a failed SDK call, which must be a JSON object with a string `error`. */
function errorBody(requestError) {
  return JSON.parse(requestError.body);
}

// ------------------------------------------------------------------ pusher-js

/**
 * Authorization through the server's development endpoints (what pusher-js does with
 * `transport: 'ajax'`: a form POST of socket_id and channel_name, plus `params`).
 */
function devAuthOptions(server, { key = APPS.main.key, user } = {}) {
  const params = {};
  if (key !== APPS.main.key) {
    params.app_key = key;
  }
  if (user?.id) {
    params.user_id = user.id;
  }
  if (user?.info !== undefined) {
    params.user_info = JSON.stringify(user.info);
  }
  const userParams = { ...params };
  if (user?.watchlist) {
    userParams.watchlist = user.watchlist.join(',');
  }
  return {
    channelAuthorization: {
      endpoint: `${server.httpUrl}/pusher/auth`,
      transport: 'ajax',
      params,
    },
    userAuthentication: {
      endpoint: `${server.httpUrl}/pusher/user-auth`,
      transport: 'ajax',
      params: userParams,
    },
  };
}

/**
 * Authorization as an app's backend does it: pusher-js custom handlers that sign with the server
 * SDK (`authorizeChannel`, `authenticateUser`).
 */
function sdkAuthOptions(sdk, { user } = {}) {
  return {
    channelAuthorization: {
      customHandler: ({ socketId, channelName }, callback) => {
        try {
          const presence = channelName.startsWith('presence-')
            ? { user_id: user.id, user_info: user.info } : undefined;
          callback(null, sdk.authorizeChannel(socketId, channelName, presence));
        } catch (e) {
          callback(e, null);
        }
      },
    },
    userAuthentication: {
      customHandler: ({ socketId }, callback) => {
        try {
          const userData = { id: user.id };
          if (user.info !== undefined) {
            userData.user_info = user.info;
          }
          if (user.watchlist) {
            userData.watchlist = user.watchlist;
          }
          callback(null, sdk.authenticateUser(socketId, userData));
        } catch (e) {
          callback(e, null);
        }
      },
    },
  };
}

/**
 * A pusher-js client for the test server. By default it authorizes through the development
 * endpoints as `user` ({id, info, watchlist}); pass `sdk` to sign with the server SDK instead, or
 * any pusher-js option to override.
 */
function createClient(server, { key = APPS.main.key, user, sdk, ...options } = {}) {
  const auth = sdk ? sdkAuthOptions(sdk, { user }) : devAuthOptions(server, { key, user });
  const client = new Pusher(key, {
    wsHost: server.host,
    wsPort: server.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    cluster: 'local',
    ...auth,
    ...options,
  });
  open.add(client);
  return client;
}

/** Resolves once a pusher-js client is connected. */
async function connected(client, timeoutMs = DEFAULT_TIMEOUT_MS) {
  if (client.connection.state !== 'connected') {
    await once(client.connection, 'connected', timeoutMs);
  }
  return client;
}

/** createClient, then wait for the connection. */
function connectClient(server, options) {
  return connected(createClient(server, options));
}

/**
 * The close code in a pusher-js connection 'error': {type: 'PusherError', data: {code}} when an
 * open connection is closed, {type: 'WebSocketError', error: {data: {code}}} when refused.
 */
function closeCode(error) {
  return error?.data?.code ?? error?.error?.data?.code;
}

/** Subscribes and resolves with the channel once the server confirmed the subscription. */
async function subscribed(client, channelName, timeoutMs = DEFAULT_TIMEOUT_MS) {
  const channel = client.subscribe(channelName);
  if (!channel.subscribed) {
    await onceUnless(channel, 'pusher:subscription_succeeded', 'pusher:subscription_error',
      timeoutMs);
  }
  return channel;
}

/** pusher.signin(), resolving once the server-to-user channel is subscribed. */
async function signedIn(client, timeoutMs = DEFAULT_TIMEOUT_MS) {
  await connected(client, timeoutMs);
  let failed = null;
  const onError = (e) => {
    failed = e;
  };
  client.user.bind('pusher:signin_error', onError);
  client.signin();
  try {
    // resolved on pusher:signin_success, and also when pusher-js gives up (signin_error)
    await withTimeout(client.user.signinDonePromise, timeoutMs, 'sign-in');
  } finally {
    client.user.unbind('pusher:signin_error', onError);
  }
  if (failed) {
    throw new Error(`sign-in failed: ${JSON.stringify(failed)}`);
  }
  const channel = client.user.serverToUserChannel;
  if (!channel) {
    throw new Error('sign-in completed without a server-to-user channel (not signed in)');
  }
  if (!channel.subscribed) {
    await once(channel, 'pusher:subscription_succeeded', timeoutMs);
  }
  return client;
}

// ------------------------------------------------------------------ raw WebSockets

function decodeFrame(data, isBinary) {
  const text = data.toString('utf8');
  let message;
  try {
    message = JSON.parse(text);
  } catch {
    message = { event: undefined, invalid: true }; // not JSON: kept for the test to see
  }
  message.raw = text;
  message.binary = isBinary;
  if (typeof message.data === 'string') {
    try {
      message.data = JSON.parse(message.data);
    } catch {
      // a plain string payload
    }
  }
  return message;
}

function matcher(predicate) {
  if (typeof predicate === 'string') {
    return (m) => m.event === predicate;
  }
  return predicate ?? (() => true);
}

/**
 * A WebSocket speaking the Pusher protocol by hand: every frame the server sends is queued, and
 * next() takes the first one matching a predicate, waiting for it if needed.
 */
class RawSocket {
  /**
   * Opens a WebSocket to the server. Resolves once the upgrade succeeded (refusals arrive
   * after it, as a close code).
   *
   * @param {object} [options] key, protocol (null: none), path, autoPong (answer WS pings)
   */
  static open(server, { key, protocol = '7', path, autoPong = true } = {}) {
    const ws = new WebSocket(server.wsUrl(key, { protocol, path }), { autoPong });
    const socket = new RawSocket(ws);
    open.add(socket);
    const opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('error', reject);
    });
    return withTimeout(opened, DEFAULT_TIMEOUT_MS, 'WebSocket open');
  }

  /** Opens a socket and waits for pusher:connection_established. */
  static async connect(server, options) {
    const socket = await RawSocket.open(server, options);
    const established = await socket.next('pusher:connection_established');
    socket.socketId = established.data.socket_id;
    socket.activityTimeout = established.data.activity_timeout;
    return socket;
  }

  constructor(ws) {
    this.ws = ws;
    this.inbox = [];
    this.waiters = [];
    this.socketId = null;
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }));
    });
    ws.on('error', (e) => {
      this.error = e;
    });
    ws.on('message', (data, isBinary) => this.receive(decodeFrame(data, isBinary)));
  }

  receive(message) {
    const waiter = this.waiters.find((w) => w.predicate(message));
    if (waiter) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    } else {
      this.inbox.push(message);
    }
  }

  /** Takes the first received message matching `predicate` (an event name or a function). */
  next(predicate, timeoutMs = DEFAULT_TIMEOUT_MS) {
    const test = matcher(predicate);
    const index = this.inbox.findIndex(test);
    if (index >= 0) {
      return Promise.resolve(this.inbox.splice(index, 1)[0]);
    }
    let waiter;
    const promise = new Promise((resolve) => {
      waiter = { predicate: test, resolve };
      this.waiters.push(waiter);
    });
    const what = typeof predicate === 'string' ? `'${predicate}'` : 'a matching message';
    return withTimeout(promise, timeoutMs, `${what} on a raw socket`).catch((e) => {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      const seen = this.inbox.map((m) => m.raw).join('\n  ');
      throw new Error(`${e.message}; unclaimed messages:\n  ${seen || '(none)'}`);
    });
  }

  /** Messages received and not yet taken that match `predicate`, taking them. */
  takeAll(predicate) {
    const test = matcher(predicate);
    const taken = this.inbox.filter(test);
    this.inbox = this.inbox.filter((m) => !test(m));
    return taken;
  }

  /** Sends a message (an object is JSON-encoded; a string or Buffer goes as it is). */
  send(message, options) {
    const payload = typeof message === 'string' || Buffer.isBuffer(message)
      ? message : JSON.stringify(message);
    this.ws.send(payload, options);
  }

  /** Subscribes and resolves with the server's answer (subscription_succeeded or _error). */
  subscribe(channel, { auth, channel_data: channelData } = {}) {
    const data = { channel };
    if (auth !== undefined) {
      data.auth = auth;
    }
    if (channelData !== undefined) {
      data.channel_data = channelData;
    }
    this.send({ event: 'pusher:subscribe', data });
    return this.next((m) => m.channel === channel
      && (m.event === 'pusher_internal:subscription_succeeded'
        || m.event === 'pusher:subscription_error'));
  }

  /** Subscribes to a private, encrypted or presence channel with a signature from the SDK. */
  async subscribeSigned(sdk, channel, presenceData) {
    const answer = await this.subscribe(channel,
      sdk.authorizeChannel(this.socketId, channel, presenceData));
    if (answer.event !== 'pusher_internal:subscription_succeeded') {
      throw new Error(`subscription to ${channel} failed: ${answer.raw}`);
    }
    return answer;
  }

  /** Signs in as a user with a signature from the SDK; resolves with pusher:signin_success. */
  signin(sdk, userData) {
    this.send({ event: 'pusher:signin', data: sdk.authenticateUser(this.socketId, userData) });
    return this.next('pusher:signin_success');
  }

  /**
   * A pusher:ping answered by pusher:pong: proves the connection is open and that the server has
   * handled every frame sent before it.
   */
  async roundTrip(timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.send({ event: 'pusher:ping', data: {} });
    await this.next('pusher:pong', timeoutMs);
  }

  get isOpen() {
    return this.ws.readyState === WebSocket.OPEN;
  }

  close() {
    this.ws.close();
  }

  terminate() {
    this.ws.terminate();
  }
}

module.exports = {
  Pusher,
  PusherServer,
  RawSocket,
  SOCKET_ID,
  channelInfo,
  closeAllClients,
  closeCode,
  connectClient,
  connected,
  createClient,
  devAuthOptions,
  errorBody,
  sdkAuthOptions,
  serverSdk,
  signedIn,
  subscribed,
  subscriptionCount,
};
