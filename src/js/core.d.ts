/**
 * Loads and instantiates the WebAssembly core now. Optional: every API call
 * does it on first use; concurrent calls share one load, and a failed load
 * (`WASM_LOAD_FAILED`) can be retried.
 */
export declare function init(): Promise<void>;
