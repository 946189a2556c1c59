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

/**
 * Bytes of a key given as DER bytes, base64 text or PEM text.
 * Text is handed to the core as bytes; the core decides what it is.
 * @param {Uint8Array | ArrayBuffer | ArrayBufferView | string} input
 * @param {string} what
 */
export function keyBytes(input, what) {
  return toBytes(input, what);
}

/** Standard base64 of bytes (no key material should pass here). @param {Uint8Array} bytes */
export function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** @param {string} text */
export function fromBase64(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new EdgeKmsError('INVALID_ARGUMENT', 'expected standard base64 text');
  }
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
