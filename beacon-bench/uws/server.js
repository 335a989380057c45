'use strict';
// The uWebSockets.js peer of beacon-bench: the same protocol as the bench's Netty baseline server
// (beacon-bench/src/main/java/dev/beacon/bench/target/BaselineServer.java), served by uWS's C++
// core, so Beacon can be measured against one of the fastest WebSocket servers there is.
//
//   every WebSocket, at any path, is in one topic;
//   a text frame from a client is published to every other socket (the sender left out);
//   POST /broadcast (any POST) publishes its body as one text frame to every socket, answers 200;
//   no handshake message, no subscription: a socket counts as subscribed once open.
//
//   node server.js --port=19200 [--host=127.0.0.1]   prints "listening PORT" when ready
//
// The native module is loaded directly: the package falls back to a pure-Node implementation
// when no binary fits this Node.js, which would measure something else, so that is an error here.

const path = require('path');

function option(name, fallback) {
  const prefix = '--' + name + '=';
  const arg = process.argv.slice(2).find((a) => a.startsWith(prefix));
  return arg === undefined ? fallback : arg.slice(prefix.length);
}

for (const arg of process.argv.slice(2)) {
  if (!/^--(host|port)=/.test(arg)) {
    console.error('usage: node server.js [--host=127.0.0.1] [--port=0]; unknown ' + arg);
    process.exit(2);
  }
}

function loadNative() {
  const pkg = path.dirname(require.resolve('@trufflesuite/uws-js-unofficial/package.json'));
  const binary = path.join(pkg, 'binaries',
    'uws_' + process.platform + '_' + process.arch + '_' + process.versions.modules + '.node');
  try {
    return require(binary);
  } catch (e) {
    console.error('no native uWebSockets.js binary for this Node.js (' + process.version + ', ABI '
      + process.versions.modules + '): ' + e.message);
    process.exit(1);
  }
}

const uWS = loadNative();
const host = option('host', '127.0.0.1');
const port = Number(option('port', '0'));
const TOPIC = 'all';
let open = 0;

const app = uWS.App();
app.ws('/*', {
  compression: uWS.DISABLED,
  maxPayloadLength: 1 << 20, // the baseline's frame limit
  idleTimeout: 0, // no idle timeout: the baseline has none
  sendPingsAutomatically: false,
  // the baseline buffers without a bound; Beacon's bench config allows 16 MiB per connection
  maxBackpressure: 16 * 1024 * 1024,
  closeOnBackpressureLimit: false,
  open: (ws) => {
    open++;
    ws.subscribe(TOPIC);
  },
  message: (ws, message, isBinary) => {
    if (!isBinary) {
      ws.publish(TOPIC, message, false); // to every subscriber but the sender
    }
  },
  close: () => {
    open--;
  },
});

app.post('/*', (res) => {
  const chunks = [];
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  res.onData((chunk, last) => {
    // uWS reuses the chunk's memory after this callback: copy it
    chunks.push(Buffer.from(chunk.slice(0)));
    if (last && !aborted) {
      app.publish(TOPIC, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), false);
      res.cork(() => res.writeStatus('200 OK').end());
    }
  });
});

app.get('/connections', (res) => {
  res.end(String(open));
});

app.listen(host, port, (listenSocket) => {
  if (!listenSocket) {
    console.error('could not listen on ' + host + ':' + port);
    process.exit(1);
  }
  console.log('listening ' + uWS.us_socket_local_port(listenSocket));
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
