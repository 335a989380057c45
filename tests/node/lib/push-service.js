'use strict';

// A local Web Push service (RFC 8030) for the tests: it accepts POSTs on any path, answers as
// the test tells it per path (a status, or a list of statuses to go through), and for each push
// it accepted checks the VAPID authorization (RFC 8292) with Node's own crypto and decrypts the
// body (RFC 8291, aes128gcm) with the subscription's private key through the `http_ece` package
// — implementations independent of Beacon's.

const crypto = require('node:crypto');
const http = require('node:http');
const ece = require('http_ece');

/** A browser's side of a subscription: its P-256 key pair and auth secret. */
class Subscriber {
  constructor(service, path) {
    this.ecdh = crypto.createECDH('prime256v1');
    this.ecdh.generateKeys();
    this.auth = crypto.randomBytes(16);
    this.endpoint = `${service.url}${path}`;
    this.path = path;
  }

  /** What PushSubscription.toJSON() gives a page. */
  toJSON() {
    return {
      endpoint: this.endpoint,
      expirationTime: null,
      keys: {
        p256dh: this.ecdh.getPublicKey('base64url'),
        auth: this.auth.toString('base64url'),
      },
    };
  }

  decrypt(body) {
    return ece.decrypt(body, {
      version: 'aes128gcm',
      privateKey: this.ecdh,
      authSecret: this.auth.toString('base64url'),
    });
  }
}

function base64urlJson(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

/**
 * Checks an `Authorization: vapid t=<JWT>, k=<key>` header for a push to `origin`; returns
 * {claims, key} or throws saying what is wrong.
 */
function verifyVapid(header, origin) {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!m) {
    throw new Error(`not a VAPID authorization: ${header}`);
  }
  const [, jwt, k] = m;
  const [h, p, s] = jwt.split('.');
  const head = base64urlJson(h);
  if (head.alg !== 'ES256') {
    throw new Error(`VAPID alg ${head.alg}`);
  }
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 4) {
    throw new Error('k is not an uncompressed P-256 point');
  }
  const key = crypto.createPublicKey({
    key: {
      kty: 'EC', crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  const ok = crypto.verify('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(s, 'base64url'));
  if (!ok) {
    throw new Error('the VAPID signature does not verify with k');
  }
  const claims = base64urlJson(p);
  const now = Math.floor(Date.now() / 1000);
  if (claims.aud !== origin) {
    throw new Error(`aud ${claims.aud}, expected ${origin}`);
  }
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) {
    throw new Error(`exp ${claims.exp} is not within 24 h from now (${now})`);
  }
  if (!/^(mailto:|https:)/.test(claims.sub ?? '')) {
    throw new Error(`sub ${claims.sub}`);
  }
  return { claims, key: k };
}

/** The local push service. `received` holds every push it accepted, decrypted. */
class PushService {
  constructor() {
    this.subscribers = new Map();
    this.answers = new Map();
    this.received = [];
    this.requests = [];
    this.errors = [];
    /** Pushes whose sender was gone before the (delayed) answer: not accepted. */
    this.abandoned = [];
    /** Milliseconds before each accepted push is answered (0: at once). */
    this.delayMs = 0;
    /** Requests read and held for `delayMs`, not answered yet. */
    this.delayed = 0;
    this.listeners = new Set();
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.sockets = new Set();
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /**
   * Connections open now. Once a killed sender's connections are all closed, every request it
   * completed has been handled (a request's end comes before its connection's close).
   */
  get openConnections() {
    return this.sockets.size;
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${this.server.address().port}`;
    this.url = this.origin;
    return this;
  }

  stop() {
    this.server.closeAllConnections?.();
    return new Promise((resolve) => this.server.close(resolve));
  }

  /** A new subscription on `path` (default: a fresh one). */
  subscribe(path = `/push/${crypto.randomUUID()}`) {
    const s = new Subscriber(this, path);
    this.subscribers.set(path, s);
    return s;
  }

  /**
   * Answers pushes to `path` with these in turn, then 201: a status, `{ status, headers }`, or
   * 'hang' (read the request, never answer: a push service that stopped responding).
   */
  answer(path, ...answers) {
    this.answers.set(path, answers);
  }

  handle(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const requestAt = Date.now();
      this.requests.push({ path: req.url, headers: req.headers, at: requestAt });
      const queued = this.answers.get(req.url);
      const next = queued?.length ? queued.shift() : 201;
      if (next === 'hang') {
        return; // the connection stays open until the sender gives up or stop() closes it
      }
      const { status, headers = {} } = typeof next === 'number' ? { status: next } : next;
      if (status !== 201) {
        res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(`answer ${status}`);
        return;
      }
      if (this.delayMs > 0) {
        // a slow service: the push counts as accepted only if its sender is still there to get
        // the answer (a sender killed meanwhile never learnt it was accepted)
        this.delayed += 1;
        setTimeout(() => {
          this.delayed -= 1;
          if (req.socket.destroyed) {
            try {
              this.abandoned.push({ ...this.open(req, body), requestAt });
            } catch (e) {
              this.errors.push(e.message);
            }
            return;
          }
          this.accept(req, res, body);
        }, this.delayMs);
        return;
      }
      this.accept(req, res, body);
    });
  }

  /** Checks a push (method, encoding, VAPID) and decrypts it; throws saying what is wrong. */
  open(req, body) {
    const sub = this.subscribers.get(req.url);
    if (!sub) {
      throw new Error(`no subscription at ${req.url}`);
    }
    if (req.method !== 'POST' || req.headers['content-encoding'] !== 'aes128gcm') {
      throw new Error(`${req.method} with content-encoding ${req.headers['content-encoding']}`);
    }
    const vapid = verifyVapid(req.headers.authorization, this.origin);
    const message = JSON.parse(sub.decrypt(body).toString('utf8'));
    return {
      path: req.url, message, vapid, ttl: Number(req.headers.ttl), topic: req.headers.topic,
      urgency: req.headers.urgency, at: Date.now(),
    };
  }

  /** Checks, decrypts and records a push, and answers 201 (or 400 saying what is wrong). */
  accept(req, res, body) {
    try {
      const push = this.open(req, body);
      this.received.push(push);
      res.writeHead(201, { location: `${this.origin}/m/${this.received.length}` }).end();
      for (const listener of this.listeners) {
        listener(push);
      }
    } catch (e) {
      this.errors.push(e.message);
      res.writeHead(400, { 'content-type': 'text/plain' }).end(e.message);
    }
  }

  /** Pushes received on `path`. */
  to(path) {
    return this.received.filter((p) => p.path === path);
  }
}

module.exports = { PushService, verifyVapid };
