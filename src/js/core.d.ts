/** The WebAssembly modules of the package (README, "Modules"). */
export type ModuleName = 'envelope' | 'envelope-full' | 'verify' | 'kms' | 'ecdsa' | 'rare' | 'rsa' | 'jwt';

/**
 * Loads and instantiates WebAssembly modules now. Optional: every API call
 * loads the module it needs on first use; concurrent calls share one load, and
 * a failed load (`WASM_LOAD_FAILED`) can be retried.
 *
 * Without an argument it loads every module the imported code can use (all of
 * them when the whole package is imported unbundled; in a bundled page, those
 * whose APIs the page uses), `envelope-full` in place of `envelope` (it does
 * all of `envelope`'s work; `init(['envelope'])` loads the smaller one). With names, only those: `await init(['verify'])`
 * before `new KmsPublicKey()` in a browser, which is synchronous. In a Worker,
 * a bare `init()` loads the modules the Worker bundles (README, "Workers").
 * @throws EdgeKmsError INVALID_ARGUMENT for a name the imported code does not use; WASM_LOAD_FAILED;
 *   NOT_INITIALISED in a Worker for a named module it does not bundle (`import 'edge-kms/rsa'` adds `rsa`)
 */
export declare function init(modules?: readonly ModuleName[]): Promise<void>;
