// How EnvelopeClient talks to keyrings outside the core: the KMS keyrings'
// calls (GenerateDataKey's answer, Encrypt, the HPKE recipient of keyTransport
// 'hpke') and the RSA keyrings' wrap. Every data key copied out of the core for
// such a call is wiped however the call ends. Local keyrings run in the core.
import { EdgeKmsError, hasOurCode } from './errors.js';
import { uint8View } from './bytes.js';
import { encOf, newHpkeKeyPair } from './hpke-key.js';
import { coreKeyring, isKms, isRsaKeyring, rsaKeyrings } from './keyrings.js';

/** The provider id of an encrypted data key that KMS wrapped. */
export const KMS_PROVIDER_ID = 'aws-kms';
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A KMS keyring whose data keys come sealed to the core (keyTransport 'hpke').
 * A getter of the caller's that throws answers no here: the call then reads it
 * again where it uses it, inside the module's guard, and fails with a code.
 * @param {any} k
 */
export function isHpke(k) {
  try {
    return isKms(k) && k.keyTransport === 'hpke';
  } catch {
    return false;
  }
}

/** @param {unknown} v @param {string} what */
export function bytesFromKms(v, what) {
  // A plain view over the answer's bytes, read through internal slots: the
  // glue reads a byte argument's length three times after it allocated for
  // it, so a Proxy or a subclass lying about its length must never reach it.
  const bytes = uint8View(v);
  if (!bytes) throw new EdgeKmsError('INVALID_DATA_KEY', `the KMS keyring answered without ${what} bytes`);
  return bytes;
}

/** @param {any} kms @param {Uint8Array} providerInfo */
export function kmsKeyIdMatches(kms, providerInfo) {
  let arn;
  try { arn = fromUtf8.decode(providerInfo); } catch { return false; }
  // An ARN filters exactly; an alias or bare key id cannot be compared with an ARN, so
  // the broker (which resolves it) decides.
  if (typeof kms.keyId === 'string' && kms.keyId.startsWith('arn:')) return kms.keyId === arn;
  return true;
}

/**
 * Wraps the data key `target` (a CoreSealer or a re-key's CoreResealer) holds
 * with an RSA keyring of the `rsa` module: a copy of the key crosses to that
 * module and is wiped as soon as it returns. The envelope module refuses the
 * KMS RSA keyring's encrypted data key for signed suites.
 * @param {any} target @param {any} k
 */
export async function wrapWithRsa(target, k) {
  const key = target.dataKeyForKmsEncrypt();
  let edk;
  try {
    edk = await rsaKeyrings().wrap(k, key, target.serializedContext());
  } finally {
    key.fill(0);
  }
  target.addEncryptedDataKey(edk.providerId, edk.providerInfo, edk.ciphertext);
}

/** An EdgeKmsError, or an error with one of its codes; a thrown Proxy whose traps throw is not. @param {unknown} e */
function isOurs(e) {
  try {
    return e instanceof EdgeKmsError || hasOurCode(e);
  } catch {
    return false;
  }
}

/**
 * Calls a method of a KMS keyring (or KMS client) of the caller's. An
 * EdgeKmsError it throws (BrokerKeyring's) is passed on as it is; anything
 * else is KEYRING_FAILED with it as the cause, or ABORTED once the request's
 * signal fired: not INTERNAL, which says the bug is this package's. A
 * `WebAssembly.RuntimeError` is the caller's code's too (its own wasm, or
 * thrown on purpose), not a trap of one of this package's modules, and must
 * not restart the envelope module under every other operation in flight.
 * (Traps of this package's classes are turned into coded errors where they
 * happen, in core.js.)
 * @param {any} target @param {string} method @param {{ signal?: AbortSignal }} request
 */
export async function callKeyring(target, method, request) {
  try {
    return await target[method](request);
  } catch (e) {
    if (isOurs(e)) throw e;
    if (request.signal?.aborted) throw new EdgeKmsError('ABORTED', 'the operation was aborted', { cause: e });
    throw new EdgeKmsError('KEYRING_FAILED', `the KMS keyring's ${method} failed`, { cause: e });
  }
}

/**
 * Wraps the data key `target` (a CoreSealer or a re-key's CoreResealer) holds
 * with a KMS keyring's `Encrypt`: the key is copied out of the core for that
 * call only and wiped however it ends.
 * @param {any} target @param {any} k @param {AbortSignal | undefined} signal
 */
export async function encryptWithKms(target, k, signal) {
  signal?.throwIfAborted();
  const ec = target.encryptionContext();
  const key = target.dataKeyForKmsEncrypt();
  let r;
  try {
    r = await callKeyring(k, 'encryptDataKey', { plaintext: key, encryptionContext: ec, signal });
  } finally {
    key.fill(0);
  }
  if (!r || typeof r.keyId !== 'string') throw new EdgeKmsError('INVALID_DATA_KEY', 'the KMS keyring answered without a keyId');
  target.addEncryptedDataKey(KMS_PROVIDER_ID, utf8.encode(r.keyId), bytesFromKms(r.ciphertextBlob, 'ciphertextBlob'));
}

/**
 * Runs `fn` with a fresh HPKE recipient (keyTransport 'hpke'): the key pair is
 * made outside the core (a non-extractable WebCrypto key, or the `ecdsa` module:
 * hpke-key.js), the core's recipient holds its public key and a fresh request
 * nonce. `fn` gets the recipient and `open(sealed, set)`, which computes the DH
 * for the answer's `enc`, hands it to `set(dh)` (a core `setSealedDataKey`) and
 * wipes it. Both are freed however `fn` ends.
 * @param {any} b @param {string} engine
 * @param {(recipient: any, open: (sealed: Uint8Array, set: (dh: Uint8Array) => void) => Promise<void>) => Promise<void>} fn
 */
export async function withRecipient(b, engine, fn) {
  const pair = await newHpkeKeyPair(/** @type {'auto' | 'wasm' | 'native'} */ (engine));
  try {
    const nonce = crypto.getRandomValues(new Uint8Array(16));
    // Only `envelope-full` has the HPKE recipient; a call is sent there when its
    // keyring says keyTransport 'hpke' (a keyring of the caller's that changed its
    // answer since gets this, not a TypeError).
    if (typeof b.CoreHpkeRecipient !== 'function') throw new EdgeKmsError('INVALID_ARGUMENT', "the KMS keyring's keyTransport changed to 'hpke' during the call");
    const recipient = new b.CoreHpkeRecipient(pair.publicKey, nonce);
    try {
      await fn(recipient, async (sealed, set) => {
        const dh = await pair.dh(encOf(sealed));
        try {
          set(dh);
        } finally {
          dh.fill(0);
        }
      });
    } finally {
      recipient.free();
    }
  } finally {
    pair.free();
  }
}

/**
 * Wraps the data key `target` (a re-key's CoreResealer) holds with every keyring in
 * `members`: KMS keyrings through `Encrypt` (the data key exists already, so a KMS
 * generator encrypts rather than generates), local keyrings in the core.
 * @param {any} b @param {any} target @param {any[]} members @param {AbortSignal | undefined} signal
 */
export async function wrapDataKey(b, target, members, signal) {
  for (const k of members) {
    if (isRsaKeyring(k)) {
      await wrapWithRsa(target, k);
      continue;
    }
    if (!isKms(k)) {
      target.wrapWith(coreKeyring(k, b));
      continue;
    }
    signal?.throwIfAborted();
    if (k.keyTransport === 'hpke') throw new EdgeKmsError('INVALID_ARGUMENT', "a keyTransport 'hpke' KMS keyring cannot wrap an existing data key (Encrypt would carry it to the broker)");
    await encryptWithKms(target, k, signal);
  }
}
