// Builds the demo page and the dashboard into the server's classpath (webroot/demo, webroot/dashboard):
// each page's main.js is bundled with its npm dependencies (pusher-js, the convex browser client),
// and its HTML and CSS are copied beside it. Run by Maven (generate-resources) as
// `node build.mjs <output folder>`; nothing here is fetched at run time.
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(process.argv[2] ?? path.join(here, '../beacon-server/target/classes/webroot'));
const pages = {
  demo: ['index.html', 'demo.css', 'sw.js'],
  dashboard: ['index.html', 'dashboard.css'],
};

await rm(out, { recursive: true, force: true });
for (const [page, files] of Object.entries(pages)) {
  const dir = path.join(out, page);
  await mkdir(dir, { recursive: true });
  await build({
    entryPoints: [path.join(here, page, 'main.js')],
    outfile: path.join(dir, 'main.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  for (const file of files) {
    await copyFile(path.join(here, page, file), path.join(dir, file));
  }
}
console.log(`web: built ${Object.keys(pages).join(', ')} into ${out}`);
