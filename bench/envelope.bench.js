// Seal/open throughput of edge-kms (wasm engine, WebCrypto engine at 4 KiB and
// 64 KiB frames) beside the reference SDK (@aws-crypto/client-node) and raw
// WebCrypto AES-GCM over the same bytes, as ratios from one run.
// Then encryptStream/decryptStream of 16 MiB in 64 KiB chunks on both engines.
// A script, not a test:  node bench/envelope.bench.js   (after pkg-scripts/build)
import { randomBytes } from 'node:crypto';
import { EnvelopeClient, RawAesKeyring, init } from 'edge-kms';
import { buildClient, CommitmentPolicy, AlgorithmSuiteIdentifier as S, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';

const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const key = randomBytes(32);
const ours = (suite, engine, frameLength) => new EnvelopeClient({ suite, engine, frameLength, keyring: new RawAesKeyring({ keyNamespace: 'bench', keyName: 'k', wrappingKey: key }) });
const sdkKeyring = () => new RawAesKeyringNode({ keyNamespace: 'bench', keyName: 'k', unencryptedMasterKey: new Uint8Array(key), wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING });
const gcmKey = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt']);

/** Runs `fn` until ~budget ms have passed (at least twice) and returns ops/s. */
async function rate(fn, budgetMs) {
  await fn(); // warm up
  let n = 0;
  const t0 = performance.now();
  while (n < 2 || performance.now() - t0 < budgetMs) { await fn(); n++; }
  return n / ((performance.now() - t0) / 1000);
}

await init();
const SIZES = [['1 KiB', 1024], ['1 MiB', 1 << 20], ['16 MiB', 16 << 20]];
const SUITES = [
  ['0x0478', 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY', S.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY],
  ['0x0578', 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384', S.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384],
];
const mib = (r, bytes) => `${((r * bytes) / 2 ** 20).toFixed(1)} MiB/s`;
const cell = (r, bytes) => (bytes < 65536 ? `${r.toFixed(0)}/s` : mib(r, bytes)).padStart(11);

console.log(`node ${process.version}, ${new Date().toISOString()}; SDK at its default 4 KiB frames`);
console.log('op    suite   size    |  wasm/4K     native/4K    native/64K |   SDK/4K   | WebCrypto 1 call | best/SDK  best/WebCrypto');
for (const [sid, name, sdkId] of SUITES) {
  const clients = [ours(name, 'wasm', 4096), ours(name, 'native', 4096), ours(name, 'native', 65536)];
  for (const [label, size] of SIZES) {
    const pt = randomBytes(size);
    const budget = size > 1 << 20 ? 2500 : 1000;
    const msgs = await Promise.all(clients.map((c) => c.encrypt(pt)));
    const { result: sdkMsg } = await sdk.encrypt(sdkKeyring(), pt, { suiteId: sdkId });
    const iv = new Uint8Array(12);
    const gcmCt = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, gcmKey, pt);
    const ops = [
      ['seal', clients.map((c) => () => c.encrypt(pt)), () => sdk.encrypt(sdkKeyring(), pt, { suiteId: sdkId }), () => crypto.subtle.encrypt({ name: 'AES-GCM', iv }, gcmKey, pt)],
      ['open', clients.map((c, i) => () => c.decrypt(msgs[i])), () => sdk.decrypt(sdkKeyring(), sdkMsg), () => crypto.subtle.decrypt({ name: 'AES-GCM', iv }, gcmKey, gcmCt)],
    ];
    for (const [op, mine, theirs, raw] of ops) {
      const r = [];
      for (const f of mine) r.push(await rate(f, budget));
      const rs = await rate(theirs, budget), rw = await rate(raw, budget);
      const best = Math.max(...r);
      console.log(`${op}  ${sid}  ${label.padEnd(7)} | ${r.map((x) => cell(x, size)).join(' ')} | ${cell(rs, size)} | ${cell(rw, size).padStart(16)} | ${(best / rs).toFixed(2).padStart(6)}x  ${(best / rw).toFixed(3).padStart(8)}x`);
    }
  }
}

async function pipe(ts, chunks) {
  const w = ts.writable.getWriter();
  const out = [];
  const r = (async () => { for await (const c of ts.readable) out.push(c); })();
  for (const c of chunks) await w.write(c);
  await w.close();
  await r;
  return Buffer.concat(out);
}
const split = (b, n) => { const o = []; for (let i = 0; i < b.length; i += n) o.push(b.subarray(i, i + n)); return o; };
console.log('\nstreams, 16 MiB in 64 KiB chunks, 64 KiB frames');
const big = randomBytes(16 << 20);
for (const [sid, name] of SUITES) {
  for (const engine of ['wasm', 'native']) {
    const c = ours(name, engine, 65536);
    let t = performance.now();
    const msg = await pipe(c.encryptStream(), split(big, 65536));
    const te = performance.now() - t;
    t = performance.now();
    const back = await pipe(c.decryptStream(), split(msg, 65536));
    const td = performance.now() - t;
    if (!back.equals(big)) throw new Error('stream round trip mismatch');
    console.log(`${sid}  ${engine.padEnd(9)}  encryptStream ${(16000 / te).toFixed(0).padStart(4)} MiB/s   decryptStream ${(16000 / td).toFixed(0).padStart(4)} MiB/s`);
  }
}
