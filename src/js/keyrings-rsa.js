// The RSA keyrings: RawRsaKeyring and KmsRsaPublicKeyring. Their keys live
// in the `rsa` module; EnvelopeClient copies the data key out of the envelope
// module for them to wrap, and offers what they unwrap back to it (wiped after
// each call; the envelope module takes a key only if the header authenticates
// under it). Their operations reach EnvelopeClient through keyrings.js
// (`installRsaKeyrings`, by the first RSA keyring made), so a page that makes
// none bundles neither this file nor the `rsa` module's glue.
import { EdgeKmsError } from './errors.js';
import { readOptions, toBytes } from './bytes.js';
import { ModuleKeyring, copy, freezeFields, frozenUnlessSubclassed, installRsaKeyrings, isKms, str } from './keyrings.js';
import * as rsaModule from './modules/rsa.js';

/** 64 fresh random bytes for the module's generator (it wipes them). */
const entropy = () => crypto.getRandomValues(new Uint8Array(64));

/** A keyring whose key lives in the `rsa` module. @internal */
class RsaModuleKeyring extends ModuleKeyring {
  /** @param {(b: any) => any} create */
  constructor(create) {
    super(create, rsaModule.isStale);
    installRsaKeyrings(RSA_OPS);
  }
}

/** @param {any} k */
function isRsa(k) {
  return RsaModuleKeyring.is(k) && k instanceof RsaModuleKeyring;
}

/**
 * Whether the keyring holds a private key (loads the `rsa` module).
 * @param {any} k @returns {Promise<boolean>}
 */
function canDecrypt(k) {
  return rsaModule.withCore((b) => RsaModuleKeyring.handleOf(k, b).canDecrypt());
}

/**
 * Wraps `dataKey` (wiped here whatever happens) with an RSA keyring.
 * @param {any} k @param {Uint8Array} dataKey @param {Uint8Array} serializedContext
 * @returns {Promise<{ providerId: string, providerInfo: Uint8Array, ciphertext: Uint8Array }>}
 */
async function wrap(k, dataKey, serializedContext) {
  try {
    return await rsaModule.withCore((b) => RsaModuleKeyring.handleOf(k, b).wrap(dataKey, serializedContext, entropy()));
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Unwraps one encrypted data key with an RSA keyring: the data key, or
 * undefined if it is not this keyring's or does not decrypt. The caller wipes
 * the key once the envelope module took it.
 * @param {any} k @param {{ providerId: string, providerInfo: Uint8Array, ciphertext: Uint8Array }} edk
 * @param {Uint8Array} serializedContext @param {number} dataKeyLength
 * @returns {Promise<Uint8Array | undefined>}
 */
function unwrap(k, edk, serializedContext, dataKeyLength) {
  return rsaModule.withCore((b) => RsaModuleKeyring.handleOf(k, b).unwrap(edk.providerId, edk.providerInfo, edk.ciphertext, serializedContext, dataKeyLength, entropy()));
}

/**
 * Raw RSA wrapping key, interoperable with the AWS Encryption SDK's raw RSA
 * keyring. Keys are PEM text or DER bytes (SPKI / PKCS#1 public, PKCS#8 /
 * PKCS#1 private); only the public key is needed to encrypt, only the private
 * key to decrypt. At least 2048 bits.
 */
export class RawRsaKeyring extends RsaModuleKeyring {
  /** @type {Uint8Array} */ #public;
  /** @type {Uint8Array} */ #private;
  /** @param {{ keyNamespace: string, keyName: string, publicKey?: string | Uint8Array, privateKey?: string | Uint8Array,
   *            padding?: 'OAEP_SHA1' | 'OAEP_SHA256' | 'OAEP_SHA384' | 'OAEP_SHA512' | 'PKCS1' }} options */
  constructor(options) {
    super((b) => this.#make(b));
    const { keyNamespace, keyName, publicKey, privateKey, padding = 'OAEP_SHA256' } = readOptions(options, 'RawRsaKeyring options', ['keyNamespace', 'keyName', 'publicKey', 'privateKey', 'padding']);
    this.keyNamespace = str(keyNamespace, 'keyNamespace');
    this.keyName = str(keyName, 'keyName');
    if (publicKey === undefined && privateKey === undefined) throw new EdgeKmsError('INVALID_ARGUMENT', 'a RawRsaKeyring needs publicKey, privateKey or both');
    if (typeof padding !== 'string' || !['OAEP_SHA1', 'OAEP_SHA256', 'OAEP_SHA384', 'OAEP_SHA512', 'PKCS1'].includes(padding)) throw new EdgeKmsError('UNSUPPORTED_ALGORITHM', 'padding must be OAEP_SHA1, OAEP_SHA256, OAEP_SHA384, OAEP_SHA512 or PKCS1');
    this.padding = padding;
    this.#public = publicKey === undefined ? new Uint8Array(0) : copy(toBytes(publicKey, 'publicKey'));
    this.#private = privateKey === undefined ? new Uint8Array(0) : copy(toBytes(privateKey, 'privateKey'));
    freezeFields(this, ['keyNamespace', 'keyName', 'padding']);
    frozenUnlessSubclassed(this, new.target, RawRsaKeyring);
  }
  /** @param {any} b */
  #make(b) {
    const sk = copy(this.#private); // the core wipes what it is given
    try {
      return b.RsaKeyring.rawRsa(this.keyNamespace, this.keyName, this.#public, sk, this.padding);
    } finally {
      sk.fill(0);
    }
  }
}

/**
 * Seals data keys to the public half of an AWS KMS RSA key (RSAES_OAEP_SHA_256),
 * with no KMS call. Only the unsigned suite AES_256_GCM_HKDF_SHA512_COMMIT_KEY.
 * To decrypt, pass `kms` (a KMS keyring such as BrokerKeyring) whose
 * `decryptDataKey` is called with `encryptionAlgorithm: 'RSAES_OAEP_SHA_256'`.
 */
export class KmsRsaPublicKeyring extends RsaModuleKeyring {
  /** @param {{ keyId: string, publicKey: string | Uint8Array, kms?: any }} options */
  constructor(options) {
    super((b) => this.#make(b));
    const { keyId, publicKey, kms } = readOptions(options, 'KmsRsaPublicKeyring options', ['keyId', 'publicKey', 'kms']);
    this.keyId = str(keyId, 'keyId');
    // As the core checks when it seals; a keyring that only decrypts never reaches
    // the core, so the same rule (the spec's: a key ARN, never an alias) is here.
    if (!/^arn:[^:]+:kms:[^:]*:[^:]*:key\/./.test(this.keyId)) throw new EdgeKmsError('INVALID_KEY_IDENTIFIER', 'the KMS RSA keyring needs a key ARN (arn:...:kms:...:key/...)');
    if (kms !== undefined && !isKms(kms)) throw new EdgeKmsError('INVALID_ARGUMENT', 'kms must be a KMS keyring');
    this.kms = kms;
    this.#public = copy(toBytes(publicKey, 'publicKey'));
    freezeFields(this, ['keyId']);
    frozenUnlessSubclassed(this, new.target, KmsRsaPublicKeyring);
  }
  /** @type {Uint8Array} */ #public;
  /** @param {any} b */
  #make(b) {
    return b.RsaKeyring.kmsRsaPublic(this.keyId, this.#public);
  }
}

/** What keyrings.js hands EnvelopeClient. */
const RSA_OPS = Object.freeze({ isRsa, isKmsRsa: (/** @type {any} */ k) => isRsa(k) && k instanceof KmsRsaPublicKeyring, canDecrypt, wrap, unwrap });
