// The README's API examples run (STYLE habit 8, docs that run). Every ```js
// block marked `<!-- example: <name> -->` on the line before its fence must be
// byte-identical to tests/readme/<name>.mjs; that file is run with `node` from
// tests/readme/ (so `edge-kms` resolves to the built package through the
// repository's node_modules, as a user's import would) and must exit 0 and
// print exactly EXPECTED[name]. The sentence after the block ("It prints …")
// must quote every line it prints, so the prose cannot drift either. The
// examples also type-check against the published .d.ts and hold no credentials.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url);
const dir = new URL('tests/readme/', root);
const readme = await readFile(new URL('README.md', root), 'utf8');

/** What each example prints on stdout, line by line. */
const EXPECTED = {
  'local-aes': ['AES_256_GCM_HKDF_SHA512_COMMIT_KEY 1048576 my-app', 'sealed locally', 'TAMPERED'],
  'local-rsa-multi': ['my-app,escrow', 'for the app and the escrow'],
  rekey: ['true true', 'rotated, not re-encrypted', 'NO_DECRYPTABLE_DATA_KEY'],
  hpke: ['sealed to the client', 'keyId,ciphertextBlob,ciphertextForRecipient | keyId,ciphertextForRecipient', 'BAD_REQUEST RecipientRequired'],
  'kms-rsa-public': ['RSA_2048 KEYRING_CANNOT_DECRYPT', 'sealed offline'],
  'verify-signature': ['true', 'ECC_NIST_P256 true', 'false', 'KEY_ALGORITHM_MISMATCH'],
  'verify-jwt': ['true user-42', '[ false, undefined ]', 'JWT_EXPIRED', 'UNSUPPORTED_ALGORITHM'],
  'sign-jwt': ['true alice', 'ACCESS_DENIED', 'true true'],
  'broker-rate-limit': ['THROTTLED 429 true', '32'],
  'key-identifier': ['key-arn eu-west-1 111122223333 true', 'true', 'INVALID_KEY_IDENTIFIER'],
  'key-advisor': [
    'customer-managed SYMMETRIC_DEFAULT ENCRYPT_DECRYPT automatic $3.94/month',
    '3 aws kms commands, and a key policy: true',
    "ECC_NIST_P256 [ 'ROTATION_ASYMMETRIC' ]",
    '$3.94 instead of $30.94 (1000000 KMS requests)',
  ],
};

/** The marked blocks of README.md: name, code, and the paragraph that follows the fence. */
const examples = [...readme.matchAll(/^<!-- example: ([a-z0-9-]+) -->\n```js\n([\s\S]*?)^```\n/gm)].map((m) => {
  const after = readme.slice(/** @type {number} */ (m.index) + m[0].length).trimStart();
  return { name: m[1], code: m[2], prose: after.slice(0, after.indexOf('\n\n')) };
});

test('README: every marked example has a file and an expected output, and every file is marked', async () => {
  const names = examples.map((e) => e.name);
  assert.deepEqual(names.toSorted(), Object.keys(EXPECTED).toSorted());
  assert.equal(new Set(names).size, names.length, 'each name is marked once');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.mjs') && f !== 'first-example.mjs');
  assert.deepEqual(files.map((f) => f.slice(0, -4)).toSorted(), names.toSorted());
  // A marker applies to the fence on the very next line only.
  assert.equal((readme.match(/<!-- example: /g) ?? []).length, examples.length, 'no marker without a ```js fence right after it');
});

for (const { name, code, prose } of examples) {
  test(`README example "${name}" is tests/readme/${name}.mjs, runs, and prints what the README says`, { timeout: 60_000 }, async () => {
    assert.equal(code, await readFile(new URL(`${name}.mjs`, dir), 'utf8'), 'the README block and the file are identical');
    assert.doesNotMatch(code, /accessKeyId|secretAccessKey|sessionToken|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY/, 'no credentials or private keys');
    assert.doesNotMatch(code, /['"`][0-9a-fA-F]{32,}['"`]|['"`][A-Za-z0-9+/]{40,}={0,2}['"`]/, 'no hard-coded key material');

    const { stdout, stderr } = await run(process.execPath, [`${name}.mjs`], { cwd: fileURLToPath(dir), timeout: 50_000 });
    assert.deepEqual(stdout.split('\n'), [...EXPECTED[name], '']);
    // Only the development KMS's own warning may appear on stderr (no runtime warnings, no errors).
    for (const line of stderr.split('\n').filter(Boolean)) assert.match(line, /DEVELOPMENT KMS, NOT FOR PRODUCTION/);

    assert.match(prose, /^It prints /, 'the block is followed by what it prints');
    for (const line of EXPECTED[name]) assert.ok(prose.includes(`\`${line}\``), `the README quotes \`${line}\``);
  });
}

test('README examples type-check against the published .d.ts (tsc --checkJs --strict)', { timeout: 60_000 }, async () => {
  const tsc = fileURLToPath(new URL('node_modules/.bin/tsc', root));
  const files = examples.map((e) => fileURLToPath(new URL(`${e.name}.mjs`, dir)));
  await run(tsc, ['--noEmit', '--allowJs', '--checkJs', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext',
    '--target', 'es2022', '--types', 'node', '--skipLibCheck', ...files], { cwd: fileURLToPath(root), timeout: 50_000 })
    .catch((e) => { throw new Error(`tsc failed:\n${e.stdout}${e.stderr}`); });
});
