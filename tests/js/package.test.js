// The package as users get it: lint the package.json and types, then `npm pack`
// it, install the tarball into a fresh project and use it from there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);

test('publint finds no errors or warnings', async () => {
  const { stdout } = await run(bin('publint'), ['--strict', 'pkg'], { cwd: root });
  assert.doesNotMatch(stdout, /Errors:|Warnings:/);
});

test('types resolve for every entry point (are the types wrong, ESM profile)', async () => {
  await run(bin('attw'), ['--pack', 'pkg', '--profile', 'esm-only', '--exclude-entrypoints', './wasm/*'], { cwd: root });
});

test('the packed tarball installs into a fresh project and works there', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'edge-kms-consumer-'));
  try {
    const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', dir, join(root, 'pkg')]);
    const tarball = join(dir, stdout.trim().split('\n').pop());
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: dir });
    await writeFile(join(dir, 'main.js'), `
      import * as kms from 'edge-kms';
      await kms.init();
      const e = new kms.EdgeKmsError('TAMPERED', 'x');
      console.log(JSON.stringify({ exports: Object.keys(kms).sort(), code: e.code }));
    `);
    const out = JSON.parse((await run(process.execPath, ['main.js'], { cwd: dir })).stdout);
    assert.equal(out.code, 'TAMPERED');
    assert.ok(out.exports.includes('EdgeKmsError') && out.exports.includes('init'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
