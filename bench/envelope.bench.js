// Seal/open throughput of edge-kms beside the reference SDK (@aws-crypto/client-node)
// and raw WebCrypto AES-GCM over the same bytes, printed as ratios from one run.
// A script, not a test:  node bench/envelope.bench.js   (after pkg-scripts/build)
import { randomBytes } from 'node:crypto';
import { EnvelopeClient, RawAesKeyring, init } from 'edge-kms';
import { buildClient, CommitmentPolicy, AlgorithmSuiteIdentifier as S, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';

const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const key = randomBytes(32);
const ours = (suite) => new EnvelopeClient({ suite, keyring: new RawAesKeyring({ keyNamespace: 'bench', keyName: 'k', wrappingKey: key }) });
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
const fmt = (r, bytes) => `${r >= 100 ? r.toFixed(0) : r.toFixed(1)}/s ${((r * bytes) / 2 ** 20).toFixed(1)} MiB/s`.padEnd(24);

console.log(`node ${process.version}, ${new Date().toISOString()}; frame length 4096 for both libraries`);
console.log('op    suite   size    | edge-kms                 | @aws-crypto/client-node  | WebCrypto AES-GCM (1 call) | ours/SDK  ours/WebCrypto');
for (const [sid, name, sdkId] of SUITES) {
  const c = ours(name);
  for (const [label, size] of SIZES) {
    const pt = randomBytes(size);
    const budget = size > 1 << 20 ? 3000 : 1500;
    const oursMsg = await c.encrypt(pt);
    const { result: sdkMsg } = await sdk.encrypt(sdkKeyring(), pt, { suiteId: sdkId });
    const iv = new Uint8Array(12);
    const gcmCt = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, gcmKey, pt);
    const rows = [
      ['seal', () => c.encrypt(pt), () => sdk.encrypt(sdkKeyring(), pt, { suiteId: sdkId }), () => crypto.subtle.encrypt({ name: 'AES-GCM', iv }, gcmKey, pt)],
      ['open', () => c.decrypt(oursMsg), () => sdk.decrypt(sdkKeyring(), sdkMsg), () => crypto.subtle.decrypt({ name: 'AES-GCM', iv }, gcmKey, gcmCt)],
    ];
    for (const [op, a, b, w] of rows) {
      const ra = await rate(a, budget), rb = await rate(b, budget), rw = await rate(w, budget);
      console.log(`${op}  ${sid}  ${label.padEnd(7)} | ${fmt(ra, size)} | ${fmt(rb, size)} | ${fmt(rw, size)}   | ${(ra / rb).toFixed(2).padStart(6)}x  ${(ra / rw).toFixed(3).padStart(8)}x`);
    }
  }
}
