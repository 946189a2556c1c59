// The error mapping is one list kept in four places; these tests keep them equal:
// the Rust enum (through the real wasm bindings), ERROR_CODES, errors.d.ts and the README.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as edgeKms from 'edge-kms';
// errors.js as the shim's files import it (the Node entry of the package is one
// bundled file with its own copy: the same list, another class object).
import { EdgeKmsError, ERROR_CODES, fromCore } from '../../pkg/errors.js';
// The envelope module carries the walk over every variant (src/wasm/mod.rs).
import { initSync, allErrorsForTests } from '../../pkg/wasm/envelope.js';

initSync({ module: await readFile(new URL('../../pkg/wasm/envelope_bg.wasm', import.meta.url)) });
const coreErrors = allErrorsForTests();

test('every Rust error variant maps to a listed code through fromCore', () => {
  assert.equal(coreErrors.length, 23); // SIGNATURE_REQUIRED joined in issue 9
  for (const raw of coreErrors) {
    const e = fromCore(raw);
    assert.ok(e instanceof EdgeKmsError);
    assert.equal(e.code, raw.code);
    assert.equal(e.message, raw.message);
    assert.ok(ERROR_CODES.includes(e.code), `${e.code} missing from ERROR_CODES`);
  }
});

test('the package exports the same list of codes, and its EdgeKmsError is an Error named EdgeKmsError', () => {
  assert.deepEqual(edgeKms.ERROR_CODES, ERROR_CODES);
  const e = new edgeKms.EdgeKmsError('TAMPERED', 'x');
  assert.ok(e instanceof Error);
  assert.equal(e.name, 'EdgeKmsError');
  assert.equal(e.code, 'TAMPERED');
});

test('a non-coded throw becomes INTERNAL, keeping the original as cause', () => {
  const trap = new WebAssembly.RuntimeError('unreachable');
  const e = fromCore(trap);
  assert.equal(e.code, 'INTERNAL');
  assert.equal(e.cause, trap);
});

test('errors.d.ts declares exactly ERROR_CODES', async () => {
  const dts = await readFile(new URL('../../pkg/errors.d.ts', import.meta.url), 'utf8');
  const union = dts.slice(dts.indexOf('type EdgeKmsErrorCode'), dts.indexOf(';', dts.indexOf('type EdgeKmsErrorCode')));
  const declared = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
  assert.deepEqual([...declared].sort(), [...ERROR_CODES].sort());
});

test('the README documents every error code', async () => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const missing = ERROR_CODES.filter((c) => !readme.includes(`\`${c}\``));
  assert.deepEqual(missing, []);
});

test('every KMS exception the broker client maps lands on a listed code', async () => {
  const { ERROR_CODE } = await import('../../pkg/protocol.js');
  for (const [name, code] of Object.entries(ERROR_CODE)) assert.ok(ERROR_CODES.includes(code), `${name} → ${code}`);
});

test('every code the shim throws literally is listed', async () => {
  const { readdir } = await import('node:fs/promises');
  const dir = new URL('../../src/js/', import.meta.url);
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.js'));
  for (const f of files) {
    const src = await readFile(new URL(f, dir), 'utf8');
    for (const m of src.matchAll(/new EdgeKmsError\(\s*'([A-Z_]+)'/g)) assert.ok(ERROR_CODES.includes(m[1]), `${f}: ${m[1]}`);
  }
});
