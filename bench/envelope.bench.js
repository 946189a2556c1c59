// Seal/open throughput of edge-kms (wasm engine; WebCrypto engine at 64 KiB
// frames and at the default frame length) beside the reference SDK
// (@aws-crypto/client-node, in a worker thread with its own heap: see
// bench/lib/sdk-worker.js) and raw WebCrypto doing the same cryptographic work
// over the same bytes, as ratios from one run:
//   0x0478: one AES-256-GCM call;
//   0x0578: seal = one AES-256-GCM call, then ECDSA P-384/SHA-384 over the result;
//           open = the AES-256-GCM call and the ECDSA verification side by side.
// The 0x0578 rows also print the ratio against the AES-GCM call alone, and the
// cost of one SHA-384 over the message (the part no format can skip).
// Then encryptStream/decryptStream of 16 MiB in 64 KiB chunks on both engines, and
// where the auto engine should switch from wasm to WebCrypto (4-64 KiB messages).
// A script, not a test:  node --expose-gc bench/envelope.bench.js   (after pkg-scripts/build)
import { randomBytes } from 'node:crypto';
import { DEFAULT_FRAME_LENGTH, EnvelopeClient, RawAesKeyring, init } from 'edge-kms';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { AlgorithmSuiteIdentifier as S } from '@aws-crypto/client-node';

const key = randomBytes(32);
const ours = (suite, engine, frameLength) => new EnvelopeClient({ suite, engine, frameLength, keyring: new RawAesKeyring({ keyNamespace: 'bench', keyName: 'k', wrappingKey: key }) });
const sdkWorker = new Worker(new URL('./lib/sdk-worker.js', import.meta.url));
/** Asks the SDK worker `m` and waits for its answer. */
const ask = async (m) => { sdkWorker.postMessage(m); return (await once(sdkWorker, 'message'))[0]; };
const gcmKey = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt']);
const ecdsa = { name: 'ECDSA', hash: 'SHA-384' };
const p384 = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, false, ['sign', 'verify']);

/**
 * ops/s of each column, measured in interleaved rounds (each round gives every
 * column a slice of budget/rounds ms, at least two operations) so that CPU
 * frequency drift falls on every column alike. A column is a function run here
 * or `{ remote: op }`, a slice run by the SDK worker. With `node --expose-gc`
 * (as pkg-scripts/bench runs it) the heap is collected, untimed, before each
 * slice, so no column pays for the garbage of the one before it.
 */
async function rates(columns, budgetMs, rounds = 5) {
  const slice = async (c, ms) => {
    if (c.remote) return ask({ cmd: 'slice', op: c.remote, ms });
    globalThis.gc?.();
    let n = 0;
    const t0 = performance.now();
    while (n < 2 || performance.now() - t0 < ms) { await c(); n++; }
    return { n, ms: performance.now() - t0 };
  };
  for (const c of columns) await (c.remote ? ask({ cmd: 'warm', op: c.remote }) : c()); // warm up
  const ops = columns.map(() => 0), ms = columns.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    for (const [i, c] of columns.entries()) {
      const s = await slice(c, budgetMs / rounds);
      ops[i] += s.n;
      ms[i] += s.ms;
    }
  }
  return ops.map((n, i) => n / (ms[i] / 1000));
}

await init();
const SIZES = [['1 KiB', 1024], ['1 MiB', 1 << 20], ['16 MiB', 16 << 20]];
const SUITES = [
  ['0x0478', 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY', S.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY],
  ['0x0578', 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384', S.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384],
];
const mib = (r, bytes) => `${((r * bytes) / 2 ** 20).toFixed(1)} MiB/s`;
const cell = (r, bytes) => (bytes < 65536 ? `${r.toFixed(0)}/s` : mib(r, bytes)).padStart(12);
const kib = (n) => `${n / 1024}K`;

console.log(`node ${process.version}, ${new Date().toISOString()}; SDK at its default 4 KiB frames; edge-kms default frame ${kib(DEFAULT_FRAME_LENGTH)}`);
console.log(`op    suite   size    |  wasm/${kib(DEFAULT_FRAME_LENGTH)}   native/64K  native/${kib(DEFAULT_FRAME_LENGTH)} |    SDK/4K    | WebCrypto same work | best/SDK  best/WebCrypto  (vs AES-GCM alone)`);
for (const [sid, name, sdkId] of SUITES) {
  const signed = sid === '0x0578';
  const clients = [ours(name, 'wasm', DEFAULT_FRAME_LENGTH), ours(name, 'native', 65536), ours(name, 'native', DEFAULT_FRAME_LENGTH)];
  for (const [label, size] of SIZES) {
    const pt = randomBytes(size);
    const budget = size > 1 << 20 ? 2500 : 1000;
    const msgs = await Promise.all(clients.map((c) => c.encrypt(pt)));
    await ask({ cmd: 'prepare', suiteId: sdkId, size, key });
    const iv = new Uint8Array(12);
    const gcmCt = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, gcmKey, pt);
    const sig = await crypto.subtle.sign(ecdsa, p384.privateKey, gcmCt);
    const aesSeal = () => crypto.subtle.encrypt({ name: 'AES-GCM', iv }, gcmKey, pt);
    const aesOpen = () => crypto.subtle.decrypt({ name: 'AES-GCM', iv }, gcmKey, gcmCt);
    const rawSeal = signed ? async () => crypto.subtle.sign(ecdsa, p384.privateKey, await aesSeal()) : aesSeal;
    const rawOpen = signed ? () => Promise.all([aesOpen(), crypto.subtle.verify(ecdsa, p384.publicKey, sig, gcmCt)]) : aesOpen;
    const ops = [
      ['seal', clients.map((c) => () => c.encrypt(pt)), { remote: 'seal' }, rawSeal, aesSeal],
      ['open', clients.map((c, i) => () => c.decrypt(msgs[i])), { remote: 'open' }, rawOpen, aesOpen],
    ];
    for (const [op, mine, theirs, raw, aesOnly] of ops) {
      const all = await rates([...mine, theirs, raw, ...(signed ? [aesOnly] : [])], budget);
      const r = all.slice(0, mine.length);
      const [rs, rw, ra = rw] = all.slice(mine.length);
      const best = Math.max(...r);
      const alone = signed ? `  (${(best / ra).toFixed(3)}x)` : '';
      console.log(`${op}  ${sid}  ${label.padEnd(7)} | ${r.map((x) => cell(x, size)).join(' ')} | ${cell(rs, size)} | ${cell(rw, size).padStart(19)} | ${(best / rs).toFixed(2).padStart(6)}x  ${(best / rw).toFixed(3).padStart(8)}x${alone}`);
    }
  }
}
{
  const big = randomBytes(16 << 20);
  const iv = new Uint8Array(12);
  const [sha, aes] = await rates([() => crypto.subtle.digest('SHA-384', big), () => crypto.subtle.encrypt({ name: 'AES-GCM', iv }, gcmKey, big)], 2500);
  console.log(`\n16 MiB: one WebCrypto SHA-384 ${mib(sha, big.length)}, one WebCrypto AES-256-GCM ${mib(aes, big.length)}: the hash a 0x0578 footer needs costs ${(aes / sha).toFixed(1)}x the encryption`);
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
console.log(`\nstreams, 16 MiB in 64 KiB chunks, ${kib(DEFAULT_FRAME_LENGTH)} frames`);
const big = randomBytes(16 << 20);
for (const [sid, name] of SUITES) {
  for (const engine of ['wasm', 'native']) {
    const c = ours(name, engine, DEFAULT_FRAME_LENGTH);
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

// Where 'auto' switches engines (NATIVE_MIN_BYTES): wasm against WebCrypto per message size.
console.log('\nengine crossover, 0x0478, ops/s wasm / native (native ÷ wasm)');
{
  const wasm = ours('AES_256_GCM_HKDF_SHA512_COMMIT_KEY', 'wasm', DEFAULT_FRAME_LENGTH);
  const native = ours('AES_256_GCM_HKDF_SHA512_COMMIT_KEY', 'native', DEFAULT_FRAME_LENGTH);
  for (const kib of [4, 8, 16, 32, 64]) {
    const pt = randomBytes(kib * 1024);
    const msg = await wasm.encrypt(pt);
    const [ws, ns, wo, no] = await rates([() => wasm.encrypt(pt), () => native.encrypt(pt), () => wasm.decrypt(msg), () => native.decrypt(msg)], 1000);
    console.log(`${String(kib).padStart(2)} KiB  seal ${ws.toFixed(0).padStart(6)} / ${ns.toFixed(0).padStart(6)} (${(ns / ws).toFixed(2)}x)   open ${wo.toFixed(0).padStart(6)} / ${no.toFixed(0).padStart(6)} (${(no / wo).toFixed(2)}x)`);
  }
}
// reEncrypt (issue 11): re-keying a 16 MiB message to another raw AES key against what it
// replaces, decrypt + encrypt with the new key, on the same client and engine. Both
// authenticate the whole original; the re-key then copies the frames (and, for 0x0578,
// hashes them again for the new footer) instead of encrypting them again.
console.log(`\nreEncrypt, 16 MiB, ${kib(DEFAULT_FRAME_LENGTH)} frames, ops/s: re-key / decrypt + encrypt (re-key ÷ decrypt + encrypt)`);
{
  const pt = randomBytes(16 << 20);
  const other = new RawAesKeyring({ keyNamespace: 'bench', keyName: 'k2', wrappingKey: randomBytes(32) });
  for (const [sid, name] of SUITES) {
    for (const engine of ['wasm', 'native']) {
      const c = ours(name, engine, DEFAULT_FRAME_LENGTH);
      const to = new EnvelopeClient({ suite: name, engine, frameLength: DEFAULT_FRAME_LENGTH, keyring: other });
      const msg = await c.encrypt(pt);
      const [rk, de] = await rates([() => c.reEncrypt(msg, { keyring: other }), async () => to.encrypt((await c.decrypt(msg)).plaintext)], 2500);
      console.log(`${sid}  ${engine.padEnd(6)}  ${rk.toFixed(2).padStart(6)} / ${de.toFixed(2).padStart(6)}  (${(rk / de).toFixed(2)}x)   ${mib(rk, pt.length)} vs ${mib(de, pt.length)}`);
    }
    // The stream form (WebCrypto verifies its frames, as decryptStream does) against
    // decryptStream piped into encryptStream, 64 KiB chunks, default (auto) engine.
    const c = ours(name, 'auto', DEFAULT_FRAME_LENGTH);
    const to = new EnvelopeClient({ suite: name, frameLength: DEFAULT_FRAME_LENGTH, keyring: other });
    const msg = await c.encrypt(pt);
    const chunks = split(msg, 65536);
    const viaPlaintext = async (input) => {
      const d = c.decryptStream();
      const w = d.writable.getWriter();
      const out = [];
      const r = (async () => { for await (const x of d.readable.pipeThrough(to.encryptStream())) out.push(x); })();
      for (const x of input) await w.write(x);
      await w.close();
      await r;
      return out;
    };
    const [rs, ds] = await rates([() => pipe(c.reEncryptStream({ keyring: other }), chunks), () => viaPlaintext(chunks)], 2500, 3);
    console.log(`${sid}  stream  ${rs.toFixed(2).padStart(6)} / ${ds.toFixed(2).padStart(6)}  (${(rs / ds).toFixed(2)}x)   ${mib(rs, pt.length)} vs ${mib(ds, pt.length)}  (reEncryptStream / decryptStream → encryptStream)`);
  }
}
await sdkWorker.terminate();
