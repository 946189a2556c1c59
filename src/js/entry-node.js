// Node (and Bun): read the wasm file next to this module, synchronously, on first use.
import { readFileSync } from 'node:fs';
import { initSync } from './wasm/edge_kms.js';
import { setWasmLoader } from './core.js';

setWasmLoader(() => initSync({ module: readFileSync(new URL('./wasm/edge_kms_bg.wasm', import.meta.url)) }));

export * from './index.js';
