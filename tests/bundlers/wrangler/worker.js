// The pages' run() functions in a Worker (wrangler bundles edge-kms with the
// `workerd` condition: every wasm module, each imported statically), with no
// edge-kms-specific configuration.
import { run as seal } from './run-seal.js';
import { run as verify } from './run-verify.js';
import { run as advisor } from './run-advisor.js';
import { run as sealRsa } from './run-seal-rsa.js';

const pages = { seal, verify, advisor, 'seal-rsa': sealRsa };

export default {
  async fetch(request) {
    const run = pages[new URL(request.url).pathname.slice(1)];
    if (!run || request.method !== 'POST') return new Response('not found', { status: 404 });
    try {
      return Response.json({ ok: true, result: await run(await request.json()) });
    } catch (e) {
      return Response.json({ ok: false, code: e?.code ?? null, error: String(e) });
    }
  },
};
