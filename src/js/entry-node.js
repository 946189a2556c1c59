// Node (and Bun): read a module's wasm file next to this package,
// synchronously, on first use. `process.getBuiltinModule` (Node >= 20.16, Bun)
// costs nothing at import, where a static `import 'node:fs'` costs ~2 ms of
// cold start; older Node loads `node:fs` asynchronously on the first call, so
// there synchronous APIs (`new KmsPublicKey`) need `await init()` first.
import { setWasmLoader } from './core.js';
import { useFooterHash } from './native.js';
import { nodeFooterHash } from './footer-node.js';

/** @type {any} */
const proc = globalThis.process;
/** @type {{ readFileSync(url: URL): Uint8Array } | undefined} */
let fs = typeof proc?.getBuiltinModule === 'function' ? proc.getBuiltinModule('node:fs') : undefined;

// A signed native seal or stream hashes its bytes by node:crypto as they are
// written (native.js); nodeFooterHash finds node:crypto on first need.
useFooterHash(nodeFooterHash);

setWasmLoader((m) => {
  if (fs) return m.glue.initSync({ module: fs.readFileSync(m.url()) });
  return import('node:fs').then((f) => {
    fs = f;
    m.glue.initSync({ module: f.readFileSync(m.url()) });
  });
});

export * from './index.js';
