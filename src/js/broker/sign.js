// The broker's Sign: what `authorize` is shown, and the checks that make it
// the truth. A client that may sign only some claims must not get KMS to
// sign others, so:
// - a RAW message is shown as is, and decoded when it is a JWS signing input;
// - a DIGEST must come with the signing input it is the hash of; the broker
//   hashes that input itself, with the hash the signing algorithm names, and
//   refuses a digest that differs (DigestMismatch). Otherwise a client could
//   show harmless claims and have KMS sign the digest of a token for anyone.
//   A DIGEST without its input, and EXTERNAL_MU (μ binds the public key too,
//   the broker does not recompute it), are refused unless the app opts in
//   (`allowUncheckedDigests`), and authorize then sees `message: null`;
// - a message meant as a JWS signing input must decode strictly (base64url,
//   UTF-8 JSON objects, no duplicate members, no crit/b64), or it is refused:
//   a lenient verifier could read claims into it that authorize never saw;
// - a JWS header's `alg` must be what the signing algorithm makes, and (checked
//   after authorize, so a refused caller cannot probe which key specs the
//   broker serves) what the key's spec makes.
import { ProtocolError } from '../protocol.js';
import { DIGEST_HASH, JOSE_ALGORITHMS, classifySigningInput } from './jws.js';

/** @param {string} message */
const bad = (message) => new ProtocolError('BadRequest', message);

/**
 * Checks a parsed Sign request and returns what `authorize` is shown
 * (`details.sign`). Takes the request's `SigningInput` (not a KMS field) off
 * `input`. Nothing here depends on which keys the broker serves.
 * @param {Record<string, any>} input  parseRequest's Sign input
 * @param {boolean} allowUncheckedDigests
 * @returns {Promise<import('./index.js').SignDetails>}
 */
export async function prepareSign(input, allowUncheckedDigests) {
  /** @type {Uint8Array | undefined} */
  const signingInput = input.SigningInput;
  delete input.SigningInput;
  const { MessageType: messageType, SigningAlgorithm: signingAlgorithm, Message: message } = input;
  /** @type {Uint8Array | null} */
  let signed = null;
  if (messageType === 'RAW') {
    signed = message;
  } else if (messageType === 'DIGEST') {
    const hash = DIGEST_HASH[signingAlgorithm];
    if (!hash) throw bad(`${signingAlgorithm} has no DIGEST message type`);
    if (message.length !== hash.length) throw bad(`a DIGEST for ${signingAlgorithm} is ${hash.length} bytes`);
    if (signingInput) {
      const want = new Uint8Array(await globalThis.crypto.subtle.digest(hash.name, /** @type {Uint8Array<ArrayBuffer>} */ (signingInput)));
      let diff = 0;
      for (let i = 0; i < want.length; i++) diff |= want[i] ^ message[i];
      if (diff !== 0) throw new ProtocolError('DigestMismatch', `the digest is not the ${hash.name} of the signingInput`);
      signed = signingInput;
    } else if (!allowUncheckedDigests) {
      throw new ProtocolError('DigestMismatch', 'a DIGEST needs the signingInput it is the hash of (or createBroker({ allowUncheckedDigests: true }))');
    }
  } else {
    // EXTERNAL_MU: ML-DSA's μ = SHAKE256(SHAKE256(pk) ‖ M′); not recomputed here
    if (signingInput) throw bad('signingInput goes with a DIGEST message only');
    if (!allowUncheckedDigests) throw new ProtocolError('DigestMismatch', 'an EXTERNAL_MU message cannot be checked by the broker (createBroker({ allowUncheckedDigests: true }) to sign it anyway)');
  }

  /** @type {{ header: Record<string, unknown>, payload: Record<string, unknown> } | null} */
  let jws = null;
  if (signed) {
    const c = classifySigningInput(signed);
    if (c.kind === 'malformed') throw bad(`the message looks like a JWS signing input but is not a well-formed one: ${c.reason}`);
    if (c.kind === 'jws') {
      const jose = Object.hasOwn(JOSE_ALGORITHMS, /** @type {string} */ (c.header.alg)) ? JOSE_ALGORITHMS[/** @type {keyof typeof JOSE_ALGORITHMS} */ (c.header.alg)] : undefined;
      if (!jose || jose.signingAlgorithm !== signingAlgorithm) throw bad(`the JWS header's alg is not what ${signingAlgorithm} makes`);
      jws = Object.freeze({ header: c.header, payload: c.payload });
    }
  }
  return Object.freeze({
    signingAlgorithm,
    messageType,
    message: signed ? signed.slice() : null,
    digest: messageType === 'RAW' ? null : message.slice(),
    jws,
  });
}

/**
 * After authorize allowed a Sign: a JWS header's `alg` must be what the
 * key's spec makes (`ES256` is P-256, `ES256K` secp256k1: one KMS signing
 * algorithm, two curves). Unknown spec (an entry DescribeKey could not
 * resolve): left to the verifier, which checks `alg` against the key.
 * @param {import('./index.js').SignDetails} sign @param {string | null} keySpec
 */
export function checkSignKey(sign, keySpec) {
  const alg = sign.jws?.header.alg;
  if (typeof alg !== 'string' || keySpec === null) return;
  const jose = JOSE_ALGORITHMS[/** @type {keyof typeof JOSE_ALGORITHMS} */ (alg)];
  if (!jose.keySpecs.includes(keySpec)) throw bad(`the JWS header's alg is not what a ${keySpec} key makes`);
}
