// `import 'edge-kms/rare';` in a Worker bundles the `rare` WebAssembly module
// (secp256k1, Ed25519 and ML-DSA signature verification).
// Outside workerd this subpath is an empty module (none.js): there every
// module loads from its file on first use.
import wasm from '../wasm/rare_bg.wasm';
import { provide } from './compiled.js';

provide('rare', wasm);
