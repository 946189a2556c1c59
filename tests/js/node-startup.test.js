// Issue 10, Node start-up: what a fresh Node process does when it imports
// 'edge-kms'. Node resolves the package to one bundled file (node/index.js:
// importing the shim's ~30 files cost more than everything else before a
// first seal), which imports only the files it shares with 'edge-kms/broker';
// no WebAssembly module is read at import, and the first call reads only the
// modules it needs. (Timings are in the benchmark, bench/lib/startup/node.js.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs an ESM snippet in a fresh node (cwd: the repository, so 'edge-kms' is pkg/), returns its JSON output. */
async function fresh(code) {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT });
  return JSON.parse(stdout);
}

test('Node resolves edge-kms to one bundled file that imports only what it shares with edge-kms/broker', async () => {
  // every module the import loads, as Node's resolve hook sees it
  const { loaded, pkg } = await fresh(`
    const { register } = await import('node:module');
    const { port1, port2 } = new MessageChannel();
    const loaded = [];
    port1.on('message', (u) => loaded.push(u));
    register('data:text/javascript,' + encodeURIComponent('let port; export function initialize(d) { port = d.port; } ' +
      'export async function resolve(s, c, next) { const r = await next(s, c); port.postMessage(r.url); return r; }'),
      { data: { port: port2 }, transferList: [port2] });
    await import('edge-kms');
    const pkg = new URL('./', import.meta.resolve('edge-kms/package.json')).href;
    await new Promise((ok) => setTimeout(ok, 200));
    port1.close();
    console.log(JSON.stringify({ loaded, pkg }));
  `);
  // (package.json: the snippet's own resolve, to find the package's folder)
  const files = [...new Set(loaded.filter((u) => u.startsWith(pkg)).map((u) => u.slice(pkg.length)))].filter((f) => f !== 'package.json').sort();
  assert.ok(files.includes('node/index.js'), `Node's entry is node/index.js: ${files}`);
  for (const f of files) assert.match(f, /^(node\/index\.js|protocol\.js|p256-point\.js|broker\/[a-z0-9-]+\.js)$/, `importing edge-kms loads ${f}`);
  assert.ok(files.length <= 5, `${files.length} files: ${files}`);
  const code = readFileSync(new URL('node/index.js', pkg), 'utf8');
  // the wasm files are found from the bundle's folder, as from the shim's
  assert.match(code, /new URL\(\s*["']\.\.\/wasm\/envelope_bg\.wasm["'],\s*import\.meta\.url\s*\)/, 'modules are located relative to node/');
});

test('importing reads no WebAssembly module; the first seal reads envelope, the first RAW verification adds verify', async () => {
  const out = await fresh(`
    const fs = process.getBuiltinModule('node:fs');
    const read = [];
    const readFileSync = fs.readFileSync;
    fs.readFileSync = function (p, ...rest) { if (String(p).endsWith('.wasm')) read.push(String(p).split('/').pop()); return readFileSync.call(this, p, ...rest); };
    const m = await import('edge-kms');
    const atImport = [...read];
    const c = new m.EnvelopeClient({ keyring: new m.RawAesKeyring({ keyNamespace: 'a', keyName: 'b', wrappingKey: new Uint8Array(32).fill(7) }) });
    const sealed = await c.encrypt('x'.repeat(1024));
    const opened = new TextDecoder().decode((await c.decrypt(sealed)).plaintext).length;
    const afterSeal = [...read];
    const { generateKeyPairSync, sign } = process.getBuiltinModule('node:crypto');
    const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ok = await m.verifyKmsSignature({ publicKey: k.publicKey.export({ type: 'spki', format: 'der' }), signingAlgorithm: 'ECDSA_SHA_256', message: 'hi', signature: sign('sha256', Buffer.from('hi'), k.privateKey) });
    console.log(JSON.stringify({ atImport, afterSeal, afterVerify: read, opened, ok }));
  `);
  assert.deepEqual(out, { atImport: [], afterSeal: ['envelope_bg.wasm'], afterVerify: ['envelope_bg.wasm', 'verify_bg.wasm'], opened: 1024, ok: true });
});

test('a Node app bundled with esbuild (platform node, the wasm files beside it) uses every module, synchronously too', async () => {
  // A Lambda or container build: the app and edge-kms in one file. (Session 11 took back a lazily
  // required glue that such a bundle could not follow: BENCHMARKS.md.)
  const { build } = await import('esbuild');
  const { cpSync, mkdirSync, rmSync, writeFileSync } = await import('node:fs');
  const dir = new URL('../artifacts/node-app-bundle/', import.meta.url);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(new URL('wasm/', dir), { recursive: true });
  writeFileSync(new URL('app.mjs', dir), `
    import { EnvelopeClient, RawAesKeyring, KmsPublicKey, parseKeyIdentifier } from 'edge-kms';
    import { generateKeyPairSync } from 'node:crypto';
    const key = new KmsPublicKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }));
    const c = new EnvelopeClient({ keyring: new RawAesKeyring({ keyNamespace: 'a', keyName: 'b', wrappingKey: new Uint8Array(32).fill(7) }), cache: { maxAgeMs: 1000 } });
    const text = new TextDecoder().decode((await c.decrypt(await c.encrypt('bundled'))).plaintext);
    console.log(JSON.stringify({ keySpec: key.keySpec, text, kind: (await parseKeyIdentifier('alias/x')).kind }));
  `);
  await build({ entryPoints: [fileURLToPath(new URL('app.mjs', dir))], outfile: fileURLToPath(new URL('dist/app.mjs', dir)), bundle: true, platform: 'node', format: 'esm', logLevel: 'error', nodePaths: [fileURLToPath(new URL('../../node_modules/', import.meta.url))] });
  cpSync(new URL('../../pkg/wasm/', import.meta.url), new URL('wasm/', dir), { recursive: true, filter: (f) => !f.endsWith('.js') && !f.endsWith('.ts') });
  const { stdout } = await run(process.execPath, [fileURLToPath(new URL('dist/app.mjs', dir))]);
  assert.deepEqual(JSON.parse(stdout), { keySpec: 'ECC_NIST_P256', text: 'bundled', kind: 'alias-name' });
});

test('one process can use edge-kms and edge-kms/broker together: a broker in process answers a BrokerKeyring', async () => {
  const out = await fresh(`
    const { EnvelopeClient, BrokerKeyring, EdgeKmsError } = await import('edge-kms');
    const { createBroker, createDevKms } = await import('edge-kms/broker');
    const broker = createBroker({ kms: await createDevKms({ aliases: ['alias/demo'], signingKeys: [] }), keyIds: ['alias/demo'], authorize: () => ({ allow: true, principal: 't' }) });
    const fetch = (url, init) => broker.fetch(new Request(url, init));
    const client = new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint: 'http://broker.local', keyId: 'alias/demo', fetch }) });
    const sealed = await client.encrypt('through the broker', { encryptionContext: { t: '1' } });
    const text = new TextDecoder().decode((await client.decrypt(sealed)).plaintext);
    const refused = await client.decrypt(sealed, { encryptionContext: { t: '2' } }).catch((e) => [e instanceof EdgeKmsError, e.code]);
    console.log(JSON.stringify({ text, refused }));
  `);
  assert.deepEqual(out, { text: 'through the broker', refused: [true, 'ENCRYPTION_CONTEXT_MISMATCH'] });
});
