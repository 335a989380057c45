'use strict';

// Starts the built Beacon jar as a child process: one server per test file (or suite), on a free
// port, with its own temporary config and data folder, killed when the tests end or crash.

const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { before, after, afterEach } = require('node:test');

const JAR = process.env.BEACON_JAR
  ? path.resolve(process.env.BEACON_JAR)
  : path.resolve(__dirname, '../../../beacon-server/target/beacon.jar');
// Short-lived test servers start and warm up faster with C1 only and the serial collector; the
// server's behaviour does not depend on either. Beacon's own assertions are on (-ea for
// dev.beacon only), so the lane-confinement checks run under the real clients too.
// BEACON_TEST_JAVA_OPTS overrides ('' for none).
const JAVA_OPTS = (process.env.BEACON_TEST_JAVA_OPTS
    ?? '-ea:dev.beacon... -XX:TieredStopAtLevel=1 -XX:+UseSerialGC')
  .split(/\s+/).filter(Boolean);
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const LISTENING = /Beacon is listening on (https?):\/\/([^:\s]+):(\d+)/;

/** The apps of the default test configuration. */
const APPS = {
  main: { id: 'app-id', key: 'app-key', secret: 'app-secret' },
  encrypted: {
    id: 'enc-app',
    key: 'enc-key',
    secret: 'enc-secret',
    encryptionMasterKeyBase64: crypto.randomBytes(32).toString('base64'),
  },
  disabled: { id: 'off', key: 'off-key', secret: 'off-secret' },
};

/** The default configuration: the development app, an app with encryption, a disabled app. */
function defaultConfig(overrides = {}) {
  return {
    shutdown_grace_seconds: 2,
    ...overrides,
    apps: [
      { id: APPS.main.id, key: APPS.main.key, secret: APPS.main.secret },
      {
        id: APPS.encrypted.id,
        key: APPS.encrypted.key,
        secret: APPS.encrypted.secret,
        encryption_master_key_base64: APPS.encrypted.encryptionMasterKeyBase64,
      },
      {
        id: APPS.disabled.id, key: APPS.disabled.key, secret: APPS.disabled.secret, enabled: false,
      },
    ],
  };
}

// ------------------------------------------------------------------ YAML

function yamlScalar(value) {
  if (typeof value === 'string') {
    return JSON.stringify(value); // a JSON string is a valid double-quoted YAML scalar
  }
  return String(value);
}

/** Serialises nested objects, arrays of objects and scalars: all a Beacon config needs. */
function toYaml(object, indent = '') {
  let out = '';
  for (const [key, value] of Object.entries(object)) {
    if (Array.isArray(value)) {
      out += `${indent}${key}:\n`;
      for (const item of value) {
        out += `${indent}  - ${toYaml(item, `${indent}    `).trimStart()}`;
      }
    } else if (value !== null && typeof value === 'object') {
      out += `${indent}${key}:\n${toYaml(value, `${indent}  `)}`;
    } else if (value !== undefined) {
      out += `${indent}${key}: ${yamlScalar(value)}\n`;
    }
  }
  return out;
}

// ------------------------------------------------------------------ processes

const running = new Set();
const tempDirs = new Set();

function killAll() {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of tempDirs) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // a JVM still dying may hold it; it is only a temp folder
    }
  }
}

function removeDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

// No orphan JVMs: kill the servers when this test process exits, however it exits.
process.on('exit', killAll);
for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]]) {
  process.once(signal, () => {
    killAll();
    process.exit(128 + number);
  });
}

/** A running Beacon server. */
class BeaconProcess {
  constructor(child, scheme, host, port, dir, output) {
    this.process = child;
    // the banner names the bound address: every interface (0.0.0.0) is reached on 127.0.0.1
    this.host = host === 'localhost' || host === '0.0.0.0' ? '127.0.0.1' : host;
    this.port = port;
    this.dir = dir;
    this.output = output;
    this.httpUrl = `${scheme}://${this.host}:${port}`;
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve({ code: child.exitCode, signal: child.signalCode });
      } else {
        child.once('exit', (code, signal) => resolve({ code, signal }));
      }
    });
  }

  /** The WebSocket URL of an app key, as pusher-js builds it; `path` replaces `/app/{key}`. */
  wsUrl(key = APPS.main.key, { protocol = '7', path: urlPath } = {}) {
    const query = protocol === null ? '' : `?protocol=${encodeURIComponent(protocol)}`;
    const scheme = this.httpUrl.startsWith('https') ? 'wss' : 'ws';
    return `${scheme}://${this.host}:${this.port}${urlPath ?? `/app/${key}`}${query}`;
  }

  /** What the server printed, for failure messages. */
  get stderr() {
    return this.output.stderr;
  }

  /** Sends a signal (SIGTERM starts a graceful shutdown). */
  signal(name) {
    this.process.kill(name);
  }

  /** Kills the server at once (SIGKILL) and removes its data folder. */
  async kill() {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGKILL');
      await this.exited;
    }
    running.delete(this.process);
    removeDir(this.dir);
  }

  /** Stops the server (SIGTERM, then SIGKILL if it lingers) and removes its data folder. */
  async stop() {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGTERM');
      const timer = setTimeout(() => this.process.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    running.delete(this.process);
    removeDir(this.dir);
  }
}

/**
 * Starts `java -jar beacon.jar --config <tmp yaml>` on a free port with a fresh data folder.
 *
 * @param {object} [options]
 * @param {object} [options.config] the YAML configuration as an object (default: defaultConfig())
 * @param {object} [options.env] extra environment variables (BEACON_...)
 */
function startServer({ config = defaultConfig(), env = {} } = {}) {
  if (!fs.existsSync(JAR)) {
    throw new Error(`Beacon jar not found at ${JAR}: build it with 'mvn -q -B install -DskipTests' `
      + 'in the repository root, or set BEACON_JAR');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-node-test-'));
  tempDirs.add(dir);
  const configFile = path.join(dir, 'beacon.yaml');
  // a SIGTERM closes at once (the default drain keeps serving for 5 s) unless the test sets it
  const drainSet = config.shutdown?.drain_seconds !== undefined;
  fs.writeFileSync(configFile, toYaml(drainSet ? config
    : { ...config, shutdown: { ...config.shutdown, drain_seconds: 0 } }));

  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('BEACON_')));
  const child = spawn('java', [...JAVA_OPTS, '-jar', JAR, '--config', configFile], {
    env: { ...inherited, BEACON_PORT: '0', BEACON_DATA_DIR: path.join(dir, 'data'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));

  const output = { stdout: '', stderr: '' };
  const keep = (name) => (chunk) => {
    output[name] = (output[name] + chunk.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout.on('data', keep('stdout'));
  child.stderr.on('data', keep('stderr'));

  return new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer);
      child.stdout.off('data', onStdout);
      child.off('exit', onExit);
      child.off('error', onError);
      child.kill('SIGKILL');
      removeDir(dir);
      reject(new Error(`Beacon did not start: ${why}\n--- config ---\n${toYaml(config)}`
        + `--- stdout ---\n${output.stdout}\n--- stderr ---\n${output.stderr}`));
    };
    const onStdout = () => {
      const m = LISTENING.exec(output.stdout);
      if (m) {
        clearTimeout(timer);
        child.stdout.off('data', onStdout);
        child.off('exit', onExit);
        child.off('error', onError);
        resolve(new BeaconProcess(child, m[1], m[2], Number(m[3]), dir, output));
      }
    };
    const onExit = (code, signal) => fail(`the process exited (code ${code}, signal ${signal})`);
    const onError = (e) => fail(`cannot run java: ${e.message}`);
    const timer = setTimeout(() => fail(`no listening line within ${START_TIMEOUT_MS / 1000} s`),
      START_TIMEOUT_MS);
    child.stdout.on('data', onStdout);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/**
 * Registers hooks for a test file: one server for all its tests, and every client a test opened
 * (see clients.js) closed after that test — or, with `concurrentTests`, after the last test of
 * the file, since tests running side by side must not close each other's clients.
 *
 * @param {object} [options] startServer's options, and concurrentTests
 * @returns an object whose `server` property is the running BeaconProcess once tests run
 */
/**
 * Whether the suites run against a cluster (BEACON_TEST_NODES above 1, `npm run test:cluster`).
 * A test that restarts or kills "the server" has no one server to restart then: it says so with
 * `{ skip: ONE_SERVER_ONLY }` (a node's kill -9 is tested by ClusterNodeLossTest and
 * ClusterFeaturesTest, a restart of Redis by ClusterRedisOutageTest).
 */
const CLUSTERED = Number(process.env.BEACON_TEST_NODES ?? '1') > 1;
const ONE_SERVER_ONLY = CLUSTERED && 'restarts the one server: not run on a cluster';

function useServer({ concurrentTests = false, ...options } = {}) {
  const { closeAllClients } = require('./clients');
  const handle = { server: null };
  // BEACON_TEST_NODES=3: a cluster of three nodes stands in for the server, each client on
  // another node (lib/cluster.js; `npm run test:cluster`)
  const nodes = Number(process.env.BEACON_TEST_NODES ?? '1');
  before(async () => {
    handle.server = nodes > 1
      ? await require('./cluster').startCluster(startServer, options, nodes)
      : await startServer(options);
  });
  if (!concurrentTests) {
    afterEach(() => closeAllClients());
  }
  after(async () => {
    closeAllClients();
    if (handle.server) {
      await handle.server.stop();
    }
  });
  return handle;
}

/**
 * Stops `server` (SIGTERM, as an operator restarts it; SIGKILL with `kill`) and starts the same
 * jar again on the same port with the same configuration and data folder, so that clients
 * reconnect to it as to a restarted server. Returns the new process (whose data folder is then
 * removed when it stops).
 */
async function restartServer(server, { kill = false } = {}) {
  if (kill) {
    server.process.kill('SIGKILL');
  } else {
    server.process.kill('SIGTERM');
  }
  await server.exited;
  running.delete(server.process);
  const configFile = path.join(server.dir, 'beacon.yaml');
  const config = fs.readFileSync(configFile, 'utf8');
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('BEACON_')));
  const child = spawn('java', [...JAVA_OPTS, '-jar', JAR, '--config', configFile], {
    env: {
      ...inherited,
      BEACON_PORT: String(server.port),
      BEACON_DATA_DIR: path.join(server.dir, 'data'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const output = { stdout: '', stderr: '' };
  const keep = (name) => (chunk) => {
    output[name] = (output[name] + chunk.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout.on('data', keep('stdout'));
  child.stderr.on('data', keep('stderr'));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Beacon did not start again\n--- config ---\n${config}`
        + `--- stdout ---\n${output.stdout}\n--- stderr ---\n${output.stderr}`));
    }, START_TIMEOUT_MS);
    const onStdout = () => {
      const m = LISTENING.exec(output.stdout);
      if (m) {
        clearTimeout(timer);
        child.stdout.off('data', onStdout);
        resolve(new BeaconProcess(child, m[1], m[2], Number(m[3]), server.dir, output));
      }
    };
    child.stdout.on('data', onStdout);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`Beacon exited on restart (code ${code}, signal ${signal})\n${output.stderr}`));
    });
  });
}

module.exports = {
  APPS, CLUSTERED, JAR, ONE_SERVER_ONLY, defaultConfig, restartServer, startServer, toYaml, useServer,
};
