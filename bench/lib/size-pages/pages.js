// The page types of issue 10's goal table, each with its goal (KiB, gzip -9,
// everything the page fetches: JS + wasm) and the peer pages that do the same
// job; and the esbuild bundle of a page as a web developer would make it.
// Shared by bench/size.bench.js and tests/js/size-budget.test.js.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, brotliCompressSync } from 'node:zlib';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SRC = fileURLToPath(new URL('./', import.meta.url));

/** @type {{ id: string, title: string, goalKiB: number, peers: string[] }[]} */
export const PAGES = [
  { id: 'raw-aes', title: 'seal/open, RawAesKeyring, default suite, 1 KiB + 1 MiB', goalKiB: 100, peers: ['peer-jose-jwe'] },
  { id: 'broker', title: 'seal/open, BrokerKeyring, default suite, 1 KiB + 1 MiB', goalKiB: 100, peers: ['peer-jose-jwe'] },
  { id: 'verify', title: 'verify KMS signatures: ECDSA P-256, P-384, RSA-PSS, RSA PKCS#1', goalKiB: 50, peers: ['peer-jose-verify', 'peer-noble-verify'] },
  { id: 'advisor', title: 'advisor, cost estimator, key identifiers (docs page, before the playground)', goalKiB: 100, peers: [] },
  { id: 'everything', title: 'everything: the whole API, init() loads every module', goalKiB: 400, peers: ['peer-everything'] },
];

export const PEERS = {
  'peer-jose-jwe': 'jose JWE (A256GCMKW + A256GCM)',
  'peer-jose-verify': 'jose JWS verify (ES256, ES384, PS256, RS256)',
  'peer-noble-verify': '@noble/curves P-256 + P-384 (no RSA: does less)',
  'peer-everything': '@noble/curves (all) + @noble/post-quantum ML-DSA + jose',
};

export const gz = (/** @type {Uint8Array} */ b) => gzipSync(b, { level: 9 }).length;
export const br = (/** @type {Uint8Array} */ b) => brotliCompressSync(b).length;
export const kib = (/** @type {number} */ n) => (n / 1024).toFixed(1);

/**
 * Bundles one page (esbuild --bundle --minify --format=esm, browser platform:
 * the package's `default` entry) into out/<id>/: assets/page.js, index.html,
 * and the package's wasm files at wasm/ beside assets/ (where esbuild's
 * untouched `new URL('../wasm/…', import.meta.url)` finds them).
 * @param {string} id  a page file of bench/lib/size-pages without .js
 * @param {string} out
 * @returns {Promise<{ dir: string, js: Buffer, reached: string[] }>} reached: the modules whose URL the bundle holds
 */
export async function bundlePage(id, out) {
  const dir = join(out, id);
  rmSync(dir, { recursive: true, force: true });
  await build({
    entryPoints: [join(SRC, `${id}.js`)], bundle: true, minify: true, format: 'esm', platform: 'browser',
    outfile: join(dir, 'assets/page.js'), logLevel: 'error', absWorkingDir: ROOT,
  });
  mkdirSync(join(dir, 'wasm'), { recursive: true });
  for (const f of wasmFiles()) copyFileSync(join(ROOT, 'pkg/wasm', f), join(dir, 'wasm', f));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="./assets/page.js"></script>\n');
  const js = readFileSync(join(dir, 'assets/page.js'));
  const text = js.toString();
  const reached = wasmFiles().filter((f) => text.includes(`/${f}`) || text.includes(`"${f}"`)).map((f) => f.replace(/_bg\.wasm$/, ''));
  return { dir, js, reached };
}

/** The package's modules: pkg/wasm/*_bg.wasm (never a fixed list). */
export function wasmFiles() {
  return readdirSync(join(ROOT, 'pkg/wasm')).filter((f) => f.endsWith('_bg.wasm')).sort();
}

/** gzip -9 and brotli of one built module. @param {string} name */
export function moduleSize(name) {
  const b = readFileSync(join(ROOT, 'pkg/wasm', `${name}_bg.wasm`));
  return { raw: b.length, gzip: gz(b), brotli: br(b) };
}
