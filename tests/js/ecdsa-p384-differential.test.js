// Differential test of the ecdsa module's variable-time P-384 verification
// (8df9405) against @noble/curves, through the shipped package (engine 'wasm',
// DIGEST messages): random, high-S, r + n, s = n, r = 0, crafted u1/u2 and
// cancellation cases must get the same verdict. Written by a reviewer
// attacking the new arithmetic.
import crypto from 'node:crypto';
import { p384 } from '@noble/curves/nist.js';
import { KmsPublicKey } from 'edge-kms';
const N = p384.CURVE?.n ?? p384.Point.Fn.ORDER;
const G = p384.Point.BASE;
const mod = (a) => ((a % N) + N) % N;
const inv = (a) => { let [t, nt, r, nr] = [0n, 1n, N, mod(a)]; while (nr) { const q = r / nr; [t, nt] = [nt, t - q * nt]; [r, nr] = [nr, r - q * nr]; } return mod(t); };
const be = (x, len = 48) => Buffer.from(x.toString(16).padStart(len * 2, '0'), 'hex');
const rnd = () => mod(BigInt('0x' + crypto.randomBytes(56).toString('hex'))) || 1n;
function spki(P) { const raw = Buffer.from(P.toBytes(false)); const k = crypto.createPublicKey({ key: { kty: 'EC', crv: 'P-384', x: raw.subarray(1, 49).toString('base64url'), y: raw.subarray(49).toString('base64url') }, format: 'jwk' }); return k.export({ type: 'spki', format: 'der' }); }
function nobleOk(P, hash, r, s) { try { return p384.verify(Buffer.concat([be(r), be(s)]), hash, P.toBytes(false), { prehash: false, lowS: false, format: 'compact' }); } catch { return false; } }
function nodeOk(key, hash, r, s) { try { return crypto.verify(null, hash, { key, dsaEncoding: 'ieee-p1363' }, Buffer.concat([be(r), be(s)])) } catch { return false; } } // Node signs/verifies digest with null alg? (not used)
let n = 0, diffs = [];
async function check(what, P, hash, r, s) {
  const key = await KmsPublicKey.from(spki(P));
  // KMS ECDSA signatures are DER; build DER from r, s (r, s may be out of range: DER still)
  const int = (x) => { let b = x === 0n ? Buffer.from([0]) : be(x, Math.ceil(x.toString(16).length / 2)); if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]); return Buffer.concat([Buffer.from([2, b.length]), b]); };
  const body = Buffer.concat([int(r), int(s)]);
  const der = Buffer.concat([Buffer.from([0x30, body.length]), body]);
  let ours;
  try { ours = await key.verify({ signingAlgorithm: 'ECDSA_SHA_384', message: hash, messageType: 'DIGEST', signature: der, engine: 'wasm' }); } catch (e) { ours = `err ${e.code}`; }
  const ref = nobleOk(P, hash, r, s);
  n++;
  if (ours !== ref && diffs.length < 20) diffs.push(`${what}: ours ${ours} noble ${ref} r=${r.toString(16)} s=${s.toString(16)}`);
}
for (let i = 0; i < 150; i++) {
  const d = rnd(); const P = G.multiply(d); const hash = crypto.randomBytes(48);
  const e = mod(BigInt('0x' + hash.toString('hex')));
  const k = rnd(); const r = mod(G.multiply(k).toAffine().x); const s = mod(inv(k) * (e + r * d));
  await check('honest', P, hash, r, s);
  await check('highS', P, hash, r, N - s);
  await check('s+1', P, hash, r, s + 1n);
  await check('r=0', P, hash, 0n, s);
  await check('s=n', P, hash, r, N);
  await check('r=n+r', P, hash, r + N, s);
  // crafted: u1, u2 edges with chosen R
  for (const [u1, u2] of [[0n, 1n], [1n, N - 1n], [N - 1n, N - 1n], [rnd(), 1n], [0n, rnd()]]) {
    const R = G.multiply(rnd());
    const Q = (u1 === 0n ? R : R.subtract(G.multiply(u1))).multiply(inv(u2));
    const rr = mod(R.toAffine().x); const ss = mod(rr * inv(u2)); const ee = mod(u1 * ss);
    await check(`crafted u1=${u1 === 0n ? 0 : 'x'}`, Q, be(ee), rr, ss);
  }
  // cancellation: Q = -(u1/u2) G
  { const rr = rnd(), ss = rnd(), ee = rnd(); const u1 = mod(ee * inv(ss)), u2 = mod(rr * inv(ss)); const Q = G.multiply(mod(u1 * inv(u2))).negate(); await check('cancel', Q, be(ee), rr, ss); }
}
console.log(`${n} cases; differences: ${diffs.length}\n${diffs.join('\n')}`);
if (diffs.length) process.exitCode = 1;
