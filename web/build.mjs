// Builds the console and the widget into dist/: one bundle per page (esbuild, Preact's JSX), its
// index.html and style.css copied beside it. `node build.mjs` (npm run build); no dev server: the
// local stack serves dist/ at /console/ and /widget/ (infra/local).
import { build } from 'esbuild';
import { cp, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');
await rm(dist, { recursive: true, force: true });
for (const page of ['console', 'widget']) {
  const out = join(dist, page);
  await mkdir(out, { recursive: true });
  await build({
    entryPoints: [join(root, 'src', page, 'main.jsx')],
    outfile: join(out, 'app.js'),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const f of ['index.html', 'style.css']) {
    await cp(join(root, 'src', page, f), join(out, f));
  }
}
