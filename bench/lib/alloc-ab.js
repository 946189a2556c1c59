// A/B of two builds of the package (issue 10, the allocator choice): ops per
// CPU-second of seal/open (RawAesKeyring, both suites, wasm and auto engines,
// 1 KiB and 1 MiB) and of key parsing/verification, in one process per build.
// CPU time, not wall time: the machine is shared and loaded; run the two
// builds alternately several times and compare medians (BENCHMARKS.md).
//   node --expose-gc bench/lib/alloc-ab.js <package dir>
import { randomBytes, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const pkg = resolve(process.argv[2]);
const entry = JSON.parse(readFileSync(`${pkg}/package.json`, 'utf8')).exports['.'].node;
const { EnvelopeClient, RawAesKeyring, KmsPublicKey, init } = await import(pathToFileURL(resolve(pkg, entry)).href);
await init();
const key = randomBytes(32);
const kr = new RawAesKeyring({ keyNamespace: 'bench', keyName: 'k', wrappingKey: key });
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const rate = async (f, ms = 700) => { for (let i = 0; i < 3; i++) await f(); globalThis.gc?.(); let n = 0; const t0 = cpu(); while (n < 3 || cpu() - t0 < ms) { await f(); n++; } return n / ((cpu() - t0) / 1000); };
const out = {};
for (const [label, size] of [['1KiB', 1024], ['1MiB', 1 << 20]]) {
  for (const engine of ['wasm', 'auto']) {
    for (const suite of ['AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384', 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY']) {
      const c = new EnvelopeClient({ keyring: kr, engine, suite });
      const pt = randomBytes(size);
      const msg = await c.encrypt(pt);
      out[`seal ${label} ${engine} ${suite.endsWith('P384') ? '0578' : '0478'}`] = await rate(() => c.encrypt(pt));
      out[`open ${label} ${engine} ${suite.endsWith('P384') ? '0578' : '0478'}`] = await rate(() => c.decrypt(msg));
    }
  }
}
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const m = randomBytes(100);
for (const [name, kp, alg] of [['P-256', ec, 'ECDSA_SHA_256'], ['RSA', rsa, 'RSASSA_PKCS1_V1_5_SHA_256']]) {
  const spki = kp.publicKey.export({ type: 'spki', format: 'der' });
  const sig = sign('sha256', m, kp.privateKey);
  out[`parse ${name}`] = await rate(() => new KmsPublicKey(spki));
  const k = new KmsPublicKey(spki);
  out[`verify ${name} auto`] = await rate(() => k.verify({ signingAlgorithm: alg, message: m, signature: sig }));
}
console.log(JSON.stringify(out));
