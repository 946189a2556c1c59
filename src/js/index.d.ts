// Types of the public API. Each area's declarations live next to its code.
export { EdgeKmsError, ERROR_CODES } from './errors.js';
export type { EdgeKmsErrorCode } from './errors.js';
export { init } from './core.js';
export * from './verify.js';
export * from './sign-jwt.js';
export * from './kms.js';
export * from './broker-keyring.js';
export * from './envelope.js';
export * from './keyrings.js';
