// The runtime-independent public API. Entry files (entry-*.js) install the
// wasm loader for their runtime and re-export everything from here.
export { EdgeKmsError, ERROR_CODES } from './errors.js';
export { init } from './core.js';
export { KmsPublicKey, verifyKmsSignature, verifyJwt } from './verify.js';
export { signJwt } from './sign-jwt.js';
export { parseKeyIdentifier, recommendKeyType, estimateCost } from './kms.js';
export { BrokerKeyring } from './broker-keyring.js';
export {
  EnvelopeClient, parseMessage, SUITES, COMMITMENT_POLICIES, DEFAULT_FRAME_LENGTH,
  DEFAULT_MAX_ENCRYPTED_DATA_KEYS, DEFAULT_MAX_BODY_SIZE, DEFAULT_MAX_HEADER_SIZE, WASM_MAX_BYTES,
} from './envelope.js';
export { RawAesKeyring, MultiKeyring } from './keyrings.js';
export { RawRsaKeyring, KmsRsaPublicKeyring } from './keyrings-rsa.js';
