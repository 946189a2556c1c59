// Node (and Bun): the wasm-bindgen glue of a module other than `envelope` is
// read on first need, by a synchronous `require` of its CommonJS build
// (`node/glue/<name>.cjs`, made by pkg-scripts/build), instead of being
// compiled with the rest of the Node bundle at import. The synchronous APIs
// (`new KmsPublicKey`, `parseKeyIdentifier`, …) still need no `await`; what a
// process that only seals no longer pays at import is the glue it never runs
// (BENCHMARKS.md, "Node start-up"). Only the Node bundle imports this file.

/** @type {((id: string) => any) | undefined} */
let req;
try {
  const proc = /** @type {any} */ (globalThis).process;
  req = proc?.getBuiltinModule?.('node:module')?.createRequire(import.meta.url);
} catch { /* no synchronous require here: the glue is imported (asynchronously) instead */ }

/**
 * A glue loader for core.js's `wasmModule`: `importEsm` (an `import()` of the
 * glue) where there is no `require`, else a function that requires the
 * CommonJS glue, with the same as its `sync` (core.js, `#requireGlue`).
 * @param {string} name @param {() => Promise<any>} importEsm
 */
export function lazyGlue(name, importEsm) {
  const r = req;
  if (!r) return importEsm;
  const sync = () => r(`./glue/${name}.cjs`);
  return Object.assign(() => Promise.resolve().then(sync), { sync });
}
