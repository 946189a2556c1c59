// pkg-scripts/demo-server.js as a user starts it: prints its URL and the
// development warning, serves the page, the package and the broker, and
// stops on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrokerKeyring } from 'edge-kms';

test('demo server: banner, page, package, broker, key file 0600, clean stop', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'edge-kms-demo-'));
  try {
    await writeFile(join(dir, 'index.html'), '<title>demo</title>');
    const keyFile = join(dir, 'dev-kms.json');
    const script = fileURLToPath(new URL('../../pkg-scripts/demo-server.js', import.meta.url));
    const child = spawn(process.execPath, [script, '--www', dir, '--key-file', keyFile], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { err += c; });
    const exited = new Promise((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
    try {
      const deadline = Date.now() + 30_000;
      while (!/edge-kms demo on (http:\/\/127\.0\.0\.1:\d+)/.test(out)) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`demo server did not start: ${out}\n${err}`);
        await new Promise((ok) => setTimeout(ok, 50));
      }
      const url = /edge-kms demo on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)[1];
      assert.match(err, /DEVELOPMENT KMS, NOT FOR PRODUCTION/);
      assert.equal(await (await fetch(`${url}/`)).text(), '<title>demo</title>');
      const wasm = await fetch(`${url}/pkg/wasm/envelope_bg.wasm`);
      assert.equal(wasm.status, 200);
      assert.equal(wasm.headers.get('content-type'), 'application/wasm');
      const kr = new BrokerKeyring({ endpoint: `${url}/kms`, keyId: 'alias/demo' });
      const dk = await kr.generateDataKey({ encryptionContext: { demo: 'yes' } });
      assert.equal((await kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: { demo: 'yes' } })).plaintext.length, 32);
      assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
      assert.ok(!out.includes(Buffer.from(dk.plaintext).toString('base64')), 'the audit lines hold no key material');
      assert.match(out, /audit .* GenerateDataKey alias\/demo allowed 200/);
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
      const { code } = await exited;
      assert.equal(code, 0, 'stops cleanly on SIGTERM');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
