// The default suite (0x0578) with the footer outside the `envelope` module
// (issue 10, SIZE-PLAN step 3): seal and open of 1 KiB and 1 MiB with the
// engine users get (`auto`) and with `engine: 'wasm'` (the `ecdsa` module signs
// and verifies), beside raw WebCrypto doing the same work over the same bytes
// (one AES-256-GCM call, then an ECDSA P-384/SHA-384 signature over its output;
// opening: the decryption and the verification side by side), as ratios from one
// run, measured in interleaved slices with a GC before each.
// Optionally the same client from another build of the package, for before/after:
//   node --expose-gc bench/footer.bench.js [path/to/other/pkg/entry-node.js]
import { randomBytes } from 'node:crypto';
import * as here from 'edge-kms';

const other = process.argv[2] ? await import(process.argv[2]) : undefined;
const key = randomBytes(32);
const SUITE = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384';
const client = (m, engine) => new m.EnvelopeClient({ suite: SUITE, engine, keyring: new m.RawAesKeyring({ keyNamespace: 'bench', keyName: 'k', wrappingKey: key }) });
const gcmKey = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt']);
const ecdsa = { name: 'ECDSA', hash: 'SHA-384' };

async function rates(columns, budgetMs, rounds = 5) {
  for (const c of columns) await c();
  const ops = columns.map(() => 0), ms = columns.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    for (const [i, c] of columns.entries()) {
      globalThis.gc?.();
      let n = 0;
      const t0 = performance.now();
      while (n < 2 || performance.now() - t0 < budgetMs / rounds) { await c(); n++; }
      ops[i] += n; ms[i] += performance.now() - t0;
    }
  }
  return ops.map((n, i) => (n * 1000) / ms[i]);
}

const names = ['auto', 'wasm', ...(other ? ['other auto', 'other wasm'] : [])];
console.log(`node ${process.version}; ops/s; ratio = edge-kms / WebCrypto doing the same work`);
console.log(`op    size  | ${names.map((n) => n.padStart(11)).join(' ')} | WebCrypto | ${names.map((n) => `${n}/WC`.padStart(14)).join(' ')}`);
for (const [label, size] of [['1 KiB', 1024], ['1 MiB', 1 << 20]]) {
  const pt = randomBytes(size);
  const clients = [client(here, 'auto'), client(here, 'wasm'), ...(other ? [client(other, 'auto'), client(other, 'wasm')] : [])];
  const msgs = await Promise.all(clients.map((c) => c.encrypt(pt)));
  const iv = new Uint8Array(12);
  // WebCrypto makes a fresh P-384 key per message too, as the SDK and edge-kms do.
  const rawSeal = async () => {
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, false, ['sign']);
    const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, gcmKey, pt);
    await crypto.subtle.exportKey('raw', pair.publicKey);
    return crypto.subtle.sign(ecdsa, pair.privateKey, ct);
  };
  const p384 = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']);
  // The peer of BENCHMARKS.md's envelope table: one key for every message (less work than any ESDK writer does).
  const rawSealOneKey = async () => crypto.subtle.sign(ecdsa, p384.privateKey, await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, gcmKey, pt));
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, gcmKey, pt);
  const sig = await crypto.subtle.sign(ecdsa, p384.privateKey, ct);
  const rawPub = await crypto.subtle.exportKey('raw', p384.publicKey);
  const rawOpen = async () => {
    const k = await crypto.subtle.importKey('raw', rawPub, { name: 'ECDSA', namedCurve: 'P-384' }, false, ['verify']);
    return Promise.all([crypto.subtle.decrypt({ name: 'AES-GCM', iv }, gcmKey, ct), crypto.subtle.verify(ecdsa, k, sig, ct)]);
  };
  for (const [op, mine, raw] of /** @type {any[]} */ ([
    ['seal', clients.map((c) => () => c.encrypt(pt)), rawSeal, rawSealOneKey],
    ['open', clients.map((c, i) => () => c.decrypt(msgs[i])), rawOpen],
  ])) {
    const extra = op === 'seal' ? [rawSealOneKey] : [];
    const all = await rates([...mine, raw, ...extra], size > 65536 ? 2500 : 1500);
    const r = all.slice(0, mine.length);
    const w = all[mine.length];
    const one = extra.length ? `; WebCrypto with one key for all messages ${all[mine.length + 1].toFixed(0)}/s, auto against it ${(r[0] / all[mine.length + 1]).toFixed(2)}x` : '';
    console.log(`${op}  ${label} | ${r.map((x) => x.toFixed(0).padStart(11)).join(' ')} | ${w.toFixed(0).padStart(9)} | ${r.map((x) => `${(x / w).toFixed(2)}x`.padStart(14)).join(' ')}${one}`);
  }
}
