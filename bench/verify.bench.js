// Signature verification throughput, one run, every figure beside its peers.
//   node bench/verify.bench.js            (after pkg-scripts/build)
//   BENCH_MS=3000 node bench/verify.bench.js   (longer cells, steadier figures)
// Columns: edge-kms with the native engine (WebCrypto, cached CryptoKey),
// edge-kms with the wasm engine (async API, and verifySync), WebCrypto alone
// with a cached key, node:crypto with a KeyObject, @noble/curves (and
// @noble/post-quantum for ML-DSA). Each cell is ops/s of back-to-back calls
// (async calls awaited one at a time: per-call latency, which is what a
// verifier sees), the best of three slices of ~BENCH_MS/3 each (this machine
// is shared, and the best slice is the least disturbed), then the ratio to
// edge-kms `auto`.
import crypto from 'node:crypto';
import { KmsPublicKey, init } from 'edge-kms';
import { p256, p384 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';

const BUDGET_MS = Number(process.env.BENCH_MS ?? 1000);
const subtle = globalThis.crypto.subtle;
const msg = crypto.randomBytes(256);

async function measure(fn) {
  for (let i = 0; i < 3; i++) await fn(); // warm up (and import/cache keys)
  let best = 0;
  for (let slice = 0; slice < 3; slice++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < BUDGET_MS / 3) {
      for (let i = 0; i < 4; i++) if ((await fn()) !== true) throw new Error('benchmark signature did not verify');
      n += 4;
      t = performance.now();
    }
    best = Math.max(best, (n * 1000) / (t - t0));
  }
  return best;
}

function ecCase(label, namedCurve, hash, webCurve, noble) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve });
  const der = crypto.sign(hash, msg, { key: privateKey, dsaEncoding: 'der' });
  const raw = crypto.sign(hash, msg, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const alg = `ECDSA_SHA_${hash.slice(3)}`;
  const point = new Uint8Array(spki.subarray(spki.length - (webCurve === 'P-384' ? 97 : 65)));
  return {
    label, spki, opts: { signingAlgorithm: alg, message: msg, signature: der },
    webcrypto: webCurve && (async () => {
      const k = await subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: webCurve }, false, ['verify']);
      return () => subtle.verify({ name: 'ECDSA', hash: { sha256: 'SHA-256', sha384: 'SHA-384' }[hash] }, k, raw, msg);
    }),
    node: () => crypto.verify(hash, msg, { key: publicKey, dsaEncoding: 'der' }, der),
    noble: noble && (() => noble.verify(der, msg, point, { format: 'der', lowS: false })),
  };
}

function rsaCase(label, bits) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: bits });
  const sig = crypto.sign('sha256', msg, { key: privateKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return {
    label: `${label} PSS`, spki, opts: { signingAlgorithm: 'RSASSA_PSS_SHA_256', message: msg, signature: sig },
    webcrypto: async () => {
      const k = await subtle.importKey('spki', spki, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify']);
      return () => subtle.verify({ name: 'RSA-PSS', saltLength: 32 }, k, sig, msg);
    },
    node: () => crypto.verify('sha256', msg, { key: publicKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig),
  };
}

function mlDsaCase() {
  const { publicKey, secretKey } = ml_dsa65.keygen(crypto.randomBytes(32));
  const sig = ml_dsa65.sign(msg, secretKey);
  // SPKI (RFC 9881): SEQUENCE { SEQUENCE { id-ml-dsa-65 }, BIT STRING pk }.
  const spki = Buffer.concat([Buffer.from('308207b2300b0609608648016503040312038207a100', 'hex'), publicKey]);
  return {
    label: 'ML-DSA-65', spki, opts: { signingAlgorithm: 'ML_DSA_SHAKE_256', message: msg, signature: sig },
    noble: () => ml_dsa65.verify(sig, msg, publicKey),
  };
}

await init();
const cases = [
  ecCase('P-256', 'prime256v1', 'sha256', 'P-256', p256),
  ecCase('P-384', 'secp384r1', 'sha384', 'P-384', p384),
  rsaCase('RSA-2048', 2048),
  rsaCase('RSA-4096', 4096),
  ecCase('secp256k1', 'secp256k1', 'sha256', null, secp256k1),
  mlDsaCase(),
];

const cols = ['edge-kms auto', 'edge-kms native', 'edge-kms wasm', 'edge-kms wasm sync', 'WebCrypto cached', 'node:crypto', '@noble'];
const rows = [];
for (const c of cases) {
  const key = new KmsPublicKey(c.spki);
  const native = ['P-256', 'P-384'].includes(c.label) || c.label.startsWith('RSA');
  const r = {};
  r['edge-kms auto'] = await measure(() => key.verify(c.opts));
  if (native) r['edge-kms native'] = await measure(() => key.verify({ ...c.opts, engine: 'native' }));
  r['edge-kms wasm'] = await measure(() => key.verify({ ...c.opts, engine: 'wasm' }));
  r['edge-kms wasm sync'] = await measure(() => key.verifySync(c.opts));
  if (c.webcrypto) r['WebCrypto cached'] = await measure(await c.webcrypto());
  if (c.node) r['node:crypto'] = await measure(c.node);
  if (c.noble) r['@noble'] = await measure(c.noble);
  rows.push([c.label, r]);
  process.stderr.write(`measured ${c.label}\n`);
}

const fmt = (v, base) => (v === undefined ? '—' : `${Math.round(v).toLocaleString('en-US')} (${(v / base).toFixed(2)}×)`);
const width = 26;
console.log(`Node ${process.version}, ${BUDGET_MS} ms per cell (best of 3 slices); ops/s (ratio to edge-kms auto)`);
console.log(['algorithm'.padEnd(14), ...cols.map((c) => c.padStart(width))].join(''));
for (const [label, r] of rows) {
  console.log([label.padEnd(14), ...cols.map((c) => fmt(r[c], r['edge-kms auto']).padStart(width))].join(''));
}
