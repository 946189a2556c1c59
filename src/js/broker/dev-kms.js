// The development KMS: a small, local stand-in for AWS KMS so the broker,
// the demo and the tests run without an AWS account. NOT FOR PRODUCTION: key
// material lives in a local file (mode 0600) or in memory, nothing is backed
// by an HSM, and there is no key policy, no CloudTrail, no rotation.
//
// It speaks KMS's API shapes (PascalCase inputs and outputs, Uint8Array
// blobs, errors whose `name` is the KMS exception name) through
// `call(operation, input)`, which is all the broker needs. AES-GCM and the
// asymmetric keys (signing, and RSA encryption for KMS RSA public-key
// sealing) use node:crypto where it exists and WebCrypto otherwise, so an
// in-memory dev KMS also runs inside workerd.
import { decodeBase64, encodeBase64, kmsContextPairs, parseArn } from '../protocol.js';
import { DIGEST_HASH, decodeBase64Url } from './jws.js';

const subtle = globalThis.crypto.subtle;
const utf8 = new TextEncoder();

const MAGIC = new Uint8Array([0x01, 0x45, 0x4b, 0x4d]); // version 1, "EKM"
const UUID_LEN = 36;
const IV_LEN = 12;
const HEADER_LEN = MAGIC.length + UUID_LEN;

const RSA_SIGNING = ['RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512', 'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512'];
/** Signing key specs the dev KMS offers, with KMS's algorithm lists. */
const SIGNING_SPECS = {
  RSA_2048: RSA_SIGNING,
  RSA_3072: RSA_SIGNING,
  RSA_4096: RSA_SIGNING,
  ECC_NIST_P256: ['ECDSA_SHA_256'],
  ECC_NIST_P384: ['ECDSA_SHA_384'],
  ECC_NIST_P521: ['ECDSA_SHA_512'],
  ECC_SECG_P256K1: ['ECDSA_SHA_256'],
  ECC_NIST_EDWARDS25519: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'],
  ML_DSA_44: ['ML_DSA_SHAKE_256'],
  ML_DSA_65: ['ML_DSA_SHAKE_256'],
  ML_DSA_87: ['ML_DSA_SHAKE_256'],
};
const DEFAULT_SIGNING = ['RSA_2048', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'ECC_NIST_EDWARDS25519', 'ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87'];
/** RSA encryption key specs (KeyUsage ENCRYPT_DECRYPT), with KMS's algorithm lists. */
const ENCRYPTION_SPECS = { RSA_2048: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'], RSA_3072: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'], RSA_4096: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] };
const RSA_BITS = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };
const isRsa = (/** @type {string} */ spec) => spec in RSA_BITS;
const CURVES = { ECC_NIST_P256: ['P-256', 'prime256v1', 32], ECC_NIST_P384: ['P-384', 'secp384r1', 48], ECC_NIST_P521: ['P-521', 'secp521r1', 66], ECC_SECG_P256K1: [null, 'secp256k1', 32] };

/**
 * The operations of one asymmetric key.
 * @typedef {{ publicKey: Uint8Array,
 *   sign?: (alg: string, message: Uint8Array, messageType: 'RAW' | 'DIGEST' | 'EXTERNAL_MU') => Promise<Uint8Array>,
 *   encrypt?: (alg: string, plaintext: Uint8Array) => Promise<Uint8Array>,
 *   decrypt?: (alg: string, ciphertext: Uint8Array) => Promise<Uint8Array> }} Asym
 */

/** An error shaped like an @aws-sdk/client-kms service exception. */
export class KmsException extends Error {
  /** @param {string} name  the KMS exception name @param {string} message */
  constructor(name, message) {
    super(message);
    this.name = name;
    this.$fault = 'client';
  }
}
const fail = (/** @type {string} */ name, /** @type {string} */ message) => { throw new KmsException(name, message); };

/** The alias under which the dev KMS offers its signing key of `spec`. @param {string} spec */
export const signingAlias = (spec) => `alias/sign-${spec.toLowerCase().replaceAll('_', '-')}`;
/** The alias under which the dev KMS offers its RSA encryption key of `spec`. @param {string} spec */
export const encryptionAlias = (spec) => `alias/encrypt-${spec.toLowerCase().replaceAll('_', '-')}`;

/**
 * Creates (or loads from `file`) a development KMS.
 * @param {import('./dev-kms.js').DevKmsOptions} [options]
 */
export async function createDevKms(options = {}) {
  const { file, aliases = ['alias/demo'], region = 'us-east-1', account = '111122223333' } = options;
  const signingSpecs = options.signingKeys ?? DEFAULT_SIGNING;
  const encryptionSpecs = options.encryptionKeys ?? ['RSA_2048'];
  for (const a of aliases) if (!/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(a) || a.startsWith('alias/aws/')) throw new TypeError(`createDevKms: invalid alias name ${JSON.stringify(a)}`);
  for (const s of signingSpecs) if (!(s in SIGNING_SPECS)) throw new TypeError(`createDevKms: unsupported signing key spec ${JSON.stringify(s)}`);
  for (const s of encryptionSpecs) if (!(s in ENCRYPTION_SPECS)) throw new TypeError(`createDevKms: unsupported encryption key spec ${JSON.stringify(s)}`);

  const nodeCrypto = await optionalNodeCrypto();
  const store = file ? await openStore(file) : null;

  /** @type {Map<string, KeyRecord>} */ const keys = new Map();
  let writing = Promise.resolve();
  /** @type {Map<string, string>} */ const aliasMap = new Map();
  const arnOf = (/** @type {string} */ id) => `arn:aws:kms:${region}:${account}:key/${id}`;

  if (store) {
    const saved = await store.load();
    if (saved) {
      if (saved.region !== region || saved.account !== account) throw new TypeError(`createDevKms: ${file} belongs to ${saved.account}/${saved.region}`);
      for (const k of saved.keys) {
        const material = k.material ? decodeBase64(k.material) : null;
        if (k.material && !material) throw new TypeError(`createDevKms: ${file} is corrupt`);
        const usage = k.keyUsage ?? (k.keySpec === 'SYMMETRIC_DEFAULT' ? 'ENCRYPT_DECRYPT' : 'SIGN_VERIFY');
        keys.set(k.keyId, await activate({ id: k.keyId, spec: k.keySpec, usage, state: k.keyState, created: k.creationDate, description: k.description ?? '' }, material));
      }
      for (const [a, id] of Object.entries(saved.aliases)) aliasMap.set(a, id);
    }
  }

  let dirty = false;
  for (const a of aliases) {
    if (!aliasMap.has(a)) { const r = await newKey('SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT', `dev key for ${a}`); aliasMap.set(a, r.id); dirty = true; }
  }
  for (const s of signingSpecs) {
    const a = signingAlias(s);
    if (!aliasMap.has(a)) { const r = await newKey(s, 'SIGN_VERIFY', `dev ${s} signing key`); aliasMap.set(a, r.id); dirty = true; }
  }
  for (const s of encryptionSpecs) {
    const a = encryptionAlias(s);
    if (!aliasMap.has(a)) { const r = await newKey(s, 'ENCRYPT_DECRYPT', `dev ${s} encryption key`); aliasMap.set(a, r.id); dirty = true; }
  }
  if (dirty) await persist();

  // ------------------------------------------------------------ key records

  /**
   * @typedef {{ id: string, spec: string, usage: 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY', state: 'Enabled' | 'Disabled' | 'PendingDeletion', created: string, description: string,
   *   aes?: Aes, header?: Uint8Array, asym?: Asym, pending?: Promise<Asym>, secret?: Uint8Array | null }} KeyRecord
   */

  /** @param {string} spec @param {'ENCRYPT_DECRYPT' | 'SIGN_VERIFY'} usage @param {string} description */
  async function newKey(spec, usage, description) {
    const id = globalThis.crypto.randomUUID();
    /** @type {Uint8Array | null} */
    let material = null;
    if (spec === 'SYMMETRIC_DEFAULT') material = globalThis.crypto.getRandomValues(new Uint8Array(32));
    const rec = await activate({ id, spec, usage, state: 'Enabled', created: new Date().toISOString(), description }, material);
    keys.set(id, rec);
    return rec;
  }

  /**
   * Turns stored material into usable keys. Symmetric material becomes a
   * node:crypto KeyObject or a non-extractable CryptoKey (see aesKey); the raw bytes are kept only when they must be
   * written back to the key file, and zeroed otherwise.
   * @param {Omit<KeyRecord, 'aes' | 'asym' | 'secret'>} base @param {Uint8Array | null} material
   * @returns {Promise<KeyRecord>}
   */
  async function activate(base, material) {
    /** @type {KeyRecord} */
    const rec = { ...base, secret: null };
    if (base.spec === 'SYMMETRIC_DEFAULT') {
      if (!material || material.length !== 32) throw new TypeError('createDevKms: symmetric key material must be 32 bytes');
      rec.aes = await aesKey(material, nodeCrypto);
      if (store) rec.secret = material; else material.fill(0);
    } else if ((base.usage === 'SIGN_VERIFY' && base.spec in SIGNING_SPECS) || (base.usage === 'ENCRYPT_DECRYPT' && base.spec in ENCRYPTION_SPECS)) {
      // Asymmetric material is generated on first use (RSA generation is slow).
      if (material) { rec.asym = await asymFromPkcs8(base.spec, base.usage, material, nodeCrypto); if (store) rec.secret = material; else material.fill(0); }
    } else {
      throw new TypeError(`createDevKms: unknown key spec ${base.spec}`);
    }
    return rec;
  }

  /** @param {KeyRecord} rec @returns {Promise<Asym>} */
  function asymOf(rec) {
    if (rec.asym) return Promise.resolve(rec.asym);
    rec.pending ??= (async () => {
      const pkcs8 = await generatePkcs8(rec.spec, nodeCrypto);
      const asym = await asymFromPkcs8(rec.spec, rec.usage, pkcs8, nodeCrypto);
      rec.asym = asym;
      if (store) { rec.secret = pkcs8; await persist(); } else pkcs8.fill(0);
      return asym;
    })().finally(() => { rec.pending = undefined; });
    return rec.pending;
  }

  // Writes are serialised (see `writing` above); each writes the whole (small) state atomically.
  function persist() {
    if (!store) return Promise.resolve();
    const snapshot = () => ({
      version: 1,
      warning: 'edge-kms development KMS key file: NOT FOR PRODUCTION; holds raw key material',
      region,
      account,
      keys: [...keys.values()].map((k) => ({ keyId: k.id, keySpec: k.spec, keyUsage: k.usage, keyState: k.state, creationDate: k.created, description: k.description, material: k.secret ? encodeBase64(k.secret) : null })),
      aliases: Object.fromEntries(aliasMap),
    });
    writing = writing.then(() => store.save(snapshot()));
    return writing;
  }

  // ------------------------------------------------------------ lookups

  /** @param {unknown} keyId @returns {KeyRecord} */
  function resolve(keyId) {
    if (typeof keyId !== 'string' || keyId.length === 0) fail('ValidationException', 'KeyId is required');
    const id = /** @type {string} */ (keyId);
    let rec;
    const arn = parseArn(id);
    if (arn) {
      if (arn.region !== region || arn.account !== account) fail('NotFoundException', 'key not found in this dev KMS');
      rec = arn.type === 'key' ? keys.get(arn.resource) : keys.get(aliasMap.get(`alias/${arn.resource}`) ?? '');
    } else if (id.startsWith('alias/')) {
      rec = keys.get(aliasMap.get(id) ?? '');
    } else {
      rec = keys.get(id);
    }
    if (!rec) fail('NotFoundException', 'key not found in this dev KMS');
    return /** @type {KeyRecord} */ (rec);
  }

  /** @param {KeyRecord} rec */
  function usable(rec) {
    if (rec.state === 'Disabled') fail('DisabledException', `${arnOf(rec.id)} is disabled`);
    if (rec.state === 'PendingDeletion') fail('KMSInvalidStateException', `${arnOf(rec.id)} is pending deletion`);
    return rec;
  }

  /** @param {KeyRecord} rec @param {'ENCRYPT_DECRYPT' | 'SIGN_VERIFY'} usage */
  function needUsage(rec, usage) {
    if (usageOf(rec) !== usage) fail('InvalidKeyUsageException', `${arnOf(rec.id)} has key usage ${usageOf(rec)}`);
  }

  const usageOf = (/** @type {KeyRecord} */ r) => r.usage;
  /** @param {KeyRecord} r */
  const encryptionAlgorithms = (r) => (r.spec === 'SYMMETRIC_DEFAULT' ? ['SYMMETRIC_DEFAULT'] : r.usage === 'ENCRYPT_DECRYPT' ? [...ENCRYPTION_SPECS[/** @type {'RSA_2048'} */ (r.spec)]] : undefined);
  /** @param {KeyRecord} r */
  const signingAlgorithms = (r) => (r.usage === 'SIGN_VERIFY' ? [...SIGNING_SPECS[/** @type {keyof typeof SIGNING_SPECS} */ (r.spec)]] : undefined);
  const metadata = (/** @type {KeyRecord} */ r) => ({
    AWSAccountId: account,
    KeyId: r.id,
    Arn: arnOf(r.id),
    CreationDate: new Date(r.created),
    Enabled: r.state === 'Enabled',
    Description: r.description,
    KeyUsage: usageOf(r),
    KeyState: r.state,
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    KeySpec: r.spec,
    CustomerMasterKeySpec: r.spec,
    EncryptionAlgorithms: encryptionAlgorithms(r),
    SigningAlgorithms: signingAlgorithms(r),
    MultiRegion: false,
  });

  // ------------------------------------------------------------ symmetric

  /** @param {KeyRecord} rec @param {Uint8Array} plaintext @param {Record<string, string> | undefined} ec */
  async function seal(rec, plaintext, ec) {
    if (!rec.header) {
      rec.header = new Uint8Array(HEADER_LEN);
      rec.header.set(MAGIC, 0);
      rec.header.set(utf8.encode(rec.id), MAGIC.length);
    }
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_LEN));
    const ct = await /** @type {Aes} */ (rec.aes).seal(iv, additionalData(rec.header, ec), plaintext);
    return concat(rec.header, iv, ct);
  }

  /** @param {Uint8Array} blob */
  function blobKeyId(blob) {
    if (!(blob instanceof Uint8Array) || blob.length < HEADER_LEN + IV_LEN + 16 || !MAGIC.every((b, i) => blob[i] === b)) return null;
    const id = new TextDecoder().decode(blob.subarray(MAGIC.length, HEADER_LEN));
    return /^[0-9a-f-]{36}$/.test(id) ? id : null;
  }

  // ------------------------------------------------------------ operations

  /** @type {Record<string, (input: any) => Promise<any>>} */
  const ops = {
    async GenerateDataKey(input) {
      const rec = usable(resolve(input.KeyId));
      needUsage(rec, 'ENCRYPT_DECRYPT');
      if (rec.spec !== 'SYMMETRIC_DEFAULT') fail('InvalidKeyUsageException', 'GenerateDataKey needs a symmetric encryption KMS key');
      const n = input.NumberOfBytes ?? ({ AES_256: 32, AES_128: 16 })[/** @type {'AES_256'} */ (input.KeySpec)];
      if (!Number.isInteger(n) || n < 1 || n > 1024) fail('ValidationException', 'NumberOfBytes must be 1..1024 (or KeySpec AES_128/AES_256)');
      const plaintext = globalThis.crypto.getRandomValues(new Uint8Array(n));
      return { KeyId: arnOf(rec.id), Plaintext: plaintext, CiphertextBlob: await seal(rec, plaintext, input.EncryptionContext) };
    },
    async Encrypt(input) {
      const rec = usable(resolve(input.KeyId));
      needUsage(rec, 'ENCRYPT_DECRYPT');
      if (!(input.Plaintext instanceof Uint8Array) || input.Plaintext.length < 1 || input.Plaintext.length > 4096) fail('ValidationException', 'Plaintext must be 1..4096 bytes');
      if (rec.spec !== 'SYMMETRIC_DEFAULT') {
        const alg = rsaAlgorithm(rec, input);
        const max = RSA_BITS[/** @type {'RSA_2048'} */ (rec.spec)] / 8 - 2 * (alg === 'RSAES_OAEP_SHA_1' ? 20 : 32) - 2;
        if (input.Plaintext.length > max) fail('ValidationException', `${alg} with ${rec.spec} encrypts at most ${max} bytes`);
        const asym = await asymOf(rec);
        return { KeyId: arnOf(rec.id), CiphertextBlob: await /** @type {NonNullable<Asym['encrypt']>} */ (asym.encrypt)(alg, input.Plaintext), EncryptionAlgorithm: alg };
      }
      symmetricAlgorithm(input);
      return { KeyId: arnOf(rec.id), CiphertextBlob: await seal(rec, input.Plaintext, input.EncryptionContext), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
    async Decrypt(input) {
      const blob = input.CiphertextBlob;
      if (!(blob instanceof Uint8Array) || blob.length < 1 || blob.length > 6144) fail('ValidationException', 'CiphertextBlob must be 1..6144 bytes');
      const id = blobKeyId(blob);
      if (input.KeyId !== undefined) {
        const wanted = resolve(input.KeyId);
        if (wanted.spec !== 'SYMMETRIC_DEFAULT' && wanted.usage === 'ENCRYPT_DECRYPT') {
          // asymmetric: KMS needs the key and the algorithm; there is no context
          const r = usable(wanted);
          const alg = rsaAlgorithm(r, input);
          const asym = await asymOf(r);
          try {
            return { KeyId: arnOf(r.id), Plaintext: await /** @type {NonNullable<Asym['decrypt']>} */ (asym.decrypt)(alg, blob), EncryptionAlgorithm: alg };
          } catch {
            return fail('InvalidCiphertextException', 'the ciphertext is invalid for this key and algorithm');
          }
        }
        if (id !== null && wanted.id !== id) fail('IncorrectKeyException', 'the ciphertext was encrypted under another KMS key');
      }
      symmetricAlgorithm(input);
      const rec = id === null ? undefined : keys.get(id);
      if (!rec) fail('InvalidCiphertextException', 'the ciphertext is invalid');
      const r = usable(/** @type {KeyRecord} */ (rec));
      needUsage(r, 'ENCRYPT_DECRYPT');
      const aad = additionalData(blob.subarray(0, HEADER_LEN), input.EncryptionContext); // a bad context is a ValidationException
      try {
        const pt = await /** @type {Aes} */ (r.aes).open(blob.subarray(HEADER_LEN, HEADER_LEN + IV_LEN), aad, blob.subarray(HEADER_LEN + IV_LEN));
        return { KeyId: arnOf(r.id), Plaintext: pt, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      } catch {
        return fail('InvalidCiphertextException', 'the ciphertext or its encryption context is invalid');
      }
    },
    async GetPublicKey(input) {
      const rec = usable(resolve(input.KeyId));
      if (rec.spec === 'SYMMETRIC_DEFAULT') fail('UnsupportedOperationException', 'GetPublicKey needs an asymmetric KMS key');
      const asym = await asymOf(rec);
      return { KeyId: arnOf(rec.id), PublicKey: asym.publicKey.slice(), KeySpec: rec.spec, CustomerMasterKeySpec: rec.spec, KeyUsage: rec.usage, SigningAlgorithms: signingAlgorithms(rec), EncryptionAlgorithms: encryptionAlgorithms(rec) };
    },
    async Sign(input) {
      const rec = usable(resolve(input.KeyId));
      needUsage(rec, 'SIGN_VERIFY');
      const algs = SIGNING_SPECS[/** @type {keyof typeof SIGNING_SPECS} */ (rec.spec)];
      if (!algs.includes(input.SigningAlgorithm)) fail('InvalidKeyUsageException', `${rec.spec} keys do not support ${String(input.SigningAlgorithm).slice(0, 64)}`);
      const mt = signMessageType(input.SigningAlgorithm, input.MessageType ?? 'RAW', input.Message);
      const asym = await asymOf(rec);
      return { KeyId: arnOf(rec.id), Signature: await /** @type {NonNullable<Asym['sign']>} */ (asym.sign)(input.SigningAlgorithm, input.Message, mt), SigningAlgorithm: input.SigningAlgorithm };
    },
    async DescribeKey(input) {
      return { KeyMetadata: metadata(resolve(input.KeyId)) };
    },
    async CreateKey(input = {}) {
      const spec = input.KeySpec ?? 'SYMMETRIC_DEFAULT';
      const usage = input.KeyUsage ?? (spec === 'SYMMETRIC_DEFAULT' ? 'ENCRYPT_DECRYPT' : 'SIGN_VERIFY');
      const ok = spec === 'SYMMETRIC_DEFAULT' ? usage === 'ENCRYPT_DECRYPT' : usage === 'SIGN_VERIFY' ? spec in SIGNING_SPECS : usage === 'ENCRYPT_DECRYPT' && spec in ENCRYPTION_SPECS;
      if (!ok) fail('UnsupportedOperationException', 'the dev KMS creates SYMMETRIC_DEFAULT keys, RSA/ECC/Ed25519/ML-DSA signing keys and RSA encryption keys');
      const rec = await newKey(spec, usage, typeof input.Description === 'string' ? input.Description.slice(0, 8192) : '');
      await persist();
      return { KeyMetadata: metadata(rec) };
    },
    async CreateAlias(input) {
      const name = input.AliasName;
      if (typeof name !== 'string' || !/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(name) || name.startsWith('alias/aws/')) fail('ValidationException', 'invalid alias name');
      if (aliasMap.has(name)) fail('AlreadyExistsException', 'the alias exists');
      aliasMap.set(name, resolve(input.TargetKeyId).id);
      await persist();
      return {};
    },
    async ListAliases() {
      return { Aliases: [...aliasMap].map(([name, id]) => ({ AliasName: name, AliasArn: `arn:aws:kms:${region}:${account}:${name}`, TargetKeyId: id })) };
    },
    async DisableKey(input) { return setState(input.KeyId, 'Disabled'); },
    async EnableKey(input) { return setState(input.KeyId, 'Enabled'); },
    async ScheduleKeyDeletion(input) {
      const rec = resolve(input.KeyId);
      rec.state = 'PendingDeletion'; // the dev KMS never deletes: the state is what it is for
      await persist();
      return { KeyId: arnOf(rec.id), KeyState: rec.state, DeletionDate: new Date(Date.now() + 86_400_000 * (input.PendingWindowInDays ?? 30)) };
    },
    async CancelKeyDeletion(input) {
      const rec = resolve(input.KeyId);
      if (rec.state !== 'PendingDeletion') fail('KMSInvalidStateException', 'the key is not pending deletion');
      rec.state = 'Disabled'; // as KMS: a key whose deletion is cancelled is disabled
      await persist();
      return { KeyId: arnOf(rec.id) };
    },
  };

  /** The RSAES algorithm of an asymmetric Encrypt/Decrypt (required, as KMS). @param {KeyRecord} rec @param {any} input */
  function rsaAlgorithm(rec, input) {
    const alg = input.EncryptionAlgorithm;
    if (!ENCRYPTION_SPECS[/** @type {'RSA_2048'} */ (rec.spec)].includes(alg)) fail('InvalidKeyUsageException', `${rec.spec} encryption keys need EncryptionAlgorithm RSAES_OAEP_SHA_1 or RSAES_OAEP_SHA_256`);
    if (input.EncryptionContext !== undefined && input.EncryptionContext !== null) {
      const pairs = kmsContextPairs(input.EncryptionContext);
      if (typeof pairs === 'string') fail('ValidationException', pairs);
      if (pairs.length) fail('ValidationException', 'asymmetric KMS keys take no encryption context');
    }
    return /** @type {string} */ (alg);
  }

  /** @param {any} input */
  function symmetricAlgorithm(input) {
    if (input.EncryptionAlgorithm !== undefined && input.EncryptionAlgorithm !== 'SYMMETRIC_DEFAULT') fail('InvalidKeyUsageException', 'symmetric KMS keys use SYMMETRIC_DEFAULT');
  }

  /** @param {unknown} keyId @param {'Enabled' | 'Disabled'} state */
  async function setState(keyId, state) {
    const rec = resolve(keyId);
    if (rec.state === 'PendingDeletion') fail('KMSInvalidStateException', `${arnOf(rec.id)} is pending deletion`);
    rec.state = state;
    await persist();
    return {};
  }

  return Object.freeze({
    isDevKms: true,
    region,
    account,
    file: file ?? null,
    /**
     * Runs one KMS operation with KMS's input and output shapes.
     * @param {string} operation @param {any} input
     */
    async call(operation, input) {
      const op = Object.hasOwn(ops, operation) ? ops[operation] : undefined;
      if (!op) fail('UnsupportedOperationException', 'the dev KMS does not implement this operation');
      await laterTurn();
      return /** @type {Function} */ (op)(input ?? {});
    },
    /** Key ARN of an alias, key id or ARN (throws NotFoundException). @param {string} keyId */
    keyArn(keyId) { return arnOf(resolve(keyId).id); },
    /** Every alias with the key ARN it names. */
    aliases() { return Object.fromEntries([...aliasMap].map(([a, id]) => [a, arnOf(id)])); },
    /** Resolves once every pending write of the key file has finished. */
    flush() { return writing; },
  });
}

// ---------------------------------------------------------------- helpers

/**
 * Resolves in a later turn of the event loop (Node: setImmediate; elsewhere
 * at once). The dev KMS answers there, as a remote KMS would: with every
 * call answered in the same turn, a broker under load ran each request from
 * socket to answer in one go, its answers went out between other requests'
 * work, and at 50 in flight it served ~20 % fewer requests per second at
 * ~20 % more CPU each than with the answer a turn later (BENCHMARKS.md,
 * "Broker under load").
 */
const laterTurn = typeof globalThis.setImmediate === 'function'
  ? () => new Promise((resolve) => { globalThis.setImmediate(resolve); })
  : () => Promise.resolve();

/**
 * AES-256-GCM under one symmetric key: `seal` returns ciphertext ‖ tag,
 * `open` returns the plaintext only after the tag checked out (and throws
 * otherwise).
 * @typedef {{ seal: (iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array) => Promise<Uint8Array>,
 *   open: (iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array) => Promise<Uint8Array> }} Aes
 */

const TAG_LEN = 16;

/**
 * The AES-GCM key of 32 bytes of `material` (which the caller zeroes). With
 * node:crypto, a KeyObject and synchronous ciphers: a WebCrypto call goes
 * through libuv's thread pool, and under load waking a pool thread for 32
 * bytes cost the event loop more than the cipher (BENCHMARKS.md, "Broker
 * under load"). Elsewhere (workerd, browsers) a non-extractable CryptoKey.
 * @param {Uint8Array} material @param {any} nodeCrypto @returns {Promise<Aes>}
 */
async function aesKey(material, nodeCrypto) {
  if (nodeCrypto) {
    const key = nodeCrypto.createSecretKey(material);
    return {
      async seal(iv, aad, plaintext) {
        const c = nodeCrypto.createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LEN });
        c.setAAD(aad);
        return concat(c.update(plaintext), c.final(), c.getAuthTag());
      },
      async open(iv, aad, sealed) {
        if (sealed.length < TAG_LEN) throw new Error('too short');
        const d = nodeCrypto.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LEN });
        d.setAAD(aad);
        d.setAuthTag(sealed.subarray(sealed.length - TAG_LEN));
        const head = d.update(sealed.subarray(0, sealed.length - TAG_LEN));
        try {
          d.final(); // throws when the tag does not match
          return concat(head);
        } finally {
          head.fill(0); // concat copied it out of node's buffer; nothing of it stays behind unchecked
        }
      },
    };
  }
  const key = await subtle.importKey('raw', /** @type {Uint8Array<ArrayBuffer>} */ (material), 'AES-GCM', false, ['encrypt', 'decrypt']);
  return {
    async seal(iv, aad, plaintext) {
      return new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: /** @type {Uint8Array<ArrayBuffer>} */ (iv), additionalData: /** @type {Uint8Array<ArrayBuffer>} */ (aad) }, key, /** @type {Uint8Array<ArrayBuffer>} */ (plaintext)));
    },
    async open(iv, aad, sealed) {
      return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: /** @type {Uint8Array<ArrayBuffer>} */ (iv), additionalData: /** @type {Uint8Array<ArrayBuffer>} */ (aad) }, key, /** @type {Uint8Array<ArrayBuffer>} */ (sealed)));
    },
  };
}

/** @param {...Uint8Array} parts */
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/**
 * A blob's additional data, in one buffer: its header, then the encryption
 * context as authenticated data: pairs sorted by the UTF-8 bytes of their
 * keys, each length-prefixed, after a pair count (the AWS Encryption SDK's
 * serialisation, "Encryption Context" in the message-format specification).
 * @param {Uint8Array} header @param {Record<string, string> | undefined} ec
 */
function additionalData(header, ec) {
  // A Map or class instance would read as no pairs: Decrypt would then need no
  // context. And KMS's limits (8 KiB in all, well-formed strings) keep every
  // length and the pair count within their u16 fields: a value of 65,537 bytes
  // would otherwise wrap to 1 and bind the same bytes as another context.
  const entries = ec === undefined || ec === null ? [] : kmsContextPairs(ec);
  if (typeof entries === 'string') throw new KmsException('ValidationException', entries);
  const pairs = entries.map(([k, v]) => [utf8.encode(k), utf8.encode(v)]);
  if (pairs.length > 1) pairs.sort(([a], [b]) => compareBytes(a, b));
  const out = new Uint8Array(header.length + 2 + pairs.reduce((n, [k, v]) => n + 4 + k.length + v.length, 0));
  out.set(header);
  let o = header.length;
  const u16 = (/** @type {number} */ n) => { out[o++] = n >>> 8; out[o++] = n & 0xff; };
  u16(pairs.length);
  for (const [k, v] of pairs) {
    u16(k.length); out.set(k, o); o += k.length;
    u16(v.length); out.set(v, o); o += v.length;
  }
  return out;
}
/** @param {Uint8Array} a @param {Uint8Array} b */
function compareBytes(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * A Node built-in without an import statement, so bundlers for Workers and
 * browsers see no `node:` import (Node >= 20.16 and Deno have
 * process.getBuiltinModule; elsewhere this is undefined).
 * @param {string} name
 */
function builtin(name) {
  try {
    return /** @type {any} */ (globalThis).process?.getBuiltinModule?.(name);
  } catch {
    return undefined;
  }
}

async function optionalNodeCrypto() {
  try {
    const c = builtin('node:crypto');
    if (!c) return null;
    // workerd's nodejs_compat has node:crypto without key generation
    const { privateKey } = c.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    c.sign('sha256', new Uint8Array(1), privateKey);
    return c;
  } catch {
    return null;
  }
}

const HASH = (/** @type {string} */ alg) => `SHA-${alg.slice(-3)}`;

/**
 * New private key material of `spec`, as PKCS#8 DER.
 * @param {string} spec @param {any} nodeCrypto
 * @returns {Promise<Uint8Array>}
 */
async function generatePkcs8(spec, nodeCrypto) {
  if (spec in ML_DSA) return mlDsaPkcs8(spec, globalThis.crypto.getRandomValues(new Uint8Array(32)));
  if (spec === 'ECC_NIST_EDWARDS25519') {
    if (nodeCrypto) return new Uint8Array(nodeCrypto.generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' }));
    const pair = /** @type {CryptoKeyPair} */ (await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']));
    return new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));
  }
  if (nodeCrypto) {
    const { privateKey } = isRsa(spec)
      ? nodeCrypto.generateKeyPairSync('rsa', { modulusLength: RSA_BITS[/** @type {'RSA_2048'} */ (spec)], publicExponent: 0x10001 })
      : nodeCrypto.generateKeyPairSync('ec', { namedCurve: CURVES[/** @type {'ECC_NIST_P256'} */ (spec)][1] });
    return new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }));
  }
  if (spec === 'ECC_SECG_P256K1') throw new KmsException('UnsupportedOperationException', 'secp256k1 keys need node:crypto');
  const alg = isRsa(spec)
    // generated as PKCS#1 v1.5 so the PKCS#8 says plain rsaEncryption, importable for PSS and OAEP too
    ? { name: 'RSASSA-PKCS1-v1_5', modulusLength: RSA_BITS[/** @type {'RSA_2048'} */ (spec)], publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
    : { name: 'ECDSA', namedCurve: CURVES[/** @type {'ECC_NIST_P256'} */ (spec)][0] };
  const pair = /** @type {CryptoKeyPair} */ (await subtle.generateKey(alg, true, ['sign', 'verify']));
  return new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));
}

/**
 * The operations of one asymmetric key: its public key, and sign (SIGN_VERIFY)
 * or encrypt/decrypt (ENCRYPT_DECRYPT, RSAES_OAEP_SHA_1/256).
 * @param {string} spec @param {'ENCRYPT_DECRYPT' | 'SIGN_VERIFY'} usage @param {Uint8Array} pkcs8 @param {any} nodeCrypto
 * @returns {Promise<Asym>}
 */
async function asymFromPkcs8(spec, usage, pkcs8, nodeCrypto) {
  const oaepHash = (/** @type {string} */ alg) => (alg === 'RSAES_OAEP_SHA_1' ? 'SHA-1' : 'SHA-256');
  if (spec in ML_DSA) return mlDsaSigner(spec, pkcs8);
  if (spec === 'ECC_NIST_EDWARDS25519') return ed25519Signer(pkcs8, nodeCrypto);
  if (nodeCrypto) {
    const key = nodeCrypto.createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
    const pub = nodeCrypto.createPublicKey(key);
    const publicKey = new Uint8Array(pub.export({ type: 'spki', format: 'der' }));
    const oaep = (/** @type {string} */ alg) => ({ padding: nodeCrypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaepHash(alg).replace('-', '').toLowerCase() });
    if (usage === 'ENCRYPT_DECRYPT') {
      return {
        publicKey,
        async encrypt(alg, plaintext) { return new Uint8Array(nodeCrypto.publicEncrypt({ key: pub, ...oaep(alg) }, plaintext)); },
        async decrypt(alg, ciphertext) { return new Uint8Array(nodeCrypto.privateDecrypt({ key, ...oaep(alg) }, ciphertext)); },
      };
    }
    return {
      publicKey,
      async sign(alg, message, messageType) {
        const hash = `sha${alg.slice(-3)}`;
        if (messageType === 'DIGEST') {
          return isRsa(spec)
            ? rsaSignDigest(nodeCrypto, key, alg, message, RSA_BITS[/** @type {'RSA_2048'} */ (spec)])
            : ecdsaSignDigest(spec, /** @type {string} */ (key.export({ format: 'jwk' }).d), message);
        }
        if (alg.startsWith('RSASSA_PSS')) {
          // KMS: PSS with MGF1 of the same hash and salt length = hash length
          return new Uint8Array(nodeCrypto.sign(hash, message, { key, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(-3)) / 8 }));
        }
        return new Uint8Array(nodeCrypto.sign(hash, message, alg.startsWith('ECDSA') ? { key, dsaEncoding: 'der' } : key));
      },
    };
  }
  if (spec === 'ECC_SECG_P256K1') throw new KmsException('UnsupportedOperationException', 'secp256k1 keys need node:crypto');
  // Import once per algorithm now: the caller zeroes `pkcs8` afterwards.
  const algs = usage === 'ENCRYPT_DECRYPT' ? ENCRYPTION_SPECS[/** @type {'RSA_2048'} */ (spec)] : SIGNING_SPECS[/** @type {keyof typeof SIGNING_SPECS} */ (spec)];
  /** @param {string} alg */
  const params = (alg) => (alg.startsWith('RSAES') ? { name: 'RSA-OAEP', hash: oaepHash(alg) }
    : alg.startsWith('RSASSA') ? { name: alg.startsWith('RSASSA_PSS') ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5', hash: HASH(alg) }
      : { name: 'ECDSA', namedCurve: CURVES[/** @type {'ECC_NIST_P256'} */ (spec)][0] });
  /** @type {Map<string, CryptoKey>} */
  const imported = new Map();
  for (const alg of algs) {
    imported.set(alg, await subtle.importKey('pkcs8', /** @type {Uint8Array<ArrayBuffer>} */ (pkcs8), params(alg), true, [usage === 'ENCRYPT_DECRYPT' ? 'decrypt' : 'sign']));
  }
  const keyFor = (/** @type {string} */ alg) => /** @type {CryptoKey} */ (imported.get(alg));
  // the public half, through JWK (WebCrypto cannot export SPKI from a private key)
  const publicUse = usage === 'ENCRYPT_DECRYPT' ? 'encrypt' : 'verify';
  /** @type {Map<string, CryptoKey>} */
  const publics = new Map();
  for (const alg of algs) {
    const jwk = await subtle.exportKey('jwk', keyFor(alg));
    delete jwk.d; delete jwk.p; delete jwk.q; delete jwk.dp; delete jwk.dq; delete jwk.qi;
    jwk.key_ops = [publicUse];
    publics.set(alg, await subtle.importKey('jwk', jwk, params(alg), true, [publicUse]));
  }
  const publicKey = new Uint8Array(await subtle.exportKey('spki', /** @type {CryptoKey} */ (publics.get(algs[0]))));
  const bytes = (/** @type {Uint8Array} */ b) => /** @type {Uint8Array<ArrayBuffer>} */ (b);
  if (usage === 'ENCRYPT_DECRYPT') {
    return {
      publicKey,
      async encrypt(alg, plaintext) { return new Uint8Array(await subtle.encrypt({ name: 'RSA-OAEP' }, /** @type {CryptoKey} */ (publics.get(alg)), bytes(plaintext))); },
      async decrypt(alg, ciphertext) { return new Uint8Array(await subtle.decrypt({ name: 'RSA-OAEP' }, keyFor(alg), bytes(ciphertext))); },
    };
  }
  return {
    publicKey,
    async sign(alg, message, messageType) {
      if (messageType === 'DIGEST') {
        if (isRsa(spec)) throw new KmsException('UnsupportedOperationException', 'RSA DIGEST signing in the dev KMS needs node:crypto');
        return ecdsaSignDigest(spec, /** @type {string} */ ((await subtle.exportKey('jwk', keyFor(alg))).d), message);
      }
      if (isRsa(spec)) {
        const p = alg.startsWith('RSASSA_PSS') ? { name: 'RSA-PSS', saltLength: Number(alg.slice(-3)) / 8 } : { name: 'RSASSA-PKCS1-v1_5' };
        return new Uint8Array(await subtle.sign(p, keyFor(alg), bytes(message)));
      }
      return p1363ToDer(new Uint8Array(await subtle.sign({ name: 'ECDSA', hash: HASH(alg) }, keyFor(alg), bytes(message))));
    },
  };
}

/** ECDSA r||s (WebCrypto) → DER SEQUENCE { INTEGER r, INTEGER s } (KMS). @param {Uint8Array} sig */
function p1363ToDer(sig) {
  const half = sig.length / 2;
  const int = (/** @type {Uint8Array} */ b) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b.subarray(i);
    const body = v[0] & 0x80 ? concat(new Uint8Array([0]), v) : v;
    return concat(new Uint8Array([0x02, body.length]), body);
  };
  const seq = concat(int(sig.subarray(0, half)), int(sig.subarray(half)));
  const len = seq.length < 128 ? new Uint8Array([seq.length]) : new Uint8Array([0x81, seq.length]);
  return concat(new Uint8Array([0x30]), len, seq);
}

// ---------------------------------------------------------------- Sign beyond RAW, Ed25519, ML-DSA

/**
 * KMS Sign's rules for the message: RAW is 1..4096 bytes (Sign API
 * reference, Message); DIGEST is exactly the signing algorithm's hash length
 * and EXTERNAL_MU 64 bytes (MessageType); for ECC_NIST_EDWARDS25519 keys
 * "ED25519_SHA_512 requires MessageType:RAW, while ED25519_PH_SHA_512
 * requires MessageType:DIGEST" (CreateKey, KeySpec); EXTERNAL_MU is ML-DSA's
 * μ (FIPS 204 §6.2), and ML_DSA_SHAKE_256 has no DIGEST form. The reference
 * names no exception for these: ValidationException, as for other invalid
 * parameters. Returns the message type.
 * @param {string} alg @param {unknown} mt @param {unknown} message
 * @returns {'RAW' | 'DIGEST' | 'EXTERNAL_MU'}
 */
function signMessageType(alg, mt, message) {
  if (mt !== 'RAW' && mt !== 'DIGEST' && mt !== 'EXTERNAL_MU') fail('ValidationException', 'MessageType must be RAW, DIGEST or EXTERNAL_MU');
  if (!(message instanceof Uint8Array) || message.length < 1 || message.length > 4096) fail('ValidationException', 'Message must be 1..4096 bytes');
  const m = /** @type {Uint8Array} */ (message);
  if (mt === 'DIGEST') {
    const h = DIGEST_HASH[alg];
    if (!h) fail('ValidationException', `${alg} does not sign DIGEST messages`);
    if (m.length !== h.length) fail('ValidationException', `a DIGEST for ${alg} must be ${h.length} bytes`);
  } else if (mt === 'EXTERNAL_MU') {
    if (alg !== 'ML_DSA_SHAKE_256') fail('ValidationException', 'EXTERNAL_MU is for ML_DSA_SHAKE_256 only');
    if (m.length !== 64) fail('ValidationException', 'an EXTERNAL_MU message is 64 bytes');
  } else if (alg === 'ED25519_PH_SHA_512') {
    fail('ValidationException', 'ED25519_PH_SHA_512 signs DIGEST messages only');
  }
  return /** @type {'RAW' | 'DIGEST' | 'EXTERNAL_MU'} */ (mt);
}

/**
 * An optional package, imported on first need by a specifier bundlers leave
 * alone: @noble/curves (ECDSA over a DIGEST, Ed25519ph) and
 * @noble/post-quantum (ML-DSA). edge-kms itself has no dependencies; the
 * dev KMS is a demo and test tool, and these are what an app installs to
 * demonstrate those key specs (this repository has both as devDependencies).
 * @type {Map<string, Promise<any>>}
 */
const optionalModules = new Map();
/** @param {string} name @param {string} why */
async function optional(name, why) {
  let p = optionalModules.get(name);
  if (!p) {
    const specifier = name; // not a literal: a bundler must not try to resolve it
    p = import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);
    optionalModules.set(name, p);
  }
  try {
    return await p;
  } catch {
    optionalModules.delete(name);
    const pkg = name.split('/').slice(0, 2).join('/');
    throw new KmsException('UnsupportedOperationException', `${why} in the dev KMS needs the optional package ${pkg} (npm install ${pkg})`);
  }
}

/** DigestInfo prefixes (RFC 8017 §9.2 note 1) for RSASSA-PKCS1-v1_5 over a digest. */
const DIGEST_INFO = {
  256: '3031300d060960864801650304020105000420',
  384: '3041300d060960864801650304020205000430',
  512: '3051300d060960864801650304020305000440',
};
const hexBytes = (/** @type {string} */ h) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));

/**
 * RSASSA-PKCS1-v1_5 or RSASSA-PSS (salt = hash length, MGF1 with the same
 * hash: what KMS signs) over a digest, with node:crypto's RSA private-key
 * operation: PKCS#1 v1.5 through its type-1 padding of the DigestInfo, PSS
 * through EMSA-PSS-ENCODE (RFC 8017 §9.1.1, from step 3) and the raw
 * private-key operation.
 * @param {any} nodeCrypto @param {any} key @param {string} alg @param {Uint8Array} digest @param {number} modBits
 */
function rsaSignDigest(nodeCrypto, key, alg, digest, modBits) {
  const bits = /** @type {256 | 384 | 512} */ (Number(alg.slice(-3)));
  if (alg.startsWith('RSASSA_PKCS1')) {
    return new Uint8Array(nodeCrypto.privateEncrypt({ key, padding: nodeCrypto.constants.RSA_PKCS1_PADDING }, concat(hexBytes(DIGEST_INFO[bits]), digest)));
  }
  const hash = (/** @type {Uint8Array[]} */ ...parts) => { const h = nodeCrypto.createHash(`sha${bits}`); for (const p of parts) h.update(p); return new Uint8Array(h.digest()); };
  const hLen = bits / 8, sLen = hLen, emBits = modBits - 1, emLen = Math.ceil(emBits / 8);
  const salt = globalThis.crypto.getRandomValues(new Uint8Array(sLen));
  const h = hash(new Uint8Array(8), digest, salt);
  const db = new Uint8Array(emLen - hLen - 1);
  db[emLen - sLen - hLen - 2] = 0x01;
  db.set(salt, db.length - sLen);
  // MGF1(H, emLen - hLen - 1), XORed into DB
  for (let counter = 0, o = 0; o < db.length; counter++) {
    const block = hash(h, new Uint8Array([counter >>> 24, (counter >>> 16) & 0xff, (counter >>> 8) & 0xff, counter & 0xff]));
    for (let i = 0; i < block.length && o < db.length; i++, o++) db[o] ^= block[i];
  }
  db[0] &= 0xff >>> (8 * emLen - emBits);
  const em = concat(db, h, new Uint8Array([0xbc]));
  const k = Math.ceil(modBits / 8);
  const padded = em.length === k ? em : concat(new Uint8Array(k - em.length), em);
  return new Uint8Array(nodeCrypto.privateEncrypt({ key, padding: nodeCrypto.constants.RSA_NO_PADDING }, padded));
}

const NOBLE_CURVE = { ECC_NIST_P256: ['nist', 'p256'], ECC_NIST_P384: ['nist', 'p384'], ECC_NIST_P521: ['nist', 'p521'], ECC_SECG_P256K1: ['secp256k1', 'secp256k1'] };

/**
 * ECDSA over a digest (KMS DIGEST: the hash step skipped), DER-encoded as
 * KMS returns it, with @noble/curves (neither node:crypto nor WebCrypto
 * signs a digest). `d` is the JWK private scalar.
 * @param {string} spec @param {string} d @param {Uint8Array} digest
 */
async function ecdsaSignDigest(spec, d, digest) {
  const [file, name] = NOBLE_CURVE[/** @type {keyof typeof NOBLE_CURVE} */ (spec)];
  const mod = await optional(`@noble/curves/${file}.js`, 'ECDSA over a DIGEST');
  const secret = /** @type {Uint8Array} */ (decodeBase64Url(d));
  try {
    return new Uint8Array(mod[name].sign(digest, secret, { prehash: false, format: 'der' }));
  } finally {
    secret.fill(0);
  }
}

/** PKCS#8 of an Ed25519 key: this prefix, then the 32-byte seed (RFC 8410 §7). */
const ED25519_PKCS8_PREFIX = hexBytes('302e020100300506032b657004220420');
const ED25519_SPKI_PREFIX = hexBytes('302a300506032b6570032100');

/**
 * An ECC_NIST_EDWARDS25519 signing key: ED25519_SHA_512 (pure Ed25519, RAW)
 * with node:crypto or WebCrypto; ED25519_PH_SHA_512 (Ed25519ph, RFC 8032
 * §5.1, empty context, over the caller's SHA-512 DIGEST) with @noble/curves.
 * @param {Uint8Array} pkcs8 @param {any} nodeCrypto @returns {Promise<Asym>}
 */
async function ed25519Signer(pkcs8, nodeCrypto) {
  if (pkcs8.length !== 48 || !ED25519_PKCS8_PREFIX.every((b, i) => pkcs8[i] === b)) throw new TypeError('createDevKms: not an Ed25519 PKCS#8 key');
  const seed = pkcs8.slice(16);
  /** @type {(m: Uint8Array) => Promise<Uint8Array>} */ let pure;
  /** @type {Uint8Array} */ let publicKey;
  if (nodeCrypto) {
    const key = nodeCrypto.createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
    publicKey = new Uint8Array(nodeCrypto.createPublicKey(key).export({ type: 'spki', format: 'der' }));
    pure = async (m) => new Uint8Array(nodeCrypto.sign(null, m, key));
  } else {
    const key = await subtle.importKey('pkcs8', /** @type {Uint8Array<ArrayBuffer>} */ (pkcs8), { name: 'Ed25519' }, true, ['sign']);
    const x = decodeBase64Url(/** @type {string} */ ((await subtle.exportKey('jwk', key)).x));
    publicKey = concat(ED25519_SPKI_PREFIX, /** @type {Uint8Array} */ (x));
    pure = async (m) => new Uint8Array(await subtle.sign({ name: 'Ed25519' }, key, /** @type {Uint8Array<ArrayBuffer>} */ (m)));
  }
  return {
    publicKey,
    async sign(alg, message) {
      if (alg === 'ED25519_SHA_512') return pure(message);
      const ph = await ed25519phOverDigest();
      return new Uint8Array(ph.sign(message, seed));
    },
  };
}

/** @type {Promise<any> | undefined} */
let ed25519ph;
/**
 * Ed25519ph (RFC 8032 §5.1: dom2(1, ""), PH = SHA-512) taking PH(M), the
 * DIGEST, instead of M: @noble/curves' EdDSA with the prehash step left out.
 */
function ed25519phOverDigest() {
  ed25519ph ??= (async () => {
    const why = 'ED25519_PH_SHA_512';
    const [{ ed25519 }, { eddsa }, { sha512 }] = await Promise.all([
      optional('@noble/curves/ed25519.js', why), optional('@noble/curves/abstract/edwards.js', why), optional('@noble/hashes/sha2.js', why),
    ]);
    const dom = utf8.encode('SigEd25519 no Ed25519 collisions');
    return eddsa(ed25519.Point, sha512, {
      adjustScalarBytes: (/** @type {Uint8Array} */ b) => { b[0] &= 248; b[31] &= 127; b[31] |= 64; return b; },
      domain: (/** @type {Uint8Array} */ data, /** @type {Uint8Array} */ ctx, /** @type {boolean} */ phflag) => concat(dom, new Uint8Array([phflag ? 1 : 0, ctx.length]), ctx, data),
      prehash: Object.assign((/** @type {Uint8Array} */ digest) => digest, { outputLen: 64 }),
    });
  })().catch((e) => { ed25519ph = undefined; throw e; });
  return ed25519ph;
}

/** ML-DSA key specs: @noble/post-quantum's name, and the last byte of the OID 2.16.840.1.101.3.4.3.x (FIPS 204, NIST CSOR). */
/** @type {Record<'ML_DSA_44' | 'ML_DSA_65' | 'ML_DSA_87', [string, number]>} */
const ML_DSA = { ML_DSA_44: ['ml_dsa44', 0x11], ML_DSA_65: ['ml_dsa65', 0x12], ML_DSA_87: ['ml_dsa87', 0x13] };
const ML_DSA_ALG_ID = (/** @type {number} */ last) => concat(hexBytes('300b06096086480165030403'), new Uint8Array([last]));

/**
 * PKCS#8 of an ML-DSA key in its seed form (RFC 9881 / the LAMPS ML-DSA
 * certificate profile: privateKey is `[0] IMPLICIT OCTET STRING` of the
 * 32-byte seed ξ).
 * @param {string} spec @param {Uint8Array} seed
 */
function mlDsaPkcs8(spec, seed) {
  const last = ML_DSA[/** @type {keyof typeof ML_DSA} */ (spec)][1];
  return concat(hexBytes('3034020100'), ML_DSA_ALG_ID(last), hexBytes('04228020'), seed);
}

/**
 * An ML-DSA signing key (ML_DSA_SHAKE_256: FIPS 204 ML-DSA.Sign, hedged,
 * empty context, over a RAW message; or ML-DSA.Sign_internal over a 64-byte
 * EXTERNAL_MU μ) with @noble/post-quantum. The public key is KMS's SPKI form.
 * @param {string} spec @param {Uint8Array} pkcs8 @returns {Promise<Asym>}
 */
async function mlDsaSigner(spec, pkcs8) {
  const [name, last] = ML_DSA[/** @type {keyof typeof ML_DSA} */ (spec)];
  const want = mlDsaPkcs8(spec, new Uint8Array(32));
  if (pkcs8.length !== want.length || !want.subarray(0, want.length - 32).every((b, i) => pkcs8[i] === b)) throw new TypeError(`createDevKms: not a seed-form ${spec} PKCS#8 key`);
  const mod = await optional('@noble/post-quantum/ml-dsa.js', spec);
  const ml = mod[name];
  const { publicKey: pk, secretKey } = ml.keygen(pkcs8.slice(pkcs8.length - 32));
  const bitString = concat(new Uint8Array([0x03, 0x82, (pk.length + 1) >>> 8, (pk.length + 1) & 0xff, 0]), pk);
  const body = concat(ML_DSA_ALG_ID(last), bitString);
  const publicKey = concat(new Uint8Array([0x30, 0x82, body.length >>> 8, body.length & 0xff]), body);
  return {
    publicKey,
    async sign(alg, message, messageType) {
      return new Uint8Array(messageType === 'EXTERNAL_MU' ? ml.internal.sign(message, secretKey, { externalMu: true }) : ml.sign(message, secretKey));
    },
  };
}

/**
 * The key file: JSON, mode 0600, replaced atomically. A file that others can
 * read is refused, as ssh refuses a private key with loose permissions.
 * @param {string} file
 */
async function openStore(file) {
  const fs = builtin('node:fs/promises');
  if (!fs) throw new TypeError('createDevKms: the file option needs Node >= 20.16 (process.getBuiltinModule); omit it for an in-memory dev KMS');
  return {
    async load() {
      let st;
      try { st = await fs.stat(file); } catch (e) { if (/** @type {any} */ (e).code === 'ENOENT') return null; throw e; }
      if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
        throw new TypeError(`createDevKms: ${file} is readable by others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
      }
      const data = JSON.parse(await fs.readFile(file, 'utf8'));
      if (data?.version !== 1 || !Array.isArray(data.keys) || typeof data.aliases !== 'object') throw new TypeError(`createDevKms: ${file} is not a dev KMS key file`);
      return data;
    },
    /** @param {object} state */
    async save(state) {
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await fs.writeFile(tmp, JSON.stringify(state, null, 1) + '\n', { mode: 0o600, flag: 'wx' });
      await fs.chmod(tmp, 0o600);
      await fs.rename(tmp, file);
    },
  };
}
