// Regression tests from an adversarial review of d581105 (2026-12-02): shadow-stack residue while another operation is pending, and residue
// deeper than STACK_SCRUB_BYTES.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, generateKeyPairSync, sign } from 'node:crypto';
import { EnvelopeClient, RawAesKeyring, KmsPublicKey, verifyJwt, init } from '../../pkg/entry-node.js';

const NAMES = ['envelope-full', 'verify', 'kms', 'rsa', 'ecdsa', 'rare', 'jwt']; // a bare init() loads envelope-full, not envelope
const glues = Object.fromEntries(await Promise.all(NAMES.map(async (n) => [n, await import(`../../pkg/wasm/${n}.js`)])));
function residue(name) {
  const x = glues[name].initSync();
  const sp = x.__wbindgen_add_to_stack_pointer(0);
  const below = new Uint8Array(x.memory.buffer, 0, sp);
  const i = below.findIndex((b) => b !== 0);
  return { sp, at: i, depth: i < 0 ? 0 : sp - i };
}
const SUITE = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';

test('streams and one-shots while a KMS-keyring operation is pending: stack clean after each returns', async (t) => {
  await init();
  let release;
  const hang = new Promise((r) => { release = r; });
  const kmsRing = {
    isKmsKeyring: true, keyId: 'k',
    async generateDataKey() { await hang; return { keyId: 'k', plaintext: new Uint8Array(32).fill(7), ciphertextBlob: new Uint8Array(3) }; },
    async decryptDataKey() { await hang; return { keyId: 'k', plaintext: new Uint8Array(32).fill(7) }; },
  };
  const pending = new EnvelopeClient({ keyring: kmsRing, suite: SUITE }).encrypt(randomBytes(100)).catch((e) => e);
  await new Promise((r) => setTimeout(r, 5));
  const ring = new RawAesKeyring({ keyNamespace: 'n', keyName: 'k', wrappingKey: randomBytes(32) });
  const c = new EnvelopeClient({ keyring: ring, suite: SUITE, engine: 'wasm', frameLength: 1024 });
  const found = [];
  const check = (what) => { const r = residue('envelope-full'); if (r.at >= 0) found.push(`${what}: ${r.depth} B`); };
  const m = await c.encrypt(randomBytes(5000)); check('encrypt');
  await c.decrypt(m); check('decrypt');
  const s = c.encryptStream();
  const w = s.writable.getWriter();
  const rd = s.readable.getReader();
  const pump = (async () => { for (;;) { if ((await rd.read()).done) break; } })();
  await w.write(randomBytes(3000)); check('encryptStream write');
  await w.close(); await pump; check('encryptStream close');
  const d = c.decryptStream();
  const dw = d.writable.getWriter(); const dr = d.readable.getReader();
  const dp = (async () => { for (;;) { if ((await dr.read()).done) break; } })();
  await dw.write(m.subarray(0, 3000)); check('decryptStream write');
  await dw.write(m.subarray(3000)); await dw.close(); await dp; check('decryptStream close');
  release(); await pending;
  t.diagnostic(JSON.stringify(found));
  assert.deepEqual(found, []);
});

test('jwt: deep JSON nesting leaves stack below the 128 KiB scrub', async (t) => {
  await init();
  const es = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = await KmsPublicKey.from(es.publicKey.export({ type: 'spki', format: 'der' }));
  const b64 = (s) => Buffer.from(s).toString('base64url');
  const header = b64(JSON.stringify({ alg: 'ES256', typ: 'JWT' }));
  const found = [];
  for (const depth of [64, 127, 128, 500, 5000]) {
    const payload = b64(`{"sub":"x","n":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    const input = `${header}.${payload}`;
    const jws = `${input}.${sign('sha256', Buffer.from(input), { key: es.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    const out = await verifyJwt(jws, key, { algorithms: ['ES256'] }).then(() => 'ok', (e) => e.code);
    for (const n of NAMES) { const r = residue(n); if (r.at >= 0) found.push(`${depth} ${out} ${n}: ${r.depth} B`); }
  }
  t.diagnostic(JSON.stringify(found));
  assert.deepEqual(found, []);
});
