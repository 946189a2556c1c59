// Size budget per page type (issue 10): each page of bench/lib/size-pages
// bundled with esbuild as a web developer would (--bundle --minify, browser),
// run in Chromium, and counted by everything it fetched (its JS and every wasm
// module), gzip -9. Sizes are deterministic, so the budget is the size
// measured when it was set plus 2 %: a regression fails here, and the issue's
// goal is printed beside it. When a split makes a page smaller, lower its
// budget to the new size + 2 % (the test says when it is over 10 % loose).
// Which modules each bundler's pages fetch: tests/js/bundlers.test.js; the
// same pages beside their peers and cold start: bench/size.bench.js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PAGES, ROOT, kib, moduleSize } from '../../bench/lib/size-pages/pages.js';
import { startMeasuring } from '../../bench/lib/size-pages/measure.js';

// Bytes, gzip -9, + 2 %. Keyed by page type, never by module. Measured
// 2026-12-02 after the RSA keyrings left `envelope` (43d063c) and the verify
// core lost its arithmetic (603416d, bcde527): seal/open 149,088 / 155,126 B,
// verify 48,421 B, advisor as before. "Everything" rose with the split (each
// fallback module carries its own SHA-2, allocator and error table): 533,583 B,
// over issue 10's 400 KiB goal; the guard holds it there until the cuts in
// SIZE-PLAN.md land. Lowered 2026-12-02 after the serde-free JWT reader and
// talc (b7df92a, 58db8d0): seal/open 147,197 / 153,216 B, verify 46,332,
// advisor 63,627, everything 492,491 B (480.9 KiB, still over the goal).
// Lowered 2026-12-02 after sha2's compact backend (.cargo/config.toml; the
// guard of d581105 added ~1 KB of JS to every page): seal/open 143,612 /
// 149,632 B, verify 46,939, advisor 64,525, everything 474,605 B (463.5 KiB).
// Branch `hpke` (HPKE's P-256 DH out of `envelope`) measured alone: seal/open
// +~6 KB (envelope -1.3 KB, but esbuild without --splitting inlines the ecdsa
// glue that hpke-key.js imports dynamically: JS +3.6 KB), everything +~37 KB
// (the ecdsa module +17 KB: DeriveKeyPair, HKDF and constant-time P-256 ECDH).
// Branch `footer` (P-384 footer out of `envelope`) measured alone: seal/open
// 133,247 / 139,248 B. Both merged on main (envelope 129,367 -> 92,088 B:
// no curve arithmetic left in it): seal/open 115,181 / 121,118 B, verify
// 47,718, advisor 64,773, everything 468,928 B (457.9 KiB).
// Lowered 2026-12-03 after `envelope` was split from its superset
// `envelope-full` (the data-key cache, re-keying and HPKE: envelope 91,101 ->
// 70,129 B) and the RSA keyrings' glue left pages that make none: seal/open
// 96,239 / 101,769 B (94.0 / 99.4 KiB, issue 10's 100 KiB met), everything
// 473,909 B (+4.8 KB: the page's JS holds both envelope glues). A row that
// meets the goal has the goal as its ceiling, so it cannot slide back over.
// Session 7 (footer keys handed to WebCrypto compressed, 192-bit AES keys to
// wasm): seal/open 96,759 / 102,277 B; the BrokerKeyring page is 123 B under.
// Session 8: every wasm-bindgen name shortened in the wasm and its glue
// (pkg-scripts/wasm-short-names.mjs), then the early footer check and footer
// keys made ahead (+0.5 KB of envelope.js): seal/open 94,212 / 99,732 B,
// verify 47,077, advisor 63,001, everything 467,916 B.
// Session 9: the modules compiled with panics as bare traps (pkg-scripts/build,
// a pinned nightly rebuilding std): seal/open 87,667 / 93,187 B, verify
// 39,362, advisor 51,970, everything 402,159 B (392.7 KiB, issue 10's goal met).
const BUDGET = {
  'raw-aes': 89_500,
  broker: 95_100,
  verify: 40_200,
  advisor: 53_100,
  everything: 409_600,
};

// The docs page as the repository serves it (www/, unbundled: pkg/ through its
// import map), everything fetched until it is ready, the playground not yet
// opened: 219,812 B (214.7 KiB, 49 files) while its advisor imported 'edge-kms'
// (every file of the shim) and the playground loaded with the page; 99,197 B
// (96.9 KiB, 16 files) once the advisor took the `kms` part alone
// (www/kms-core.js) and the playground came on approach (www/app.js), 2026-12-03.
// Issue 10's goal (≤ 100 KiB before the playground is opened) is its ceiling.
// 97,515 B with short wasm names (session 8); 86,076 B with panics as bare
// traps (session 9).
const DOCS_BUDGET = 87_800;

const OUT = join(ROOT, 'tests/artifacts/size-budget');
mkdirSync(OUT, { recursive: true });
/** @type {Awaited<ReturnType<typeof startMeasuring>>} */
let measuring;
before(async () => { measuring = await startMeasuring(OUT); });
after(async () => { await measuring?.close(); });

for (const page of PAGES) {
  test(`size budget: ${page.title}`, async (t) => {
    const m = await measuring.measure(page.id);
    assert.ok(m.modules.length > 0, 'the page fetched at least one wasm module');
    // One-shot seal/open of the default suite: WebCrypto signs and verifies the
    // footer, so the page fetches `envelope` alone, never `ecdsa` (SIZE-PLAN step 3).
    if (page.id === 'raw-aes' || page.id === 'broker') assert.deepEqual(m.modules, ['envelope']);
    const total = m.gzip;
    const budget = BUDGET[page.id];
    assert.ok(budget, `no budget for page ${page.id}`);
    t.diagnostic(`${total} B = ${kib(total)} KiB gzip (JS ${m.jsGzip} B + ${m.modules.map((n) => `${n} ${moduleSize(n).gzip} B`).join(' + ')}); ` +
      `budget ${kib(budget)} KiB; issue 10's goal ≤ ${page.goalKiB} KiB ${total <= page.goalKiB * 1024 ? 'met' : 'NOT met'}` +
      (m.reached.length > m.modules.length ? `; the bundle also holds the URL of ${m.reached.filter((n) => !m.modules.includes(n)).join(', ')}, not fetched` : ''));
    if (total < budget * 0.9) t.diagnostic(`${page.id} is ${((1 - total / budget) * 100).toFixed(0)} % under its budget: lower BUDGET['${page.id}'] to ${Math.ceil(total * 1.02 / 100) * 100}`);
    assert.ok(total <= budget, `${page.id}: ${total} B gzip is over its budget of ${budget} B`);
  });
}

test('size budget: the docs page as served (www/, unbundled), before the playground opens', async (t) => {
  const m = await measuring.measureDocsPage();
  t.diagnostic(`${m.gzip} B = ${kib(m.gzip)} KiB gzip, ${m.files} files (wasm ${m.wasmGzip} B: ${m.modules.join(', ')}); budget ${kib(DOCS_BUDGET)} KiB (issue 10's goal ≤ 100 KiB)`);
  assert.deepEqual(m.modules, ['kms'], 'the advisor, the cost model and the explainer need the kms module alone');
  if (m.gzip < DOCS_BUDGET * 0.9) t.diagnostic(`the docs page is ${((1 - m.gzip / DOCS_BUDGET) * 100).toFixed(0)} % under its budget: lower DOCS_BUDGET to ${Math.ceil(m.gzip * 1.02 / 100) * 100}`);
  assert.ok(m.gzip <= DOCS_BUDGET, `the docs page fetched ${m.gzip} B gzip before its playground opened; its budget is ${DOCS_BUDGET} B`);
});
