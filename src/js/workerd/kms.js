// `import 'edge-kms/kms';` in a Worker bundles the `kms` WebAssembly module
// (parseKeyIdentifier, recommendKeyType, estimateCost).
// Outside workerd this subpath is an empty module (none.js): there every
// module loads from its file on first use.
import wasm from '../wasm/kms_bg.wasm';
import { provide } from './compiled.js';

provide('kms', wasm);
