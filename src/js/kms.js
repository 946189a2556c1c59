// KMS concepts: key identifiers, the key-type advisor and the cost model.
// Thin wrappers: the Rust core decides everything; here we only load it.
import { withCore } from './modules/kms.js';
import { EdgeKmsError } from './errors.js';

/**
 * A plain copy of the caller's answers, made before the core reads them: the
 * core then reads data, never a getter or Proxy trap of the caller's (which
 * could throw through the core, or change its answer between two reads).
 * @param {unknown} v @param {string} what
 */
function plain(v, what) {
  if (v === undefined || v === null || typeof v !== 'object') return v; // the core says what is wrong with it
  let copy;
  try {
    copy = structuredClone(v);
  } catch (e) {
    throw new EdgeKmsError('INVALID_ARGUMENT', `${what} must be plain data (no functions, Proxies or getters that fail)`, { cause: e });
  }
  // The copy keeps own enumerable fields only: answers anywhere else (a class's
  // getters, a prototype, a hidden field) would be dropped without a word. A
  // Proxy in the prototype, which the copy never reads, may throw here.
  let hidden;
  try {
    hidden = hidesFields(v) || hidesFields(Object.getOwnPropertyDescriptor(v, 'encryptionContext')?.value);
  } catch (e) {
    throw new EdgeKmsError('INVALID_ARGUMENT', `${what} could not be read`, { cause: e });
  }
  if (hidden) throw new EdgeKmsError('INVALID_ARGUMENT', `${what} must be plain data (own enumerable data fields of a plain object)`);
  // structuredClone keeps cycles and shared parts; no answer has either, and a
  // reader that meets them must not have to stop itself (a wasm build that
  // formats the value it refuses recursed on a cycle until the stack ran out,
  // and walked shared arrays once per path: INTERNAL, or minutes).
  if (reachedTwice(copy)) throw new EdgeKmsError('INVALID_ARGUMENT', `${what} must be plain data (no cycles or shared parts)`);
  return copy;
}

/** The names `Object.prototype` holds in every realm: all a plain object's prototype may hold. */
const OBJECT_PROTOTYPE_KEYS = new Set(Reflect.ownKeys(Object.prototype));

/**
 * Whether an object that structuredClone took (so not itself a Proxy) holds
 * fields its copy would drop or read other than as data: a prototype other than
 * some realm's `Object.prototype` (one with a prototype, or a name of its own
 * beyond `Object.prototype`'s) or none, or own fields that are non-enumerable,
 * Symbol-keyed or getters. Arrays are the core's to refuse or read; anything
 * but an object is no record to check.
 * @param {unknown} o
 */
function hidesFields(o) {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return false;
  const proto = Object.getPrototypeOf(o);
  if (proto !== null && (Object.getPrototypeOf(proto) !== null || !Reflect.ownKeys(proto).every((k) => OBJECT_PROTOTYPE_KEYS.has(k)))) return true;
  return !Reflect.ownKeys(o).every((k) => {
    const d = typeof k === 'string' ? Object.getOwnPropertyDescriptor(o, k) : undefined;
    return d !== undefined && d.enumerable === true && 'value' in d;
  });
}

/** @param {unknown} x @returns {x is object} */
const isContainer = (x) => {
  if (x === null || typeof x !== 'object') return false;
  if (Array.isArray(x)) return true;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
};

/**
 * Whether an array or plain object is reached twice within `root` (a cycle,
 * or a part shared by two places): a walk with an explicit stack (any depth)
 * that visits each array and plain object once. Anything else (typed arrays,
 * Maps, boxed strings, ...) holds no answer and is not entered: the core
 * refuses it where it stands.
 * @param {object} root
 */
function reachedTwice(root) {
  const seen = new Set();
  /** @type {unknown[]} */
  const stack = [root];
  while (stack.length > 0) {
    const x = stack.pop();
    if (!isContainer(x)) continue;
    if (seen.has(x)) return true;
    seen.add(x);
    for (const k of Object.keys(x)) stack.push(/** @type {Record<string, unknown>} */ (x)[k]);
  }
  return false;
}

/**
 * Parses a KMS key id, multi-Region key id, key ARN, alias name or alias ARN
 * with the rules KMS applies. Rejects with EdgeKmsError INVALID_KEY_IDENTIFIER
 * for anything KMS would refuse.
 * @param {string} identifier
 * @returns {Promise<import('./kms').KeyIdentifier>}
 */
export function parseKeyIdentifier(identifier) {
  // Only a string can be one; anything else (a Proxy included) is refused here, as the core would.
  if (typeof identifier !== 'string') return Promise.reject(new EdgeKmsError('INVALID_KEY_IDENTIFIER', 'a key identifier must be a string'));
  return withCore((b) => b.parseKeyIdentifier(identifier));
}

/**
 * Recommends a KMS key type for the advisor's answers (all optional), with
 * reasons, conflicts, alternatives, cost, `aws kms` commands and a key policy.
 * Rejects with INVALID_ARGUMENT for unknown fields or malformed names.
 * @param {import('./kms').KeyTypeAnswers} [answers]
 * @returns {Promise<import('./kms').KeyTypeRecommendation>}
 */
export function recommendKeyType(answers = {}) {
  return withCore((b) => b.recommendKeyType(plain(answers, 'answers')));
}

/**
 * Estimates a month of KMS (and CloudHSM) charges at us-east-1 list prices,
 * and what a data-key cache saves. Rejects with INVALID_ARGUMENT for
 * negative or non-numeric inputs or a cacheHitRatio outside 0..1.
 * @param {import('./kms').CostInput} [input]
 * @returns {Promise<import('./kms').CostEstimate>}
 */
export function estimateCost(input = {}) {
  return withCore((b) => b.estimateCost(plain(input, 'input')));
}
