// `envelope` and its superset `envelope-full` (issue 10): a page that seals
// and opens runs in `envelope` and never loads `envelope-full`; the data-key
// cache, re-keying and keyTransport 'hpke' load `envelope-full`, and from then
// on every call runs there. Also the findings of the review of the split
// (helper, 2026-12-03): uncoded errors from the module choice, a glue whose
// guarding fails part-way, and a keyring's key kept in both modules.
// The tests run in order: the first ones need `envelope-full` not loaded yet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { EnvelopeClient, RawAesKeyring, MultiKeyring, parseMessage, init } from '../../pkg/entry-node.js';
import { envelope as lean } from '../../pkg/modules/envelope.js';
import { envelopeFull as full } from '../../pkg/modules/envelope-full.js';
import * as leanGlue from '../../pkg/wasm/envelope.js';
import * as fullGlue from '../../pkg/wasm/envelope-full.js';

const UNSIGNED = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';
const wrappingKey = randomBytes(32);
const ring = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey });
const through = async (ts, chunks) => {
  const w = ts.writable.getWriter();
  const out = new Response(ts.readable).arrayBuffer();
  for (const c of chunks) await w.write(c);
  await w.close();
  return new Uint8Array(await out);
};
const holds = (glue, needle) => Buffer.from(glue.initSync().memory.buffer).indexOf(needle) !== -1;

test('sealing, opening, streams and parseMessage run in envelope and never load envelope-full', async () => {
  for (const engine of ['wasm', 'native']) for (const suite of [UNSIGNED, undefined]) {
    const c = new EnvelopeClient({ keyring: ring, engine, suite, frameLength: 4096 });
    const pt = randomBytes(20_000);
    const m = await c.encrypt(pt, { encryptionContext: { a: 'b' } });
    assert.deepEqual(Buffer.from((await c.decrypt(m, { encryptionContext: { a: 'b' } })).plaintext), pt);
    const streamed = await through(c.encryptStream(), [pt.subarray(0, 7000), pt.subarray(7000)]);
    assert.deepEqual(Buffer.from(await through(c.decryptStream(), [streamed])), pt);
    assert.equal((await parseMessage(m)).encryptionContext.a, 'b');
  }
  assert.equal(lean.loaded, true);
  assert.equal(full.loaded, false, 'a page that only seals and opens does not load envelope-full');
});

test('a keyring tree the module choice cannot read is INVALID_ARGUMENT, not the caller\'s own error', async () => {
  const throwing = new Proxy(new MultiKeyring({ generator: ring }), {
    get(t, p) { if (p === 'generator') throw new TypeError('the caller\'s getter'); return Reflect.get(t, p); },
  });
  const c = new EnvelopeClient({ keyring: throwing, suite: UNSIGNED });
  await assert.rejects(c.encrypt('x'), { code: 'INVALID_ARGUMENT', message: /keyring could not be read/ });
  await assert.rejects(c.decrypt(await new EnvelopeClient({ keyring: ring, suite: UNSIGNED }).encrypt('x')), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => c.encryptStream(), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => c.decryptStream(), { code: 'INVALID_ARGUMENT' });
  // A tree that holds itself: a MultiKeyring is frozen, an instance of a subclass is not.
  const selfish = new (class extends MultiKeyring {})({ generator: ring });
  Object.defineProperty(selfish, 'children', { value: [selfish] });
  await assert.rejects(new EnvelopeClient({ keyring: selfish, suite: UNSIGNED }).encrypt('x'), { code: 'INVALID_ARGUMENT' });
  assert.equal(full.loaded, false);
});

test('the cache loads envelope-full; then every call runs there, and the keyring\'s key leaves envelope', async () => {
  const plain = new EnvelopeClient({ keyring: ring, suite: UNSIGNED, engine: 'wasm' });
  const before = await plain.encrypt('sealed in envelope');
  assert.ok(holds(leanGlue, wrappingKey), 'control: envelope holds the keyring\'s key while it is in use there');
  const cached = new EnvelopeClient({ keyring: ring, suite: UNSIGNED, engine: 'wasm', cache: { maxAgeMs: 60_000 } });
  assert.equal(new TextDecoder().decode((await cached.decrypt(before)).plaintext), 'sealed in envelope');
  assert.equal(full.loaded, true);
  const after = await plain.encrypt('now in envelope-full');
  assert.equal(new TextDecoder().decode((await plain.decrypt(after)).plaintext), 'now in envelope-full');
  assert.equal(holds(fullGlue, wrappingKey), true);
  assert.equal(holds(leanGlue, wrappingKey), false, 'envelope let go of (and its allocator wiped) the key once envelope-full took it');
  // Re-keying, always in envelope-full, of a message sealed before it loaded.
  const other = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'other', wrappingKey: randomBytes(32) });
  const rekeyed = await plain.reEncrypt(before, { keyring: other });
  assert.equal(new TextDecoder().decode((await new EnvelopeClient({ keyring: other }).decrypt(rekeyed)).plaintext), 'sealed in envelope');
});

test('init() loads envelope-full in place of envelope; init([\'envelope\']) the smaller one', () => {
  const script = `
    import { init } from ${JSON.stringify(fileURLToPath(new URL('../../pkg/entry-node.js', import.meta.url)))};
    import { envelope } from ${JSON.stringify(fileURLToPath(new URL('../../pkg/modules/envelope.js', import.meta.url)))};
    import { envelopeFull } from ${JSON.stringify(fileURLToPath(new URL('../../pkg/modules/envelope-full.js', import.meta.url)))};
    await init(process.argv[1] === 'lean' ? ['envelope'] : undefined);
    console.log(JSON.stringify({ envelope: envelope.loaded, full: envelopeFull.loaded }));`;
  const run = (arg) => JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, arg], { encoding: 'utf8' }));
  assert.deepEqual(run('all'), { envelope: false, full: true });
  assert.deepEqual(run('lean'), { envelope: true, full: false });
});

test('a glue whose guarding fails part-way is never used: the load fails coded each time, envelope keeps working', () => {
  // Code of the page's own that tampered with the (exported) glue before its first use.
  const script = `
    import * as glue from ${JSON.stringify(fileURLToPath(new URL('../../pkg/wasm/envelope-full.js', import.meta.url)))};
    import { EnvelopeClient, RawAesKeyring } from ${JSON.stringify(fileURLToPath(new URL('../../pkg/entry-node.js', import.meta.url)))};
    import { envelopeFull } from ${JSON.stringify(fileURLToPath(new URL('../../pkg/modules/envelope-full.js', import.meta.url)))};
    Object.defineProperty(glue.CoreOpener, Symbol.hasInstance, { value: () => true, configurable: false });
    const ring = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: new Uint8Array(32).fill(1) });
    const cached = new EnvelopeClient({ keyring: ring, suite: '${UNSIGNED}', cache: { maxAgeMs: 1000 } });
    const code = (p) => p.then(() => 'ok', (e) => e.code ?? 'UNCODED');
    const out = { first: await code(cached.encrypt('x')), second: await code(cached.encrypt('x')), loaded: envelopeFull.loaded };
    const plain = new EnvelopeClient({ keyring: ring });
    out.plain = await code(plain.decrypt(await plain.encrypt('y')));
    console.log(JSON.stringify(out));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
  assert.deepEqual(out, { first: 'WASM_LOAD_FAILED', second: 'WASM_LOAD_FAILED', loaded: false, plain: 'ok' });
});

test('init() with envelope loaded adds envelope-full, which then takes every call', async () => {
  await init();
  assert.equal(full.loaded, true);
  const m = await new EnvelopeClient({ keyring: ring }).encrypt('x');
  assert.equal(new TextDecoder().decode((await new EnvelopeClient({ keyring: ring }).decrypt(m)).plaintext), 'x');
});
