// The README's "Command line" examples run (STYLE habit 8): every ```sh block
// marked `<!-- cli-example: <name> -->` is run by bash (-e -o pipefail) in a
// fresh directory, and must print exactly EXPECTED[name]; the sentence after
// it ("It prints …") must quote each line. `npx edge-kms` runs the CLI
// (tests/js/cli-helpers.js: the source file, or EDGE_KMS_CLI) through a shell
// function, because the package's `bin` entry is written by pkg-scripts/build;
// the broker example gets $BROKER (createBroker over the development KMS,
// served on loopback, whose authorize accepts only $TOKEN) and $TOKEN.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createBroker, createDevKms } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';
import { CLI } from './cli-helpers.js';

const EXPECTED = {
  'raw-aes': ['"frameCount":1', 'quarterly numbers'],
  broker: ['100000', 'exit 6', 'no numbers.txt'],
  're-encrypt': ['rotated, not rewritten', 'exit 7'],
  verify: ['valid: ECDSA_SHA_256 signature, ECC_NIST_P256 key, RAW message', 'INVALID: ECDSA_SHA_256 signature, ECC_NIST_P256 key, RAW message', 'exit 1'],
};
const TOKEN = 'readme-example-token';

const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
const examples = [...readme.matchAll(/^<!-- cli-example: ([a-z0-9-]+) -->\n```sh\n([\s\S]*?)^```\n/gm)].map((m) => {
  const after = readme.slice(/** @type {number} */ (m.index) + m[0].length).trimStart();
  return { name: m[1], code: m[2], prose: after.slice(0, after.indexOf('\n\n')) };
});

let server;
before(async () => {
  server = await serve(createBroker({
    kms: await createDevKms(), keyIds: ['alias/demo'], basePath: '/kms',
    authorize: (request) => (request.headers.get('authorization') === `Bearer ${TOKEN}` ? { allow: true, principal: 'readme' } : { allow: false, status: 401 }),
  }), { port: 0 });
});
after(() => server?.close());

test('README "Command line": every marked example has an expected output', () => {
  assert.deepEqual(examples.map((e) => e.name).toSorted(), Object.keys(EXPECTED).toSorted());
  assert.equal((readme.match(/<!-- cli-example: /g) ?? []).length, examples.length, 'no marker without a ```sh fence right after it');
});

for (const { name, code, prose } of examples) {
  test(`README command-line example "${name}" runs and prints what the README says`, { timeout: 60_000 }, async () => {
    assert.doesNotMatch(code, /AKIA[0-9A-Z]{16}|aws_secret_access_key|-----BEGIN/, 'no credentials or keys in the example');
    const dir = await mkdtemp(join(tmpdir(), 'edge-kms-cli-readme-'));
    try {
      const shim = `npx() { if [ "$1" = edge-kms ]; then shift; "${process.execPath}" "${CLI}" "$@"; else command npx "$@"; fi; }\n`;
      const { stdout } = await promisify(execFile)('bash', ['-e', '-o', 'pipefail', '-c', shim + code], {
        cwd: dir, timeout: 50_000, env: { ...process.env, BROKER: `${server.url}/kms`, TOKEN },
      });
      assert.deepEqual(stdout.split('\n'), [...EXPECTED[name], '']);
      assert.match(prose, /^It prints /, 'the block is followed by what it prints');
      for (const line of EXPECTED[name]) assert.ok(prose.includes(`\`${line}\``), `the README quotes \`${line}\``);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
