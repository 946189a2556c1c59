// Cloudflare Workers (workerd): the runtime refuses WebAssembly.compile of
// bytes, so each module is imported as a compiled WebAssembly.Module (wrangler
// and esbuild's `workerd` condition resolve these imports) and instantiated
// synchronously on first use.
import envelopeWasm from './wasm/envelope_bg.wasm';
import verifyWasm from './wasm/verify_bg.wasm';
import kmsWasm from './wasm/kms_bg.wasm';
import ecdsaWasm from './wasm/ecdsa_bg.wasm';
import rareWasm from './wasm/rare_bg.wasm';
import jwtWasm from './wasm/jwt_bg.wasm';
import rsaWasm from './wasm/rsa_bg.wasm';
import { setWasmLoader } from './core.js';

/** @type {Record<string, WebAssembly.Module>} */
const compiled = {
  envelope: envelopeWasm, verify: verifyWasm, kms: kmsWasm, rsa: rsaWasm,
  ecdsa: ecdsaWasm, rare: rareWasm, jwt: jwtWasm,
};

setWasmLoader((m) => m.glue.initSync({ module: compiled[m.name] }));

export * from './index.js';
