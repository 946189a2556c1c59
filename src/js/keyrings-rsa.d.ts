// The RSA keyrings' declarations live beside the other keyrings'.
export { RawRsaKeyring, KmsRsaPublicKeyring } from './keyrings.js';
