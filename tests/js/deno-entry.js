// Runs the portable suites inside Deno (started by deno.test.js with an import
// map that points 'edge-kms' at the file of the package's `deno` condition).
import * as edgeKms from 'edge-kms';
import suites from './suites/index.js';
import { runAll } from './harness.js';

const fixturesDir = new URL('../fixtures/generated/', import.meta.url);
const fixtures = {};
try {
  for await (const e of Deno.readDir(fixturesDir)) {
    if (e.name.endsWith('.json')) fixtures[e.name.slice(0, -5)] = JSON.parse(await Deno.readTextFile(new URL(e.name, fixturesDir)));
  }
} catch (e) {
  if (!(e instanceof Deno.errors.NotFound)) throw e;
}
// As tests/js/fixtures.js: the AWS Encryption SDK's messages of every suite.
fixtures.sdkVectors = JSON.parse(await Deno.readTextFile(new URL('../../src/envelope/testdata/sdk_vectors.json', import.meta.url)));
const results = await runAll(suites, { edgeKms, fixtures, runtime: 'deno' });
console.log(JSON.stringify(results));
