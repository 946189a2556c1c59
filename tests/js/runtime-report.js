// Reports results gathered in another runtime (workerd, Chromium) through node:test.
import { test } from 'node:test';
import suites from './suites/index.js';

/**
 * Registers one node:test test per suite whose subtests replay the remote results.
 * @param {string} runtime
 * @param {() => Promise<Array<{suite: string, name: string, ok: boolean, error?: string}>>} getResults
 */
export function reportRemote(runtime, getResults) {
  let pending;
  const results = () => (pending ??= getResults());
  for (const s of suites) {
    test(`${runtime} › ${s.name}`, async (t) => {
      const mine = (await results()).filter((r) => r.suite === s.name);
      if (mine.length === 0) throw new Error(`no results from ${runtime} for suite ${s.name}`);
      for (const r of mine) {
        await t.test(r.name, () => { if (!r.ok) throw new Error(r.error); });
      }
    });
  }
}
