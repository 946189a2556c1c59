// Cloudflare Workers (workerd), lean: `import … from 'edge-kms/lean'`. The
// runtime refuses WebAssembly.compile of bytes, so a module is imported as a
// compiled WebAssembly.Module (wrangler and esbuild's `workerd` condition
// resolve these imports) and instantiated synchronously on first use. workerd
// compiles every module in a Worker's bundle when the Worker starts, used or
// not, and a dynamic `import()` does not defer that (measured: SIZE-PLAN.md,
// "Workers"). So this entry bundles what a Worker that seals, opens and
// verifies needs: `envelope-full` (the message format with the data-key cache,
// re-keying and HPKE: in a Worker the superset costs start-up once, where two
// envelope modules would cost it twice), `verify`, and `ecdsa` (signed streams,
// NIST-curve signatures over DIGEST messages, the wasm engine). `import 'edge-kms/rsa'`
// (also `rare`, `jwt`, `kms`) adds another module; a call that needs a module
// the Worker lacks throws NOT_INITIALISED naming that import. The default
// workerd entry (entry-workerd.js) is this one with all four added.
import envelopeWasm from './wasm/envelope-full_bg.wasm';
import verifyWasm from './wasm/verify_bg.wasm';
import ecdsaWasm from './wasm/ecdsa_bg.wasm';
import { setWasmLoader } from './core.js';
import { compiledModule, provide, provided } from './workerd/compiled.js';
import { useFooterHash } from './native.js';
import { workerdFooterHash } from './footer-workerd.js';

provide('envelope-full', envelopeWasm);
provide('verify', verifyWasm);
provide('ecdsa', ecdsaWasm);

setWasmLoader((m) => m.glue.initSync({ module: compiledModule(m.name) }), provided);

// A signed stream's footer: hashed by the runtime's DigestStream as it goes out (footer-workerd.js).
useFooterHash(workerdFooterHash);

export * from './index.js';
