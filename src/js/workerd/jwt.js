// `import 'edge-kms/jwt';` in a Worker bundles the `jwt` WebAssembly module
// (JWS decoding and claims for verifyJwt).
// Outside workerd this subpath is an empty module (none.js): there every
// module loads from its file on first use.
import wasm from '../wasm/jwt_bg.wasm';
import { provide } from './compiled.js';

provide('jwt', wasm);
