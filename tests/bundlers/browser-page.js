// Loads one page in a fresh Chromium context, calls its run(input) and
// records every response the page received (URL and body), so a test or the
// size bench can say which wasm modules a page fetched and how many bytes.
// Shared by tests/js/bundlers.test.js and bench/size.bench.js.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The package's WebAssembly modules, from its wasm/ folder (never a fixed list).
 * @param {string} pkgDir  an installed or built edge-kms package
 * @returns {Map<string, { name: string, file: string, bytes: Buffer }>} sha256 hex → module
 */
export function packageModules(pkgDir) {
  const modules = new Map();
  for (const file of readdirSync(join(pkgDir, 'wasm')).filter((f) => f.endsWith('_bg.wasm')).sort()) {
    const bytes = readFileSync(join(pkgDir, 'wasm', file));
    modules.set(sha256(bytes), { name: file.replace(/_bg\.wasm$/, ''), file, bytes });
  }
  return modules;
}

/** @param {Uint8Array} b */
export const sha256 = (b) => createHash('sha256').update(b).digest('hex');

/**
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 * @param {unknown} input  passed to the page's globalThis.run
 * @returns {Promise<{ result: any, responses: { url: string, status: number, type: string, body: Buffer }[], errors: string[] }>}
 */
export async function runPage(browser, url, input) {
  const context = await browser.newContext(); // an empty cache per page
  try {
    const page = await context.newPage();
    /** @type {Promise<{ url: string, status: number, type: string, body: Buffer }>[]} */
    const pending = [];
    /** @type {string[]} */
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('response', (r) => {
      pending.push(r.body().then((body) => ({ url: r.url(), status: r.status(), type: r.headers()['content-type'] ?? '', body }),
        () => ({ url: r.url(), status: r.status(), type: r.headers()['content-type'] ?? '', body: Buffer.alloc(0) })));
    });
    await page.goto(url);
    await page.waitForFunction(() => /** @type {any} */ (globalThis).pageReady === true, null, { timeout: 60_000 });
    const result = await page.evaluate((i) => /** @type {any} */ (globalThis).run(i).then(
      (/** @type {any} */ value) => ({ ok: true, value }),
      (/** @type {any} */ e) => ({ ok: false, code: e?.code ?? null, error: String(e) })), input);
    await page.waitForLoadState('networkidle').catch(() => {});
    const responses = await Promise.all(pending);
    return { result, responses, errors };
  } finally {
    await context.close();
  }
}

/**
 * Which of the package's modules these responses carried, by content (bundlers
 * rename files: webpack to a hash), and any .wasm response that is none of them.
 * @param {{ url: string, body: Buffer }[]} responses
 * @param {Map<string, { name: string }>} modules
 */
export function fetchedModules(responses, modules) {
  const names = new Set();
  const unknown = [];
  for (const r of responses) {
    const m = modules.get(sha256(r.body));
    if (m) names.add(m.name);
    else if (/\.wasm(\?|$)/.test(r.url)) unknown.push(r.url);
  }
  return { names: [...names].sort(), unknown };
}
