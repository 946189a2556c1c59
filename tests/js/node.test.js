// Runs the portable suites in Node against the built package (node_modules/edge-kms -> pkg).
import { test } from 'node:test';
import * as edgeKms from 'edge-kms';
import suites from './suites/index.js';
import { loadFixtures } from './fixtures.js';

const ctx = { edgeKms, fixtures: await loadFixtures(), runtime: 'node' };
for (const s of suites) {
  const cases = [];
  s.register({ test: (name, fn) => cases.push({ name, fn }) }, ctx);
  test(`node › ${s.name}`, async (t) => {
    for (const c of cases) await t.test(c.name, c.fn);
  });
}
