// `import 'edge-kms/rsa';` in a Worker bundles the `rsa` WebAssembly module
// (RSA: RawRsaKeyring, KmsRsaPublicKeyring, RSA signatures over DIGEST messages or with engine: 'wasm').
// Outside workerd this subpath is an empty module (none.js): there every
// module loads from its file on first use.
import wasm from '../wasm/rsa_bg.wasm';
import { provide } from './compiled.js';

provide('rsa', wasm);
