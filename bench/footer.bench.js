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

// A KMS keyring whose round trip takes ROUND_TRIP_MS (a timer standing in for the
// network; the data key is answered from memory): the footer's verification runs
// beside that wait since the early footer check (envelope.js, earlyFooter).
const ROUND_TRIP_MS = 5;
const kmsModel = () => {
  const dataKey = randomBytes(32);
  const wait = () => new Promise((ok) => setTimeout(ok, ROUND_TRIP_MS));
  return {
    isKmsKeyring: true,
    keyId: 'alias/bench',
    async generateDataKey() { await wait(); return { plaintext: Uint8Array.from(dataKey), ciphertextBlob: new Uint8Array(64), keyId: 'arn:aws:kms:us-east-1:111122223333:key/bench' }; },
    async decryptDataKey() { await wait(); return { plaintext: Uint8Array.from(dataKey), keyId: 'arn:aws:kms:us-east-1:111122223333:key/bench' }; },
  };
};

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

// Opening through KMS: the peer makes the same round trip, then does the same work.
{
  const pt = randomBytes(1024);
  const kms = kmsModel();
  const clients = [here, ...(other ? [other] : [])].map((m) => new m.EnvelopeClient({ suite: SUITE, keyring: kms }));
  const msgs = await Promise.all(clients.map((c) => c.encrypt(pt)));
  const iv = new Uint8Array(12);
  const p384 = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']);
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, gcmKey, pt);
  const sig = await crypto.subtle.sign(ecdsa, p384.privateKey, ct);
  const rawPub = await crypto.subtle.exportKey('raw', p384.publicKey);
  const rawOpen = async () => {
    await kms.decryptDataKey();
    const k = await crypto.subtle.importKey('raw', rawPub, { name: 'ECDSA', namedCurve: 'P-384' }, false, ['verify']);
    return Promise.all([crypto.subtle.decrypt({ name: 'AES-GCM', iv }, gcmKey, ct), crypto.subtle.verify(ecdsa, k, sig, ct)]);
  };
  const all = await rates([...clients.map((c, i) => () => c.decrypt(msgs[i])), rawOpen], 3000);
  const w = all[clients.length];
  const ms = (r) => `${(1000 / r).toFixed(2)} ms`;
  console.log(`open 1 KiB through a KMS keyring (${ROUND_TRIP_MS} ms round trip, modelled): auto ${ms(all[0])}${other ? `, other auto ${ms(all[1])}` : ''}, ` +
    `the round trip then WebCrypto ${ms(w)}; auto/WC ${(all[0] / w).toFixed(2)}x${other ? `, other auto/WC ${(all[1] / w).toFixed(2)}x` : ''}`);
}
