// signJwt: JWTs (RFC 7519) in JWS compact serialization (RFC 7515 §7.1)
// signed by a KMS key through the broker, so that browsers, Workers and
// other places without AWS credentials can issue tokens that verifyJwt,
// jose and node:crypto accept.
//
// The shim builds the signing input (base64url of the header and claims
// JSON) and, when it exceeds KMS's 4096-byte RAW limit, hashes it with
// WebCrypto and sends the DIGEST together with the input itself (the broker
// checks one against the other before its authorize decides). The core turns
// KMS's signature into the JWS one (ECDSA DER → r ‖ s, strictly).
import { core, withCoreSync } from './modules/verify.js';
import { EdgeKmsError } from './errors.js';
import { readOptions, uint8View } from './bytes.js';
import { JOSE_ALGORITHMS, encodeBase64Url } from './broker/jws.js';
import { LIMITS } from './protocol.js';

const utf8 = new TextEncoder();
const invalid = (/** @type {string} */ m) => new EdgeKmsError('INVALID_ARGUMENT', m);
/** Header parameters signJwt writes itself, or that change what the signature covers. */
const RESERVED_HEADER = ['alg', 'crit', 'b64'];

/**
 * Signs `claims` as a JWT with a KMS key through the broker.
 * @param {Record<string, unknown>} claims
 * @param {import('./sign-jwt.js').SignJwtOptions} options
 * @returns {Promise<string>}
 */
export async function signJwt(claims, options) {
  const { keyring, keyId, alg, header = {}, signal } = readOptions(options, 'options', ['keyring', 'keyId', 'alg', 'header', 'signal']);
  if (!keyring || typeof keyring.sign !== 'function') throw invalid('options.keyring must be a BrokerKeyring');
  if (typeof alg !== 'string' || !Object.hasOwn(JOSE_ALGORITHMS, alg)) {
    throw new EdgeKmsError('UNSUPPORTED_ALGORITHM', `alg must be one of ${Object.keys(JOSE_ALGORITHMS).join(', ')}`);
  }
  const jose = JOSE_ALGORITHMS[/** @type {keyof typeof JOSE_ALGORITHMS} */ (alg)];
  const headerJson = jsonObject(header, 'header', (h) => {
    for (const k of RESERVED_HEADER) if (Object.hasOwn(h, k)) throw invalid(`header must not set ${k} (alg is options.alg; crit and b64 are not supported)`);
    return { alg, typ: 'JWT', ...h };
  });
  const payloadJson = jsonObject(claims, 'claims', (c) => c);
  const signingInput = utf8.encode(`${encodeBase64Url(utf8.encode(headerJson))}.${encodeBase64Url(utf8.encode(payloadJson))}`);

  /** @type {Parameters<import('./broker-keyring.js').BrokerKeyring['sign']>[0]} */
  let request;
  if (signingInput.length <= LIMITS.maxMessageBytes) {
    request = { message: signingInput, messageType: 'RAW', signingAlgorithm: jose.signingAlgorithm };
  } else {
    if (jose.hash === null) {
      throw new EdgeKmsError('MESSAGE_TOO_LONG', `an ${alg} token is signed RAW: its signing input must be at most ${LIMITS.maxMessageBytes} bytes (KMS's limit; Ed25519 has no DIGEST form JOSE accepts)`);
    }
    if (signingInput.length > LIMITS.maxSigningInputBytes) throw new EdgeKmsError('MESSAGE_TOO_LONG', `the signing input must be at most ${LIMITS.maxSigningInputBytes} bytes`);
    const subtle = globalThis.crypto?.subtle;
    if (!subtle) throw new EdgeKmsError('ENGINE_UNAVAILABLE', 'a token over 4096 bytes is signed as a DIGEST, which needs WebCrypto (crypto.subtle) here');
    const digest = new Uint8Array(await subtle.digest(jose.hash, signingInput));
    request = { message: digest, messageType: 'DIGEST', signingAlgorithm: jose.signingAlgorithm, signingInput };
  }
  const [answer] = await Promise.all([
    keyring.sign({ ...request, ...(keyId === undefined ? {} : { keyId }), ...(signal === undefined ? {} : { signal }) }),
    core(), // the conversion below needs the verify module loaded
  ]);
  let given;
  try {
    given = answer?.signature;
  } catch (e) { // a getter or Proxy trap of the keyring's that throws
    throw new EdgeKmsError('MALFORMED_SIGNATURE', 'the keyring answered with a signature that could not be read', { cause: e });
  }
  // A plain view, read through internal slots: never a Proxy or a subclass whose length the glue would ask.
  const kmsSignature = uint8View(given);
  if (!kmsSignature) throw new EdgeKmsError('MALFORMED_SIGNATURE', 'the keyring answered without signature bytes (a Uint8Array)');
  const signature = withCoreSync((/** @type {any} */ b) => b.jwsSignature(alg, kmsSignature));
  return `${new TextDecoder().decode(signingInput)}.${encodeBase64Url(signature)}`;
}

/**
 * JSON text of a plain object (after `shape`), or INVALID_ARGUMENT.
 * @param {unknown} value @param {string} what @param {(v: Record<string, unknown>) => Record<string, unknown>} shape
 */
function jsonObject(value, what, shape) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(`${what} must be a plain object`);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw invalid(`${what} must be a plain object`);
  let text;
  try {
    text = JSON.stringify(shape(/** @type {Record<string, unknown>} */ (value)));
  } catch (e) {
    if (e instanceof EdgeKmsError) throw e;
    throw new EdgeKmsError('INVALID_ARGUMENT', `${what} could not be serialised as JSON`, { cause: e });
  }
  if (typeof text !== 'string') throw invalid(`${what} could not be serialised as JSON`);
  return text;
}
