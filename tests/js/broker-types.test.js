// Type-level tests of the broker's public API: a usage file type-checks
// against the shipped .d.ts (with @ts-expect-error for misuse), and the
// broker's JS type-checks under --strict --checkJs against its JSDoc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = fileURLToPath(new URL('../artifacts/broker-types/', import.meta.url));
const tsc = (args) => promisify(execFile)(process.execPath, [`${root}node_modules/typescript/bin/tsc`, ...args], { cwd: root }).then(
  () => '', (e) => String(e.stdout ?? '') + String(e.stderr ?? ''));

const USAGE = `
import { createBroker, createDevKms, signingAlias, type AuditRecord, type Authorize } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';
import { BrokerKeyring } from 'edge-kms/broker-keyring-types';

const kms = await createDevKms({ aliases: ['alias/demo'], signingKeys: ['ECC_NIST_P256'] });
const records: AuditRecord[] = [];
const authorize: Authorize = async (request, operation, keyId, ec) =>
  operation === 'Decrypt' && ec.tenant === 'acme' ? { allow: true, principal: request.headers.get('authorization') ?? 'anon' } : { allow: false, status: 401 };
const broker = createBroker({ kms, keyIds: ['alias/demo'], authorize, audit: (r) => { records.push(r); }, cors: { origins: ['https://a.example'] }, basePath: '/kms' });
const worker: { fetch(r: Request): Promise<Response> } = broker;
const served = await serve(broker, { port: 0, staticDirs: { '/': 'www', '/pkg/': 'pkg' } });
await served.close();

const kr = new BrokerKeyring({ endpoint: '/kms', keyId: signingAlias('ECC_NIST_P256'), headers: async ({ operation }) => ({ authorization: operation }), timeoutMs: 5000, retries: 1 });
const flag: true = kr.isKmsKeyring;
const dk = await kr.generateDataKey({ encryptionContext: { a: 'b' }, numberOfBytes: 32, signal: AbortSignal.timeout(1000) });
const bytes: Uint8Array = dk.plaintext;
const arn: string = (await kr.decryptDataKey({ ciphertextBlob: dk.ciphertextBlob })).keyId;
await kr.encryptDataKey({ plaintext: bytes });

// @ts-expect-error numberOfBytes is a number
await kr.generateDataKey({ numberOfBytes: '32' });
// @ts-expect-error encryption context values are strings
await kr.generateDataKey({ encryptionContext: { a: 1 } });
// @ts-expect-error ciphertextBlob is required
await kr.decryptDataKey({});
// @ts-expect-error keyId is required
new BrokerKeyring({ endpoint: '/kms' });
// @ts-expect-error not a signing key spec
await createDevKms({ signingKeys: ['RSA_1024'] });
// @ts-expect-error kms is required
createBroker({ keyIds: [] });
// @ts-expect-error authorize results are booleans or { allow }
createBroker({ kms, authorize: () => 'yes' });
export { worker, flag, arn };
`;

test('types: the public broker API type-checks, misuse does not', { timeout: 120_000 }, async () => {
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}usage.ts`, USAGE);
  await writeFile(`${dir}tsconfig.json`, JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: ['node'],
      // BrokerKeyring's own .d.ts (the package's root index.d.ts is another worktree's)
      paths: { 'edge-kms/broker-keyring-types': [`${root}pkg/broker-keyring.d.ts`] },
    },
    files: ['usage.ts'],
  }));
  const out = await tsc(['-p', dir]);
  assert.equal(out, '', out);
});

test('types: the broker JS type-checks under --strict --checkJs', { timeout: 120_000 }, async () => {
  const files = ['broker-keyring.js', 'broker/index.js', 'broker/node.js', 'broker/dev-kms.js', 'protocol.js', 'broker/sign.js', 'broker/jws.js'].map((f) => `src/js/${f}`);
  const out = await tsc(['--noEmit', '--allowJs', '--checkJs', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2022,dom', '--types', 'node', '--skipLibCheck', ...files]);
  // errors.js references ./types.js, which the skeleton does not have yet: not ours to fix here
  const ours = out.split('\n').filter((l) => /^src\/js\/(broker|broker-keyring)/.test(l));
  assert.deepEqual(ours, []);
});
