// Runs the portable suites in Deno (npm package `deno`) against the built package.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportRemote } from './runtime-report.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const deno = fileURLToPath(new URL('../../node_modules/.bin/deno', import.meta.url));

reportRemote('deno', async () => {
  // The package is not published, so Deno cannot resolve `npm:edge-kms`; map the
  // bare specifier to the file the package's own `deno` export condition names.
  const pkg = JSON.parse(await readFile(new URL('../../pkg/package.json', import.meta.url), 'utf8'));
  const importMap = join(tmpdir(), `edge-kms-deno-${process.pid}.json`);
  await writeFile(importMap, JSON.stringify({ imports: { 'edge-kms': pathToFileURL(join(root, 'pkg', pkg.exports['.'].deno)).href } }));
  const { stdout } = await promisify(execFile)(deno, ['run', '--quiet', '--no-prompt', '--allow-read=.', `--import-map=${importMap}`,
    'tests/js/deno-entry.js'], { cwd: root, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
  return JSON.parse(stdout);
});
