// JSON bodies that carry a data key, handled as bytes so the key never
// becomes a JS string (strings cannot be wiped): the request's secret field is
// spliced in as base64 ASCII bytes, and the response's secret field is
// decoded straight out of the body bytes. Every buffer that held the secret
// is filled with zeros by the caller or here.
import { decodeBase64, encodeBase64Ascii } from './protocol.js';

const utf8 = new TextEncoder();
const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a, FILLER = 0x41; // '"', '\', ':', 'A'

/**
 * `JSON.stringify(body)` with `body[field] = base64(secret)`, as bytes. The
 * secret field is written first, so no other text can come before it.
 * @param {Record<string, unknown>} body  without `field`
 * @param {string} field
 * @param {Uint8Array} secret
 * @returns {Uint8Array} the caller wipes it when the request is done
 */
export function jsonWithSecret(body, field, secret) {
  const rest = JSON.stringify(body);
  const head = utf8.encode(`{${JSON.stringify(field)}:"`);
  const tail = utf8.encode(rest === '{}' ? '"}' : `",${rest.slice(1)}`);
  const b64 = encodeBase64Ascii(secret);
  const out = new Uint8Array(head.length + b64.length + tail.length);
  out.set(head, 0);
  out.set(b64, head.length);
  out.set(tail, head.length + b64.length);
  b64.fill(0);
  return out;
}

/**
 * Parses a JSON object answer whose top-level `field` holds a base64 secret.
 * The secret is decoded from `raw` directly; the rest goes through JSON.parse
 * with the secret's characters overwritten. `raw` is wiped.
 * @param {Uint8Array} raw
 * @param {string} field
 * @returns {{ value: unknown, secret: Uint8Array | null }}  `secret` null when the field is absent or not base64
 */
export function parseWithSecret(raw, field) {
  const span = secretSpan(raw, utf8.encode(field));
  let secret = null;
  const redacted = raw.slice();
  if (span) {
    secret = decodeBase64(raw.subarray(span[0], span[1]));
    redacted.fill(FILLER, span[0], span[1]);
  }
  raw.fill(0);
  let value;
  try {
    value = JSON.parse(new TextDecoder().decode(redacted));
  } catch {
    value = undefined;
  } finally {
    redacted.fill(0);
  }
  if (span === 'duplicate') { secret?.fill(0); return { value: undefined, secret: null }; }
  return { value, secret };
}

/**
 * Where the string value of top-level key `key` lies in `raw` (a JSON object),
 * as [start, end) of its characters; null if absent or not a plain string
 * (a base64 value never needs escapes); 'duplicate' if the key occurs twice.
 * @param {Uint8Array} raw @param {Uint8Array} key
 * @returns {[number, number] | null | 'duplicate'}
 */
function secretSpan(raw, key) {
  /** @type {[number, number] | null} */
  let found = null;
  let depth = 0;
  const n = raw.length;
  for (let i = 0; i < n; i++) {
    const c = raw[i];
    if (c === QUOTE) {
      const start = i + 1;
      for (i = start; i < n && raw[i] !== QUOTE; i++) if (raw[i] === BACKSLASH) i++;
      const end = i;
      if (depth !== 1 || end - start !== key.length || !key.every((b, k) => raw[start + k] === b)) continue;
      let j = end + 1;
      while (isSpace(raw[j])) j++;
      if (raw[j] !== COLON) continue; // a value that happens to read like the key
      if (found) return 'duplicate';
      j++;
      while (isSpace(raw[j])) j++;
      if (raw[j] !== QUOTE) return null;
      let k = j + 1;
      while (k < n && raw[k] !== QUOTE && raw[k] !== BACKSLASH) k++;
      if (raw[k] !== QUOTE) return null;
      found = [j + 1, k];
      i = k;
    } else if (c === 0x7b || c === 0x5b) depth++; // { [
    else if (c === 0x7d || c === 0x5d) depth--; // } ]
  }
  return found;
}

/** @param {number | undefined} b */
const isSpace = (b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
