// Runs the size pages in Chromium and counts what each fetched: one origin
// serves the bundled pages and a broker (the development KMS) at /kms.
// Shared by bench/size.bench.js and tests/js/size-budget.test.js.
import { join } from 'node:path';
import { generateKeyPairSync, sign, constants } from 'node:crypto';
import { CompactSign } from 'jose';
import { launchChromium } from '../../../tests/js/browser.js';
import { serveStatic } from '../../../tests/js/static-server.js';
import { runPage, packageModules, fetchedModules, sha256 } from '../../../tests/bundlers/browser-page.js';
import { ROOT, bundlePage, gz, br } from './pages.js';

/** Signatures for the verify pages: KMS's shapes (DER ECDSA, RSA-PSS salt 32) for edge-kms, JWS of the same keys for jose. */
async function makeSignatures() {
  const message = 'a message signed by a KMS key';
  const signatures = [];
  for (const [kmsAlg, joseAlg, kind, opts, hash] of /** @type {const} */ ([
    ['ECDSA_SHA_256', 'ES256', 'ec', { namedCurve: 'P-256' }, 'sha256'],
    ['ECDSA_SHA_384', 'ES384', 'ec', { namedCurve: 'P-384' }, 'sha384'],
    ['RSASSA_PSS_SHA_256', 'PS256', 'rsa', { modulusLength: 2048 }, 'sha256'],
    ['RSASSA_PKCS1_V1_5_SHA_256', 'RS256', 'rsa', { modulusLength: 2048 }, 'sha256'],
  ])) {
    const k = generateKeyPairSync(/** @type {any} */ (kind), /** @type {any} */ (opts));
    const pss = kmsAlg.startsWith('RSASSA_PSS') ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : {};
    signatures.push({
      kmsAlg, joseAlg, message,
      spki: k.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      pem: k.publicKey.export({ type: 'spki', format: 'pem' }),
      der: sign(hash, Buffer.from(message), { key: k.privateKey, ...pss }).toString('base64'),
      jws: await new CompactSign(new TextEncoder().encode(message)).setProtectedHeader({ alg: joseAlg }).sign(k.privateKey),
    });
  }
  return signatures;
}

/**
 * @param {string} out  folder for the bundled pages (under tests/artifacts)
 */
export async function startMeasuring(out) {
  const { createBroker, createDevKms } = await import('edge-kms/broker');
  const { serve } = await import('edge-kms/broker/node');
  const signatures = await makeSignatures();
  const broker = createBroker({ kms: await createDevKms(), devMode: true, basePath: '/kms' });
  const server = await serve(broker, { port: 0, staticDirs: { '/': out }, log: () => {} });
  const browser = await launchChromium();
  const modules = packageModules(join(ROOT, 'pkg'));
  return {
    /**
     * Bundles, runs and measures one page: everything it fetched (JS and
     * wasm, gzip -9 and brotli per file), the modules among it, and the
     * modules whose URL the bundle holds (`reached`: it may hold more than it
     * fetches).
     * @param {string} id
     */
    async measure(id) {
      const { js, reached } = await bundlePage(id, out);
      const { result, responses, errors } = await runPage(browser, `${server.url}/${id}/index.html`, { signatures });
      if (!result.ok || !result.value.every(Boolean)) throw new Error(`${id}: ${JSON.stringify(result)} ${errors.join('\n')}`);
      const files = responses.filter((r) => r.status === 200 && /\/(assets|wasm)\//.test(new URL(r.url).pathname));
      const sum = (/** @type {(b: Buffer) => number} */ f) => files.reduce((n, r) => n + f(r.body), 0);
      const jsFiles = files.filter((r) => /javascript/.test(r.type));
      return {
        jsRaw: js.length, jsGzip: jsFiles.reduce((n, r) => n + gz(r.body), 0),
        gzip: sum(gz), brotli: sum(br), raw: sum((b) => b.length), modules: fetchedModules(responses, modules).names, reached,
      };
    },
    /**
     * The docs page (www/) as the repository serves it (unbundled: pkg/
     * through its import map), everything fetched until it says it is ready,
     * before the playground is opened.
     */
    async measureDocsPage() {
      const site = await serveStatic(ROOT);
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        /** @type {Promise<{ url: string, status: number, body: Buffer }>[]} */
        const pending = [];
        page.on('response', (r) => { pending.push(r.body().then((body) => ({ url: r.url(), status: r.status(), body }), () => ({ url: r.url(), status: r.status(), body: Buffer.alloc(0) }))); });
        await page.goto(`${site.url}/www/index.html`);
        await page.waitForFunction(() => document.documentElement.dataset.ready !== undefined, null, { timeout: 60_000 });
        const ready = await page.evaluate(() => document.documentElement.dataset.ready);
        if (ready !== 'true') throw new Error(`docs page: ready=${ready}`);
        await page.waitForLoadState('networkidle').catch(() => {});
        const files = (await Promise.all(pending)).filter((r) => r.status === 200);
        return {
          gzip: files.reduce((n, r) => n + gz(r.body), 0), brotli: files.reduce((n, r) => n + br(r.body), 0),
          files: files.length, modules: fetchedModules(files, modules).names,
          wasmGzip: files.filter((r) => modules.has(sha256(r.body))).reduce((n, r) => n + gz(r.body), 0),
        };
      } finally {
        await context.close();
        await site.close();
      }
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
