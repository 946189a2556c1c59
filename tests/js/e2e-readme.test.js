// The README's first example runs (issue 4): the code block between the
// first-example markers of README.md is extracted, checked to be exactly
// tests/readme/first-example.mjs, and run as a user would run it (a new Node
// process, importing the built package by name). So neither the README nor the
// file can drift from what works; it must also type-check against the
// published .d.ts. The other code blocks of the usage section must at least
// parse as modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';

const root = new URL('../../', import.meta.url);
const readme = await readFile(new URL('README.md', root), 'utf8');

/** The text between two markers (each an HTML comment line starting with the given words). */
function between(text, begin, end) {
  const b = text.indexOf(`<!-- ${begin}`);
  const e = text.indexOf(`<!-- ${end}`);
  assert.ok(b >= 0 && e > b, `README.md has <!-- ${begin} … --> before <!-- ${end} -->`);
  return text.slice(text.indexOf('\n', b) + 1, e);
}

/** The contents of every ```js fence in `markdown`. */
const jsBlocks = (markdown) => [...markdown.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]);

test('README: the first example is tests/readme/first-example.mjs, at most ten lines of code, no credentials in it', async () => {
  const blocks = jsBlocks(between(readme, 'first-example:begin', 'first-example:end'));
  assert.equal(blocks.length, 1, 'one code block between the markers');
  assert.equal(blocks[0], await readFile(new URL('tests/readme/first-example.mjs', root), 'utf8'));
  const code = blocks[0].split('\n').filter((l) => l.trim() && !l.trim().startsWith('//'));
  assert.ok(code.length <= 10, `${code.length} lines of code`);
  assert.doesNotMatch(blocks[0], /accessKeyId|secretAccessKey|wrappingKey|privateKey/i);
});

test('README: the first example runs and round-trips', { timeout: 60_000 }, async () => {
  const [block] = jsBlocks(between(readme, 'first-example:begin', 'first-example:end'));
  // Inside the repository, so `edge-kms` resolves to the built package (node_modules/edge-kms → pkg).
  const dir = new URL('tests/artifacts/readme/', root);
  await mkdir(dir, { recursive: true });
  const file = fileURLToPath(new URL('first-example.mjs', dir));
  await writeFile(file, block);
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [file], { timeout: 50_000 });
  const m = /^hello, world \(a (\d+)-byte AWS Encryption SDK message\)\n$/.exec(stdout);
  assert.ok(m, `stdout: ${stdout}`);
  // Header with the ARN, the signed suite's public key in the context, one frame, and the footer signature.
  assert.ok(Number(m[1]) > 400 && Number(m[1]) < 700, `${m[1]} bytes`);
  assert.match(stderr, /DEVELOPMENT KMS, NOT FOR PRODUCTION/, 'the development KMS says so');
});

test('README: the first example type-checks against the published .d.ts (tsc --checkJs --strict)', { timeout: 60_000 }, async () => {
  const [block] = jsBlocks(between(readme, 'first-example:begin', 'first-example:end'));
  const dir = new URL('tests/artifacts/readme/', root);
  await mkdir(dir, { recursive: true });
  const file = fileURLToPath(new URL('first-example-typed.mjs', dir));
  await writeFile(file, block);
  const tsc = fileURLToPath(new URL('node_modules/.bin/tsc', root));
  await promisify(execFile)(tsc, ['--noEmit', '--allowJs', '--checkJs', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext',
    '--target', 'es2022', '--types', 'node', '--skipLibCheck', file], { cwd: fileURLToPath(root), timeout: 50_000 })
    .catch((e) => { throw new Error(`tsc failed:\n${e.stdout}${e.stderr}`); });
});

test('README: the usage section\'s code blocks parse as modules', async () => {
  const section = readme.slice(readme.indexOf('## Envelope encryption through your backend'));
  const blocks = jsBlocks(section.slice(0, section.indexOf('\n## ', 3)));
  assert.ok(blocks.length >= 2);
  for (const code of blocks) await esbuild.transform(code, { loader: 'js', format: 'esm' }); // throws on a syntax error
});
