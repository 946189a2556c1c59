// ECDSA verification in the `ecdsa` WebAssembly module (the fallback for
// DIGEST messages, `engine: 'wasm'`, `verifySync` and runtimes without
// crypto.subtle) against @noble/curves, per NIST curve (issue 10).
//   node bench/ecdsa-wasm.bench.js         (after pkg-scripts/build)
//   BENCH_MS=300 BENCH_ROUNDS=8 node bench/ecdsa-wasm.bench.js
// Unlike verify.bench.js, which measures each column in its own second, the
// two sides here alternate in short slices (edge-kms, noble, edge-kms, …)
// and each keeps its best slice: on this shared machine the load moves by
// 2× within a minute, and a ratio is only meaningful when both sides saw the
// same minutes. Same inputs on both sides: a DER signature by node:crypto
// over 256 random bytes, the key as KMS gives it (SPKI) to edge-kms and as
// the uncompressed point to noble, high S allowed (as KMS).
import crypto from 'node:crypto';
import { KmsPublicKey, init } from 'edge-kms';
import { p256, p384, p521 } from '@noble/curves/nist.js';

const SLICE_MS = Number(process.env.BENCH_MS ?? 400);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const msg = crypto.randomBytes(256);

function rate(fn) {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < SLICE_MS) {
    if (fn() !== true) throw new Error('benchmark signature did not verify');
    n++;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

await init();
const curves = [
  ['P-256', 'prime256v1', 'sha256', 'ECDSA_SHA_256', p256, 65],
  ['P-384', 'secp384r1', 'sha384', 'ECDSA_SHA_384', p384, 97],
  ['P-521', 'secp521r1', 'sha512', 'ECDSA_SHA_512', p521, 133],
];
console.log(`Node ${process.version}, best of ${ROUNDS} alternating slices of ${SLICE_MS} ms; ops/s`);
console.log(['curve'.padEnd(8), 'edge-kms wasm (verifySync)'.padStart(28), '@noble/curves'.padStart(16), 'ratio'.padStart(8)].join(''));
for (const [label, namedCurve, hash, signingAlgorithm, noble, pointLen] of curves) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve });
  const der = crypto.sign(hash, msg, { key: privateKey, dsaEncoding: 'der' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const point = new Uint8Array(spki.subarray(spki.length - pointLen));
  const key = new KmsPublicKey(spki);
  const ours = () => key.verifySync({ signingAlgorithm, message: msg, signature: der });
  const theirs = () => noble.verify(der, msg, point, { format: 'der', lowS: false });
  const tampered = Buffer.from(msg);
  tampered[0] ^= 1;
  if (key.verifySync({ signingAlgorithm, message: tampered, signature: der }) !== false) throw new Error('tampered message verified');
  for (let i = 0; i < 5; i++) ours(), theirs(); // warm up
  let best = [0, 0];
  for (let r = 0; r < ROUNDS; r++) best = [Math.max(best[0], rate(ours)), Math.max(best[1], rate(theirs))];
  const fmt = (v) => Math.round(v).toLocaleString('en-US');
  console.log([label.padEnd(8), fmt(best[0]).padStart(28), fmt(best[1]).padStart(16), `${(best[0] / best[1]).toFixed(2)}×`.padStart(8)].join(''));
}
