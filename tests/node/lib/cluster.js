'use strict';

// A Beacon cluster standing in for one test server: `nodes` processes in cluster mode on the
// local Redis (a key prefix of their own) and PostgreSQL (a schema of their own). Its `port`,
// `httpUrl` and `wsUrl` name the next node each time they are read, so that every client, SDK
// and HTTP call a test makes goes to another node than the one before: the suites written for
// one server then run with their clients spread over the nodes (BEACON_TEST_NODES, see
// useServer in server.js).

const crypto = require('node:crypto');
const { spawnSync } = require('node:child_process');
const { pgSchema } = require('./postgres');

const REDIS_URL = process.env.BEACON_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

class ClusterServer {
  constructor(nodes, schema, prefix) {
    this.nodes = nodes;
    this.schema = schema;
    this.prefix = prefix;
    this.next = 0;
    this.host = nodes[0].host;
  }

  /** The node the next reader gets: each in turn. */
  pick() {
    const node = this.nodes[this.next % this.nodes.length];
    this.next += 1;
    return node;
  }

  get port() {
    return this.pick().port;
  }

  get httpUrl() {
    return this.pick().httpUrl;
  }

  wsUrl(...args) {
    return this.pick().wsUrl(...args);
  }

  get stderr() {
    return this.nodes.map((n) => n.stderr).join('\n');
  }

  async stop() {
    await Promise.all(this.nodes.map((n) => n.stop()));
    this.schema.drop();
    const keys = spawnSync('redis-cli', ['-u', REDIS_URL, '--scan', '--pattern', `${this.prefix}*`],
      { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (let i = 0; i < keys.length; i += 500) {
      spawnSync('redis-cli', ['-u', REDIS_URL, 'DEL', ...keys.slice(i, i + 500)], { stdio: 'ignore' });
    }
  }
}

/** Starts `count` nodes with startServer's options; resolves once every node is ready. */
async function startCluster(startServer, { env = {}, ...options } = {}, count = 3) {
  const schema = pgSchema('beacon_suite');
  const prefix = `beacon-suite-${crypto.randomBytes(6).toString('hex')}:`;
  const nodeEnv = (id) => ({
    ...schema.env,
    BEACON_DB_POOL_SIZE: '3',
    BEACON_EVENT_LOOPS: '2',
    BEACON_FUNCTIONS_WORKERS: '4',
    BEACON_CLUSTER_REDIS_URL: REDIS_URL,
    BEACON_CLUSTER_NODE_ID: id,
    BEACON_CLUSTER_KEY_PREFIX: prefix,
    ...env,
  });
  const nodes = [];
  try {
    // the first node migrates the schema; the others start once it has
    nodes.push(await startServer({ ...options, env: nodeEnv('n0') }));
    const rest = [];
    for (let i = 1; i < count; i += 1) {
      rest.push(startServer({ ...options, env: nodeEnv(`n${i}`) }));
    }
    nodes.push(...await Promise.all(rest));
    const deadline = Date.now() + 30_000;
    for (const node of nodes) {
      while ((await fetch(`${node.httpUrl}/ready`)).status !== 200) {
        if (Date.now() > deadline) {
          throw new Error(`node on ${node.port} not ready:\n${node.stderr}`);
        }
        await new Promise((r) => { setTimeout(r, 100); });
      }
    }
    return new ClusterServer(nodes, schema, prefix);
  } catch (e) {
    await Promise.all(nodes.map((n) => n.kill()));
    schema.drop();
    throw e;
  }
}

module.exports = { ClusterServer, startCluster };
