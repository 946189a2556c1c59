export { EdgeKmsError, ERROR_CODES } from './errors.js';
export type { EdgeKmsErrorCode } from './errors.js';
export { init } from './core.js';
export * from './kms.js';
export * from './broker-keyring.js';
