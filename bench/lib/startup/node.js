// Node cold start (issue 10: "fresh process, import → first seal"), beside
// Node's own floor measured in the same run. Every sample is a fresh `node`
// running a small ESM file (as `node app.mjs` would), timed inside the process
// from before its first import; the kinds are interleaved so that load drifts
// hit them alike. Also the whole process, spawn to exit, beside `node -e ''`.
// Run alone: `node bench/lib/startup/node.js [samples]`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const client = (suite) => `new m.EnvelopeClient({ keyring: new m.RawAesKeyring({ keyNamespace: 'a', keyName: 'b', wrappingKey: new Uint8Array(32).fill(7) })${suite ? `, suite: '${suite}'` : ''} })`;
const UNSIGNED = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';

/** Each script prints a JSON array of phase durations (ms). */
const SCRIPTS = {
  // Node itself: an ESM main importing one one-line ESM file, then the first
  // crypto.getRandomValues (which loads Node's WebCrypto: every seal needs it)
  floor: (trivial) => `const t0 = performance.now(); await import(${JSON.stringify(trivial)}); const t1 = performance.now();
    crypto.getRandomValues(new Uint8Array(16)); const t2 = performance.now(); console.log(JSON.stringify([t1 - t0, t2 - t1]));`,
  // The peer: WebCrypto alone doing a first seal's work in a fresh process (after
  // the floor's one-line import): a data key, its AES-256-GCM key, 1 KiB
  // encrypted; signed: a P-384 key, its public key exported, the signature.
  // What any implementation on Node's WebCrypto pays before its first message.
  peer: (trivial, signed) => `const t0 = performance.now(); await import(${JSON.stringify(trivial)});
    const s = crypto.subtle; const iv = crypto.getRandomValues(new Uint8Array(12));
    const k = await s.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), 'AES-GCM', false, ['encrypt']);
    const ct = await s.encrypt({ name: 'AES-GCM', iv }, k, new Uint8Array(1024));
    ${signed ? `const pair = await s.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, false, ['sign']);
    await s.exportKey('raw', pair.publicKey); await s.sign({ name: 'ECDSA', hash: 'SHA-384' }, pair.privateKey, ct);` : ''}
    console.log(JSON.stringify([performance.now() - t0]));`,
  // import; read + compile + instantiate envelope (init); first seal; a second seal
  phases: (suite) => `const t0 = performance.now(); const m = await import('edge-kms'); const t1 = performance.now();
    await m.init(['envelope']); const t2 = performance.now();
    const c = ${client(suite)}; await c.encrypt(new Uint8Array(1024)); const t3 = performance.now();
    await c.encrypt(new Uint8Array(1024)); const t4 = performance.now();
    console.log(JSON.stringify([t1 - t0, t2 - t1, t3 - t2, t4 - t3]));`,
  // import → first seal as an app does it (no init)
  seal: (suite) => `const t0 = performance.now(); const m = await import('edge-kms');
    await ${client(suite)}.encrypt(new Uint8Array(1024)); console.log(JSON.stringify([performance.now() - t0]));`,
  // the envelope module's load by hand, from the package's own files (edge-kms/wasm/*)
  wasm: () => `const fs = process.getBuiltinModule('node:fs');
    const t0 = performance.now(); const glue = await import('edge-kms/wasm/envelope.js'); const t1 = performance.now();
    const bytes = fs.readFileSync(new URL(import.meta.resolve('edge-kms/wasm/envelope_bg.wasm'))); const t2 = performance.now();
    const mod = new WebAssembly.Module(bytes); const t3 = performance.now();
    glue.initSync({ module: mod }); const t4 = performance.now();
    console.log(JSON.stringify([t1 - t0, t2 - t1, t3 - t2, t4 - t3]));`,
};

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** @param {{ out: string, samples?: number }} o */
export async function measureNodeColdStart({ out, samples: N = 15 }) {
  mkdirSync(out, { recursive: true });
  const trivial = join(out, 'trivial.mjs');
  writeFileSync(trivial, 'export const x = 1;\n');
  const files = {
    floor: SCRIPTS.floor(`file://${trivial}`),
    peerSigned: SCRIPTS.peer(`file://${trivial}`, true),
    peerUnsigned: SCRIPTS.peer(`file://${trivial}`, false),
    phasesSigned: SCRIPTS.phases(),
    phasesUnsigned: SCRIPTS.phases(UNSIGNED),
    sealSigned: SCRIPTS.seal(),
    sealUnsigned: SCRIPTS.seal(UNSIGNED),
    wasm: SCRIPTS.wasm(),
  };
  // The scripts live in the repository (tests/artifacts), so 'edge-kms' resolves to pkg/ as for a user's app.
  const paths = Object.fromEntries(Object.entries(files).map(([k, code]) => {
    const p = join(out, `cold-${k}.mjs`);
    writeFileSync(p, `${code}\n`);
    return [k, p];
  }));
  const samples = Object.fromEntries([...Object.keys(files), 'processEmpty', 'processSeal'].map((k) => [k, []]));
  for (let i = 0; i < N; i++) {
    for (const [k, p] of Object.entries(paths)) {
      samples[k].push(JSON.parse(execFileSync(process.execPath, [p], { cwd: ROOT, encoding: 'utf8' })));
    }
    for (const [k, args] of [['processEmpty', ['-e', '']], ['processSeal', [paths.sealSigned]]]) {
      const t0 = performance.now();
      execFileSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
      samples[k].push([performance.now() - t0]);
    }
  }
  const med = (k, j = 0) => median(samples[k].map((r) => r[j]));
  const sum = (k) => median(samples[k].map((r) => r.reduce((a, b) => a + b, 0)));
  const floor = sum('floor');
  const f = (x) => x.toFixed(1);

  console.log();
  console.log(`## Cold start in Node ${process.version} (fresh process per sample, median of ${N}; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${availableParallelism()} cores)`);
  console.log();
  console.log('| what (each a fresh `node app.mjs`, timed from before its first import) | ms | above the floor | × floor | goal |');
  console.log('|---|---|---|---|---|');
  const row = (label, v, goal = '') => console.log(`| ${label} | ${f(v)} | ${f(v - floor)} | ${(v / floor).toFixed(2)}× | ${goal} |`);
  console.log(`| **Node's floor**: import a one-line ESM file (${f(med('floor', 0))}) + the first \`crypto.getRandomValues\` (${f(med('floor', 1))}: loads Node's WebCrypto) | ${f(floor)} | — | 1.00× | |`);
  row('WebCrypto alone, the same work (peer): one-line import, AES-256-GCM key + 1 KiB, P-384 key + export + signature', sum('peerSigned'));
  row('import → first seal, 1 KiB, RawAesKeyring, default suite (0x0578)', sum('sealSigned'), `≤ 5 ms ${sum('sealSigned') <= 5 ? '✓' : '✗'}`);
  row('WebCrypto alone, the same work (peer): one-line import, AES-256-GCM key + 1 KiB', sum('peerUnsigned'));
  row('import → first seal, 1 KiB, unsigned suite (0x0478)', sum('sealUnsigned'));
  console.log();
  console.log(`Against the peer, same run: default suite ${(sum('sealSigned') / sum('peerSigned')).toFixed(2)}× (+${f(sum('sealSigned') - sum('peerSigned'))} ms), unsigned ${(sum('sealUnsigned') / sum('peerUnsigned')).toFixed(2)}× (+${f(sum('sealUnsigned') - sum('peerUnsigned'))} ms). ` +
    `The ≤ 5 ms goal is ${sum('peerSigned') > 5 ? 'below' : 'above'} what WebCrypto alone takes for the same first message here (${f(sum('peerSigned'))} ms).`);
  console.log();
  console.log('Where it goes (the same, with `await init([\'envelope\'])` between import and seal; medians per phase):');
  console.log();
  console.log('| phase | default suite | unsigned suite |');
  console.log('|---|---|---|');
  const phase = (label, j) => console.log(`| ${label} | ${f(med('phasesSigned', j))} | ${f(med('phasesUnsigned', j))} |`);
  phase("`import('edge-kms')`", 0);
  phase("`init(['envelope'])`: read + compile + instantiate", 1);
  phase('first seal (incl. the first `getRandomValues`; default suite: P-384 key generation and signature)', 2);
  phase('second seal', 3);
  console.log(`| the envelope module by hand: import its glue / read / compile / instantiate | ${[0, 1, 2, 3].map((j) => f(med('wasm', j))).join(' / ')} | |`);
  console.log();
  console.log(`Whole process, spawn to exit: \`node -e ''\` ${f(med('processEmpty'))} ms; \`node app.mjs\` sealing 1 KiB (default suite) ${f(med('processSeal'))} ms (+${f(med('processSeal') - med('processEmpty'))}).`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await measureNodeColdStart({ out: join(ROOT, 'tests/artifacts/size-bench'), samples: Number(process.argv[2] ?? 15) });
}
