// The two builds of the envelope core (`envelope` and its superset
// `envelope-full`, README "Modules"): which one a call runs in, and running
// calls on a handle in the module that made it.
import { envelope as lean } from './modules/envelope.js';
import { envelopeFull as full } from './modules/envelope-full.js';

/**
 * The module a call runs in. `envelope-full` is a superset of `envelope` (it
 * adds the data-key cache, re-keying and the HPKE key transport, ~20 KB gzip
 * that a page which only seals and opens never fetches): a call that needs one
 * of those gets it. Any other call gets `envelope`, unless `envelope-full` is
 * loaded already (a bare `init()`, an earlier call that needed it) or is the
 * one this runtime has (workerd): then it does the work, and the smaller
 * module is never fetched as well. A keyring keeps one handle per module
 * (keyrings.js); a stream stays in the module it started in.
 * @param {boolean} needsFull
 */
export function moduleFor(needsFull) {
  return needsFull || full.loaded || !lean.available ? full : lean;
}

/** The module that made `handle` (a CoreSealer, CoreOpener or CoreResealer): every call on it runs there. @param {object} handle */
const moduleOf = (handle) => (full.owns(handle) ? full : lean);

/**
 * Runs `fn`, calls on `handle`, as one operation of the module that made it
 * (the module's guard and its stack scrub: core.js).
 * @template T @param {object} handle @param {() => T} fn @returns {T}
 */
export const withHandle = (handle, fn) => moduleOf(handle).withCoreSync(fn);
