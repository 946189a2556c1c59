// A tiny portable test harness. Suites written against it run unchanged in
// Node (node:test), workerd (Miniflare) and headless Chromium: each runner
// collects the registered tests and reports them through node:test.

/**
 * @typedef {{ name: string, fn: () => unknown | Promise<unknown> }} TestCase
 * @typedef {{ test: (name: string, fn: () => unknown) => void }} Registrar
 * @typedef {{ edgeKms: any, fixtures: Record<string, any>, runtime: 'node' | 'workerd' | 'chromium' | 'deno' }} Ctx
 */

export class AssertionError extends Error {
  constructor(message) { super(message); this.name = 'AssertionError'; }
}

const show = (v) => {
  try { return typeof v === 'string' ? JSON.stringify(v) : v instanceof Uint8Array ? `Uint8Array(${v.length})` : JSON.stringify(v); } catch { return String(v); }
};

export const assert = {
  ok(v, msg = 'expected a truthy value') { if (!v) throw new AssertionError(`${msg} (got ${show(v)})`); },
  equal(a, b, msg = '') { if (!Object.is(a, b)) throw new AssertionError(`${msg} expected ${show(b)}, got ${show(a)}`); },
  notEqual(a, b, msg = '') { if (Object.is(a, b)) throw new AssertionError(`${msg} expected anything but ${show(b)}`); },
  bytesEqual(a, b, msg = '') {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) throw new AssertionError(`${msg} expected two Uint8Arrays`);
    if (a.length !== b.length) throw new AssertionError(`${msg} lengths differ: ${a.length} vs ${b.length}`);
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) throw new AssertionError(`${msg} bytes differ at ${i}`);
  },
  deepEqual(a, b, msg = '') {
    const sa = JSON.stringify(a), sb = JSON.stringify(b);
    if (sa !== sb) throw new AssertionError(`${msg} expected ${sb}, got ${sa}`);
  },
  /** Awaits `p` (or calls it) and checks that it fails with an EdgeKmsError of `code`. */
  async rejectsWithCode(p, code, msg = '') {
    let err;
    try { await (typeof p === 'function' ? p() : p); } catch (e) { err = e; }
    if (err === undefined) throw new AssertionError(`${msg} expected an error with code ${code}, but it resolved`);
    if (!err || err.name !== 'EdgeKmsError') throw new AssertionError(`${msg} expected EdgeKmsError ${code}, got ${err && err.name}: ${err && err.message}`);
    if (err.code !== code) throw new AssertionError(`${msg} expected code ${code}, got ${err.code}: ${err.message}`);
    return err;
  },
  throwsWithCode(fn, code, msg = '') {
    let err;
    try { fn(); } catch (e) { err = e; }
    if (err === undefined) throw new AssertionError(`${msg} expected an error with code ${code}, but it returned`);
    if (!err || err.name !== 'EdgeKmsError' || err.code !== code) throw new AssertionError(`${msg} expected EdgeKmsError ${code}, got ${err && err.name} ${err && err.code}: ${err && err.message}`);
    return err;
  },
};

/**
 * Runs every suite and returns one result per test. Used by the workerd and
 * Chromium runners; the Node runner registers tests with node:test directly.
 * @param {Array<{ name: string, register: (t: Registrar, ctx: Ctx) => void }>} suites
 * @param {Ctx} ctx
 */
export async function runAll(suites, ctx) {
  const results = [];
  for (const s of suites) {
    /** @type {TestCase[]} */
    const cases = [];
    s.register({ test: (name, fn) => cases.push({ name, fn }) }, ctx);
    for (const c of cases) {
      const t0 = Date.now();
      try {
        await c.fn();
        results.push({ suite: s.name, name: c.name, ok: true, ms: Date.now() - t0 });
      } catch (e) {
        results.push({ suite: s.name, name: c.name, ok: false, ms: Date.now() - t0, error: `${e && e.name}: ${e && e.message}\n${(e && e.stack) || ''}` });
      }
    }
  }
  return results;
}
