// Input normalisation. Framing and offsets live in Rust; here we only make
// sure the core gets a Uint8Array that covers exactly the caller's bytes.
import { EdgeKmsError } from './errors.js';

const encoder = new TextEncoder();

/**
 * @param {Uint8Array | ArrayBuffer | ArrayBufferView | string} input
 * @param {string} what  the argument's name, for the error message
 * @returns {Uint8Array}
 */
export function toBytes(input, what) {
  if (typeof input === 'string') return encoder.encode(input);
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new EdgeKmsError('INVALID_ARGUMENT', `${what} must be a Uint8Array, ArrayBuffer, typed array view or string`);
}
