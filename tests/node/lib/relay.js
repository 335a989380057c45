'use strict';

// A WebSocket relay between a client and a Beacon server, for the moments a test needs a network
// it controls: it forwards every message both ways, can hold back what the server sends from a
// given message on (a reply "lost" with a server that dies before it left), and can be pointed at
// a server started again on another port, so that the client, which only knows the relay,
// reconnects to it.

const http = require('node:http');
const { WebSocket, WebSocketServer } = require('ws');

class WebSocketRelay {
  constructor(server, wss) {
    this.httpServer = server;
    this.wss = wss;
    this.targetPort = null;
    this.hold = null;
    this.pairs = new Set();
    wss.on('connection', (client, request) => this.pair(client, request.url));
  }

  /** Starts a relay on a free port of 127.0.0.1 that forwards to `targetPort`. */
  static start(targetPort) {
    return new Promise((resolve, reject) => {
      const server = http.createServer((req, res) => {
        res.writeHead(426).end('WebSocket only');
      });
      const wss = new WebSocketServer({ server, perMessageDeflate: false });
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const relay = new WebSocketRelay(server, wss);
        relay.targetPort = targetPort;
        resolve(relay);
      });
    });
  }

  /** The HTTP URL a client is given (its WebSocket URL is derived from it). */
  get url() {
    return `http://127.0.0.1:${this.httpServer.address().port}`;
  }

  /** Sends new connections to another server (one started again on a new port). */
  retarget(port) {
    this.targetPort = port;
  }

  /**
   * From the first server message for which `predicate(parsed JSON)` holds, holds back that
   * message and everything the server sends after it on that connection; resolves with the
   * message. `release()` ends holding for connections made afterwards (held messages are dropped:
   * they were "lost").
   */
  holdFrom(predicate) {
    return new Promise((resolve) => {
      this.hold = { predicate, resolve, holding: null };
    });
  }

  release() {
    this.hold = null;
  }

  pair(client, url) {
    const upstream = new WebSocket(`ws://127.0.0.1:${this.targetPort}${url}`,
      { perMessageDeflate: false });
    const pair = { client, upstream };
    this.pairs.add(pair);
    const early = [];
    const end = () => {
      this.pairs.delete(pair);
      // the server is gone (or the client left): the other side sees the connection drop
      client.terminate();
      upstream.terminate();
    };
    client.on('message', (data, isBinary) => {
      if (upstream.readyState === WebSocket.OPEN) {
        upstream.send(data, { binary: isBinary });
      } else {
        early.push([data, isBinary]);
      }
    });
    upstream.on('open', () => {
      for (const [data, isBinary] of early.splice(0)) {
        upstream.send(data, { binary: isBinary });
      }
    });
    upstream.on('message', (data, isBinary) => {
      const hold = this.hold;
      if (hold && (hold.holding === pair || (hold.holding === null && matches(hold, data)))) {
        if (hold.holding === null) {
          hold.holding = pair;
          hold.resolve(JSON.parse(data.toString('utf8')));
        }
        return;
      }
      if (client.readyState === WebSocket.OPEN) {
        client.send(data, { binary: isBinary });
      }
    });
    client.on('close', end);
    client.on('error', end);
    upstream.on('close', end);
    upstream.on('error', end);
  }

  /** Closes every relayed connection and the relay. */
  close() {
    for (const { client, upstream } of this.pairs) {
      client.terminate();
      upstream.terminate();
    }
    this.pairs.clear();
    return new Promise((resolve) => {
      this.wss.close(() => this.httpServer.close(() => resolve()));
    });
  }
}

function matches(hold, data) {
  try {
    return hold.predicate(JSON.parse(data.toString('utf8')));
  } catch {
    return false;
  }
}

module.exports = { WebSocketRelay };
