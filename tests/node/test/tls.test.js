'use strict';

// TLS from PEM files (tls.cert_file, tls.key_file): a certificate generated here, trusted by the
// clients through NODE_EXTRA_CA_CERTS in a child process (Node reads it only at start).

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer } = require('../lib/server');

function certificate(dir) {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=beacon-test',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { cert, key };
}

function runClient(server, ca) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'lib', 'tls-client.js')], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: ca, BEACON_URL: server.httpUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { err += c; });
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('TLS', () => {
  let dir;
  let files;
  let server;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-tls-'));
    files = certificate(dir);
    server = await startServer({ env: { BEACON_TLS_CERT_FILE: files.cert, BEACON_TLS_KEY_FILE: files.key } });
  });

  after(async () => {
    if (server) {
      await server.stop();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the server says https and pusher-js (forceTLS), the pusher SDK and the convex client work over it', async () => {
    assert.match(server.httpUrl, /^https:\/\//);
    const run = await runClient(server, files.cert);
    assert.equal(run.code, 0, `client failed:\n${run.err}\n${run.out}\n--- server ---\n${server.stderr}`);
    assert.match(run.out, /pusher-js forceTLS ok/);
    assert.match(run.out, /convex ok/);
  });

  test('a client that does not trust the certificate is refused', async () => {
    const run = await runClient(server, path.join(dir, 'missing.pem'));
    assert.notEqual(run.code, 0);
  });
});
