'use strict';

// The README's client snippets run as written (only the port changed to the test server's), and
// the repository's documentation links nothing outside the repository.

const { describe, test, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { useServer, defaultConfig } = require('../lib/server');
const { RawSocket } = require('../lib/clients');

const ROOT = path.resolve(__dirname, '../../..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
// snippets are written here so that `pusher` and `convex` resolve from tests/node/node_modules
const SNIPPETS = fs.mkdtempSync(path.join(__dirname, '..', '.readme-snippets-'));
after(() => fs.rmSync(SNIPPETS, { recursive: true, force: true }));

const ctx = useServer({ config: defaultConfig() });

/** The ```js block of the README whose first line is `// <file> ...`. */
function snippet(file) {
  const blocks = [...README.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
  const block = blocks.find((b) => b.startsWith(`// ${file}`));
  assert.ok(block, `the README has a js block starting with '// ${file}'`);
  return block;
}

/** Runs a snippet against the test server: the README's 127.0.0.1:6001 becomes its address. */
function run(file, code) {
  const { host, port } = ctx.server;
  const source = code.replaceAll('127.0.0.1', host).replaceAll("'6001'", `'${port}'`)
    .replaceAll(':6001', `:${port}`);
  assert.ok(!source.includes('6001'), 'every 6001 of the snippet is replaced');
  const target = path.join(SNIPPETS, file);
  fs.writeFileSync(target, source);
  return new Promise((resolve) => {
    execFile(process.execPath, [target], { cwd: SNIPPETS, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }));
  });
}

describe('README', () => {
  test("the `pusher` server SDK snippet runs as an ES module and its event arrives", async () => {
    const socket = await RawSocket.connect(ctx.server);
    await socket.subscribe('my-channel');
    const result = await run('trigger.mjs', snippet('trigger.mjs'));
    assert.equal(result.code, 0, `node trigger.mjs failed:\n${result.stderr}`);
    const event = await socket.next('my-event');
    assert.equal(event.channel, 'my-channel');
    assert.deepEqual(event.data, { hello: 'world' });
  });

  test('the ConvexHttpClient snippet runs and its heartbeat makes alice online', async () => {
    const result = await run('presence.mjs', snippet('presence.mjs')
      + '\nconsole.log(JSON.stringify(await client.query(api.presence.getMyPresence, {})));\n');
    assert.equal(result.code, 0, `node presence.mjs failed:\n${result.stderr}`);
    const presence = JSON.parse(result.stdout.trim().split('\n').pop());
    assert.equal(presence.online, true);
  });

  test('README.md and docs/ link nothing outside the repository', () => {
    const files = [path.join(ROOT, 'README.md'), ...fs.readdirSync(path.join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md')).map((f) => path.join(ROOT, 'docs', f))];
    for (const file of files) {
      const text = fs.readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /shared\/SPEC\.md|shared\/STYLE\.md/, file);
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)[^)]*\)/g)) {
        if (/^[a-z]+:/.test(target)) {
          continue; // a web link
        }
        const resolved = path.resolve(path.dirname(file), target);
        assert.ok(resolved.startsWith(ROOT + path.sep), `${file} links ${target}, outside the repository`);
        assert.ok(fs.existsSync(resolved), `${file} links ${target}, which does not exist`);
      }
    }
  });
});
