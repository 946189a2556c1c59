// keyTransport 'hpke', the broker's side: a data key is sealed to the client's
// per-request public key with HPKE (RFC 9180) base mode,
// DHKEM(P-256, HKDF-SHA256) + HKDF-SHA256 + AES-256-GCM, the request bound as
// AAD. The client opens it inside its wasm core (src/keyring/hpke.rs), so the
// data key is never on the wire, nor in the client's JS heap.
//
// WebCrypto only (ECDH P-256, HMAC-SHA-256, AES-GCM): runs in Workers, Node,
// Deno and browsers. Why P-256 and not X25519: see src/keyring/hpke.rs.

import { ProtocolError, decodeBase64, encodeBase64 } from '../protocol.js';
import { isCurvePoint } from '../p256-point.js';

/** The suite's name on the wire (`recipient.keyEncryptionAlgorithm`). */
export const HPKE_ALGORITHM = 'HPKE_P256_SHA256_AES256GCM';
/** HPKE `info`: the application, fixed (the request goes into the AAD). */
export const HPKE_INFO = new TextEncoder().encode('edge-kms/broker/hpke');
const AAD_LABEL = new TextEncoder().encode('edge-kms broker data key v1');
const VERSION = new TextEncoder().encode('HPKE-v1');
const ENC_LEN = 65;
const NONCE_LEN = 16;
const KEM_ID = 0x0010;
const KDF_ID = 0x0001;
/** AEADs: AES-256-GCM in use; AES-128-GCM for RFC 9180's published P-256 vectors. */
export const AEADS = Object.freeze({ 'AES-256-GCM': { id: 0x0002, nk: 32 }, 'AES-128-GCM': { id: 0x0001, nk: 16 } });

const te = new TextEncoder();
const subtle = () => globalThis.crypto.subtle;
const KEM_SUITE = concat([te.encode('KEM'), u16(KEM_ID)]);
/** @param {{ id: number }} aead */
const hpkeSuite = (aead) => concat([te.encode('HPKE'), u16(KEM_ID), u16(KDF_ID), u16(aead.id)]);
// HMAC pads a short key with zeros to the block size: the empty salt of RFC 9180
// is 32 zero bytes here (some WebCrypto implementations refuse an empty HMAC key).
const EMPTY_SALT = new Uint8Array(32);

/**
 * The `recipient` field of a GenerateDataKey or Decrypt request, checked, or
 * null when there is none.
 * @param {unknown} field
 * @returns {{ publicKey: Uint8Array, nonce: Uint8Array } | null}
 */
export function parseRecipient(field) {
  if (field === undefined) return null;
  const bad = (/** @type {string} */ m) => new ProtocolError('BadRequest', m);
  if (field === null || typeof field !== 'object' || Array.isArray(field)) throw bad('recipient must be an object');
  const r = /** @type {Record<string, unknown>} */ (field);
  for (const k of Object.keys(r)) if (!['keyEncryptionAlgorithm', 'publicKey', 'nonce'].includes(k)) throw bad(`unexpected recipient field ${JSON.stringify(k.slice(0, 64))}`);
  if (r.keyEncryptionAlgorithm !== HPKE_ALGORITHM) throw bad(`recipient.keyEncryptionAlgorithm must be ${HPKE_ALGORITHM}`);
  const publicKey = decodeBase64(r.publicKey);
  if (!publicKey || publicKey.length !== ENC_LEN || publicKey[0] !== 0x04) throw bad('recipient.publicKey must be an uncompressed P-256 point (65 bytes, base64)');
  const nonce = decodeBase64(r.nonce);
  if (!nonce || nonce.length !== NONCE_LEN) throw bad(`recipient.nonce must be ${NONCE_LEN} bytes, base64`);
  return { publicKey, nonce };
}

/**
 * Refuses a recipient public key that is not an uncompressed P-256 point on
 * the curve, so that such a request costs no authorize and no KMS call: the
 * data key would be made or opened and then found unsealable. Checked here,
 * not only by importKey: Deno's importKey takes points off the curve (only
 * deriveBits refuses them).
 * @param {Uint8Array} publicKey
 */
export async function checkRecipientKey(publicKey) {
  if (!isCurvePoint(publicKey)) throw new ProtocolError('BadRequest', 'recipient.publicKey is not a P-256 point');
  try {
    await subtle().importKey('raw', /** @type {BufferSource} */ (publicKey), { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  } catch {
    throw new ProtocolError('BadRequest', 'recipient.publicKey is not a P-256 point');
  }
}

/**
 * The AAD of a sealed data key: the request it answers (src/keyring/hpke.rs,
 * `DataKeyRequest::aad`, builds the same bytes in the client's core). A label,
 * then each field as a 4-byte big-endian length and its bytes: operation,
 * requested key id, answered key ARN, encryption algorithm, data key length
 * (4 bytes), ciphertext blob, nonce; then the encryption context as a pair
 * count and each key and value, sorted by the keys' UTF-8 bytes.
 * @param {{ operation: string, requestedKeyId: string, answeredKeyId: string, encryptionAlgorithm: string, dataKeyLength: number, ciphertextBlob: Uint8Array, nonce: Uint8Array, encryptionContext: Record<string, string> }} r
 * @returns {Uint8Array}
 */
export function requestAad(r) {
  /** @type {Uint8Array[]} */
  const parts = [];
  const field = (/** @type {Uint8Array} */ b) => { parts.push(u32(b.length), b); };
  field(AAD_LABEL);
  field(te.encode(r.operation));
  field(te.encode(r.requestedKeyId));
  field(te.encode(r.answeredKeyId));
  field(te.encode(r.encryptionAlgorithm));
  field(u32(r.dataKeyLength));
  field(r.ciphertextBlob);
  field(r.nonce);
  const pairs = Object.entries(r.encryptionContext).map(([k, v]) => [te.encode(k), te.encode(v)]);
  pairs.sort(([a], [b]) => compareBytes(a, b));
  parts.push(u32(pairs.length));
  for (const [k, v] of pairs) { field(k); field(v); }
  return concat(parts);
}

/**
 * Seals `plaintext` to `publicKey` (HPKE base mode, single shot): returns
 * `enc ‖ ciphertext`. `ephemeral` (tests: RFC 9180 vectors) replaces the fresh
 * ephemeral key pair; `aead` is AES-256-GCM unless a test says otherwise.
 * @param {{ publicKey: Uint8Array, info?: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, aead?: keyof typeof AEADS, ephemeral?: CryptoKeyPair }} args
 * @returns {Promise<Uint8Array>}
 */
export async function hpkeSeal({ publicKey, info = HPKE_INFO, aad, plaintext, aead = 'AES-256-GCM', ephemeral }) {
  const suite = AEADS[aead];
  const notPoint = () => new ProtocolError('BadRequest', 'recipient.publicKey is not a P-256 point');
  if (!isCurvePoint(publicKey)) throw notPoint(); // not importKey alone: Deno's takes points off the curve
  let pkR;
  try {
    pkR = await subtle().importKey('raw', /** @type {BufferSource} */ (publicKey), { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  } catch {
    throw notPoint();
  }
  const eph = ephemeral ?? /** @type {CryptoKeyPair} */ (await subtle().generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']));
  const enc = new Uint8Array(await subtle().exportKey('raw', eph.publicKey));
  /** @type {Uint8Array} */ let dh;
  try {
    dh = new Uint8Array(await subtle().deriveBits({ name: 'ECDH', public: pkR }, eph.privateKey, 256));
  } catch {
    throw notPoint();
  }
  /** @type {Uint8Array[]} */ const wipe = [dh];
  try {
    const ss = await extractAndExpand(dh, concat([enc, publicKey]), wipe);
    const { key, baseNonce } = await keySchedule(ss, info, suite, wipe);
    const aes = await subtle().importKey('raw', /** @type {BufferSource} */ (key), 'AES-GCM', false, ['encrypt']);
    const ct = new Uint8Array(await subtle().encrypt({ name: 'AES-GCM', iv: /** @type {BufferSource} */ (baseNonce), additionalData: /** @type {BufferSource} */ (aad) }, aes, /** @type {BufferSource} */ (plaintext)));
    return concat([enc, ct]);
  } finally {
    for (const w of wipe) w.fill(0);
  }
}

/**
 * The sealed answer to a data-key request: `ciphertextForRecipient`, base64.
 * @param {{ recipient: { publicKey: Uint8Array, nonce: Uint8Array }, dataKey: Uint8Array, operation: string, requestedKeyId: string, answeredKeyId: string, encryptionAlgorithm: string, ciphertextBlob: Uint8Array, encryptionContext: Record<string, string> }} r
 */
export async function sealDataKey(r) {
  const aad = requestAad({ ...r, dataKeyLength: r.dataKey.length, nonce: r.recipient.nonce });
  return encodeBase64(await hpkeSeal({ publicKey: r.recipient.publicKey, aad, plaintext: r.dataKey }));
}

// ------------------------------------------------------------------ RFC 9180

/** `ExtractAndExpand` of DHKEM (§4.1). @param {Uint8Array} dh @param {Uint8Array} kemContext @param {Uint8Array[]} wipe */
export async function extractAndExpand(dh, kemContext, wipe = []) {
  const prk = await labeledExtract(KEM_SUITE, EMPTY_SALT, 'eae_prk', dh);
  wipe.push(prk);
  const ss = await labeledExpand(prk, KEM_SUITE, 'shared_secret', kemContext, 32);
  wipe.push(ss);
  return ss;
}

/** `KeySchedule` for mode_base (§5.1). @param {Uint8Array} ss @param {Uint8Array} info @param {{ id: number, nk: number }} aead @param {Uint8Array[]} wipe */
export async function keySchedule(ss, info, aead, wipe = []) {
  const sid = hpkeSuite(aead);
  const pskIdHash = await labeledExtract(sid, EMPTY_SALT, 'psk_id_hash', new Uint8Array(0));
  const infoHash = await labeledExtract(sid, EMPTY_SALT, 'info_hash', info);
  const context = concat([new Uint8Array([0]), pskIdHash, infoHash]);
  const secret = await labeledExtract(sid, ss, 'secret', new Uint8Array(0));
  wipe.push(secret);
  const key = await labeledExpand(secret, sid, 'key', context, aead.nk);
  wipe.push(key);
  const baseNonce = await labeledExpand(secret, sid, 'base_nonce', context, 12);
  return { key, baseNonce };
}

/** @param {Uint8Array} suiteId @param {Uint8Array} salt @param {string} label @param {Uint8Array} ikm */
async function labeledExtract(suiteId, salt, label, ikm) {
  const labeled = concat([VERSION, suiteId, te.encode(label), ikm]);
  try {
    return await hmac(salt.length ? salt : EMPTY_SALT, labeled);
  } finally {
    labeled.fill(0);
  }
}

/** @param {Uint8Array} prk @param {Uint8Array} suiteId @param {string} label @param {Uint8Array} info @param {number} length */
async function labeledExpand(prk, suiteId, label, info, length) {
  const labeledInfo = concat([u16(length), VERSION, suiteId, te.encode(label), info]);
  // HKDF-Expand (RFC 5869): T(i) = HMAC(prk, T(i-1) ‖ info ‖ i)
  const out = new Uint8Array(length);
  let t = new Uint8Array(0);
  for (let i = 1, at = 0; at < length; i++) {
    const next = await hmac(prk, concat([t, labeledInfo, new Uint8Array([i])]));
    t.fill(0);
    t = next;
    out.set(t.subarray(0, Math.min(t.length, length - at)), at);
    at += t.length;
  }
  t.fill(0);
  return out;
}

/** @param {Uint8Array} key @param {Uint8Array} data */
async function hmac(key, data) {
  const k = await subtle().importKey('raw', /** @type {BufferSource} */ (key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle().sign('HMAC', k, /** @type {BufferSource} */ (data)));
}

/** @param {Uint8Array[]} parts */
function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** @param {number} n */
function u16(n) { return new Uint8Array([(n >>> 8) & 0xff, n & 0xff]); }
/** @param {number} n */
function u32(n) { return new Uint8Array([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]); }

/** @param {Uint8Array} a @param {Uint8Array} b */
function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
