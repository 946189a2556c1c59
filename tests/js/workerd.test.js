// Runs the portable suites inside workerd (the Cloudflare Workers runtime) via Miniflare.
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';
import { reportRemote } from './runtime-report.js';
import { loadFixtures } from './fixtures.js';

const outdir = fileURLToPath(new URL('../artifacts/workerd/', import.meta.url));
let mf;
after(() => mf?.dispose());

reportRemote('workerd', async () => {
  await (await import('node:fs/promises')).mkdir(outdir, { recursive: true });
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./workerd-entry.js', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    external: ['*.wasm'],
    outdir,
    logLevel: 'error',
    // Keep the .wasm import next to the bundle, as wrangler does.
    plugins: [{
      name: 'wasm-module',
      setup(build) {
        build.onResolve({ filter: /\.wasm$/ }, async (args) => {
          const { copyFile } = await import('node:fs/promises');
          const { basename, resolve } = await import('node:path');
          const src = resolve(args.resolveDir, args.path);
          await copyFile(src, `${outdir}/${basename(src)}`);
          return { path: `./${basename(src)}`, external: true };
        });
      },
    }],
  });
  mf = new Miniflare({
    modules: true,
    scriptPath: `${outdir}/workerd-entry.js`,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2025-09-01',
    compatibilityFlags: ['nodejs_compat'],
  });
  const res = await mf.dispatchFetch('http://localhost/run', { method: 'POST', body: JSON.stringify({ fixtures: await loadFixtures() }) });
  if (!res.ok) throw new Error(`worker answered ${res.status}: ${await res.text()}`);
  return res.json();
});
