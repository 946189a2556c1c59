// JWS (RFC 7515) knowledge shared by signJwt (client) and the broker's Sign:
// which KMS signing algorithm and key spec make each JOSE `alg`, the hash a
// DIGEST message of each KMS signing algorithm is, and a strict decoder of
// a JWS signing input, so that the broker's `authorize` sees exactly the
// header and claims every verifier will see.
//
// Pure JS, no node: imports: it runs in browsers, Workers, Node and Deno.

/**
 * JOSE `alg` → the KMS signing algorithm that makes it, the key specs it
 * fits (RFC 7518 §3.3-3.5, RFC 8812 §3.2 for ES256K, RFC 8037 §3.1 for
 * EdDSA), and the hash of its DIGEST form (null: KMS has no DIGEST form a
 * JOSE verifier accepts; Ed25519ph is not JOSE's EdDSA).
 */
export const JOSE_ALGORITHMS = Object.freeze({
  ES256: { signingAlgorithm: 'ECDSA_SHA_256', keySpecs: ['ECC_NIST_P256'], hash: 'SHA-256' },
  ES384: { signingAlgorithm: 'ECDSA_SHA_384', keySpecs: ['ECC_NIST_P384'], hash: 'SHA-384' },
  ES512: { signingAlgorithm: 'ECDSA_SHA_512', keySpecs: ['ECC_NIST_P521'], hash: 'SHA-512' },
  ES256K: { signingAlgorithm: 'ECDSA_SHA_256', keySpecs: ['ECC_SECG_P256K1'], hash: 'SHA-256' },
  RS256: { signingAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256', keySpecs: ['RSA_2048', 'RSA_3072', 'RSA_4096'], hash: 'SHA-256' },
  RS384: { signingAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_384', keySpecs: ['RSA_2048', 'RSA_3072', 'RSA_4096'], hash: 'SHA-384' },
  RS512: { signingAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_512', keySpecs: ['RSA_2048', 'RSA_3072', 'RSA_4096'], hash: 'SHA-512' },
  PS256: { signingAlgorithm: 'RSASSA_PSS_SHA_256', keySpecs: ['RSA_2048', 'RSA_3072', 'RSA_4096'], hash: 'SHA-256' },
  PS384: { signingAlgorithm: 'RSASSA_PSS_SHA_384', keySpecs: ['RSA_2048', 'RSA_3072', 'RSA_4096'], hash: 'SHA-384' },
  PS512: { signingAlgorithm: 'RSASSA_PSS_SHA_512', keySpecs: ['RSA_2048', 'RSA_3072', 'RSA_4096'], hash: 'SHA-512' },
  EdDSA: { signingAlgorithm: 'ED25519_SHA_512', keySpecs: ['ECC_NIST_EDWARDS25519'], hash: null },
});

/**
 * KMS signing algorithm → the hash whose output a DIGEST message of it is
 * (KMS Sign: "the length of the Message value must match the length of
 * hashed messages for the specified signing algorithm"). ED25519_SHA_512
 * and ML_DSA_SHAKE_256 have no DIGEST form.
 * @type {Readonly<Record<string, { name: string, length: number }>>}
 */
export const DIGEST_HASH = Object.freeze({
  ECDSA_SHA_256: { name: 'SHA-256', length: 32 },
  ECDSA_SHA_384: { name: 'SHA-384', length: 48 },
  ECDSA_SHA_512: { name: 'SHA-512', length: 64 },
  RSASSA_PKCS1_V1_5_SHA_256: { name: 'SHA-256', length: 32 },
  RSASSA_PKCS1_V1_5_SHA_384: { name: 'SHA-384', length: 48 },
  RSASSA_PKCS1_V1_5_SHA_512: { name: 'SHA-512', length: 64 },
  RSASSA_PSS_SHA_256: { name: 'SHA-256', length: 32 },
  RSASSA_PSS_SHA_384: { name: 'SHA-384', length: 48 },
  RSASSA_PSS_SHA_512: { name: 'SHA-512', length: 64 },
  ED25519_PH_SHA_512: { name: 'SHA-512', length: 64 },
});

const B64URL = /^[A-Za-z0-9_-]*$/;
/** Characters of any base64 flavour: a part made of these is meant as base64, however lenient a reader. */
const B64ANY = /^[A-Za-z0-9_\-+/=\s]+$/;
const DOT = 0x2e;

/**
 * Whether a lenient reader may decode `part` to a JSON object: Node's Buffer
 * (jose 4's Node build, among others) and Python's base64 (PyJWT) skip
 * characters outside the alphabet, so `eyJh!bGc…` is a JWS header to them;
 * Python's json also reads UTF-16/32 and a UTF-8 BOM. So: the first decoded
 * byte that is not JSON whitespace, NUL or a BOM's is `{`.
 * @param {string} part
 */
function lenientlyJsonObject(part) {
  const val = (/** @type {number} */ c) => (c >= 65 && c <= 90 ? c - 65 : c >= 97 && c <= 122 ? c - 71 : c >= 48 && c <= 57 ? c + 4 : c === 45 || c === 43 ? 62 : c === 95 || c === 47 ? 63 : -1);
  let acc = 0, bits = 0;
  for (let i = 0; i < part.length; i++) {
    const v = val(part.charCodeAt(i));
    if (v < 0) continue; // skipped, as Buffer does
    acc = ((acc << 6) | v) & 0xffff;
    bits += 6;
    if (bits < 8) continue;
    bits -= 8;
    const b = (acc >>> bits) & 0xff;
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue; // JSON whitespace
    if (b === 0x00 || b === 0xef || b === 0xbb || b === 0xbf || b === 0xfe || b === 0xff) continue; // UTF-16/32, BOMs
    return b === 0x7b; // '{'
  }
  return false;
}

/**
 * Unpadded base64url → bytes, strictly (RFC 7515 §2: no padding, no other
 * alphabet, no whitespace; canonical: unused bits zero). null otherwise.
 * @param {string} text @returns {Uint8Array | null}
 */
export function decodeBase64Url(text) {
  if (!B64URL.test(text) || text.length % 4 === 1) return null;
  const val = (/** @type {number} */ c) => (c >= 65 && c <= 90 ? c - 65 : c >= 97 && c <= 122 ? c - 71 : c >= 48 && c <= 57 ? c + 4 : c === 45 ? 62 : 63);
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let acc = 0, bits = 0, o = 0;
  for (let i = 0; i < text.length; i++) {
    acc = ((acc << 6) | val(text.charCodeAt(i))) & 0xffff;
    bits += 6;
    if (bits >= 8) { bits -= 8; out[o++] = (acc >>> bits) & 0xff; }
  }
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Bytes → unpadded base64url. @param {Uint8Array} bytes */
export function encodeBase64Url(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i], b1 = bytes[i + 1] ?? 0, b2 = bytes[i + 2] ?? 0;
    const v = (b0 << 16) | (b1 << 8) | b2;
    s += ALPHABET[v >>> 18] + ALPHABET[(v >>> 12) & 63];
    if (i + 1 < bytes.length) s += ALPHABET[(v >>> 6) & 63];
    if (i + 2 < bytes.length) s += ALPHABET[v & 63];
  }
  return s;
}

/**
 * What a Sign message is, for `authorize`:
 * - `{ kind: 'opaque' }`: not meant as a JWS signing input;
 * - `{ kind: 'jws', header, payload }`: a JWS signing input that every
 *   verifier reads the same way (strict base64url, UTF-8 JSON objects,
 *   no duplicate member names at any depth, a string `alg`, no `crit`/`b64`);
 * - `{ kind: 'malformed', reason }`: meant as one (base64 text, a dot,
 *   more) but not such a signing input. The broker refuses these: a lenient
 *   verifier might read claims into it that `authorize` never saw.
 * @param {Uint8Array} message
 * @returns {{ kind: 'opaque' } | { kind: 'jws', header: Record<string, unknown>, payload: Record<string, unknown> } | { kind: 'malformed', reason: string }}
 */
export function classifySigningInput(message) {
  const dot = message.indexOf(DOT);
  if (dot <= 0) return { kind: 'opaque' };
  let first;
  try {
    first = new TextDecoder('utf-8', { fatal: true }).decode(message.subarray(0, dot));
  } catch {
    return { kind: 'opaque' };
  }
  if (!B64ANY.test(first) && !lenientlyJsonObject(first)) return { kind: 'opaque' };
  const bad = (/** @type {string} */ reason) => ({ kind: /** @type {const} */ ('malformed'), reason });
  const rest = message.subarray(dot + 1);
  if (rest.includes(DOT)) return bad('a JWS signing input has exactly one dot');
  const text = (/** @type {Uint8Array} */ b) => { try { return new TextDecoder('utf-8', { fatal: true }).decode(b); } catch { return null; } };
  const second = text(rest);
  if (second === null) return bad('the payload part is not base64url');
  const h = decodeBase64Url(first), p = decodeBase64Url(second);
  if (!h || !p) return bad('header and payload must be unpadded base64url');
  const header = strictJsonObject(h), payload = strictJsonObject(p);
  if (!header) return bad('the header must be a JSON object without duplicate members');
  if (!payload) return bad('the payload must be a JSON object (JWT claims) without duplicate members');
  if (typeof header.alg !== 'string') return bad('the header needs a string alg');
  if ('crit' in header || 'b64' in header) return bad('header extensions (crit, b64) are not signed');
  return { kind: 'jws', header, payload };
}

/** Deeper JSON is refused: no JWT needs it, and freezing it would recurse that deep. */
const MAX_JSON_DEPTH = 64;

/**
 * UTF-8 JSON text of an object, with no duplicate member names at any
 * depth (RFC 8259 leaves their meaning open, RFC 7515 §5.2 says reject or
 * take the last: readers differ, so a token with them means different
 * things to different verifiers), nested at most MAX_JSON_DEPTH deep, and
 * within I-JSON (RFC 7493) where JSON.parse reads otherwise than other
 * verifiers: no integer beyond 2^53 (rounded here, exact in Python, Go
 * int64, serde_json), no lone surrogate escape, and no member named
 * `__proto__` (an own property here, a prototype to Object.assign).
 * Deep-frozen. null otherwise.
 * @param {Uint8Array} bytes @returns {Record<string, unknown> | null}
 */
function strictJsonObject(bytes) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
  let value;
  try { value = JSON.parse(text); } catch { return null; }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  if (hasDuplicateMembersOrDepth(text)) return null;
  return deepFreeze(value);
}

/** A JSON number at the sticky position: integer part, fraction, exponent. */
const JSON_NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
/** A surrogate code unit without its pair. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Whether valid JSON `text` has an object with two members of one name
 * (compared after unescaping, as JSON.parse does, and case-insensitively,
 * as Go's encoding/json matches struct fields), nests deeper than
 * MAX_JSON_DEPTH, or leaves I-JSON as strictJsonObject says.
 * @param {string} text
 */
function hasDuplicateMembersOrDepth(text) {
  /** @type {(Set<string> | null)[]} */ const stack = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const raw = text.slice(i, j + 1);
      if (raw.includes('\\u') && LONE_SURROGATE.test(JSON.parse(raw))) return true;
      if (expectKey) {
        const name = JSON.parse(raw);
        // Go's encoding/json fills a struct field from any case-insensitive
        // (Unicode simple-folded: ſ is s, K is k) match, the last one winning
        const folded = name.toUpperCase().toLowerCase();
        const seen = /** @type {Set<string>} */ (stack[stack.length - 1]);
        if (seen.has(folded) || name === '__proto__') return true;
        seen.add(folded);
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      if (stack.length >= MAX_JSON_DEPTH) return true;
      stack.push(c === '{' ? new Set() : null);
      expectKey = c === '{';
    }
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') expectKey = stack[stack.length - 1] instanceof Set;
    else if (c === '-' || (c >= '0' && c <= '9')) {
      JSON_NUMBER.lastIndex = i;
      const m = /** @type {RegExpExecArray} */ (JSON_NUMBER.exec(text));
      if (m[1] === undefined && m[2] === undefined && !Number.isSafeInteger(Number(m[0]))) return true;
      i += m[0].length - 1;
    }
  }
  return false;
}

/** @template T @param {T} v @returns {T} */
function deepFreeze(v) {
  if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
