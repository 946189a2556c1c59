// workerd's compiled WebAssembly modules, by name. workerd refuses to compile
// wasm bytes at run time, so a Worker can only use a module its bundle imports
// statically, and every module in the bundle is compiled when the Worker
// starts, used or not (`import()` of one does not defer that: SIZE-PLAN.md,
// "Workers"). So the workerd entry imports the modules a Worker usually needs
// (envelope-full, verify, ecdsa) and `import 'edge-kms/<module>'` adds another.
import { EdgeKmsError } from '../errors.js';

/** @type {Map<string, WebAssembly.Module>} */
const compiled = new Map();

/**
 * Makes a compiled module available to the workerd loader.
 * @param {string} name @param {WebAssembly.Module} module
 */
export function provide(name, module) {
  compiled.set(name, module);
}

/** Whether the Worker's bundle holds the module. @param {string} name */
export const provided = (name) => compiled.has(name);

/**
 * The compiled module, or NOT_INITIALISED naming the import that adds it.
 * @param {string} name @returns {WebAssembly.Module}
 */
export function compiledModule(name) {
  const m = compiled.get(name);
  if (!m) {
    throw new EdgeKmsError('NOT_INITIALISED', `edge-kms: this Worker does not bundle the '${name}' WebAssembly module: add \`import 'edge-kms/${name}';\` to the Worker (README, "Workers")`);
  }
  return m;
}
