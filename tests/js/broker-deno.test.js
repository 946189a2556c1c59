// The broker and BrokerKeyring under Deno, unchanged: Deno.serve hands
// requests to broker.fetch (in-memory dev KMS), BrokerKeyring calls it with
// Deno's fetch. Run with --allow-net=127.0.0.1 only: no file, env or Node
// built-in access is needed. Skipped when deno is not installed
// (`python3 -m pip install deno` provides it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const deno = process.env.DENO_PATH ?? 'deno';
let version = null;
try { version = execFileSync(deno, ['--version'], { encoding: 'utf8' }).split('\n')[0]; } catch { /* not installed */ }

const SCRIPT = `
import { createBroker, createDevKms } from '../../../pkg/broker/index.js';
import { BrokerKeyring } from '../../../pkg/broker-keyring.js';

const out = {};
const kms = await createDevKms({ signingKeys: ['ECC_NIST_P256'], encryptionKeys: [] });
const broker = createBroker({ kms, devMode: true, basePath: '/kms', cors: ['https://app.example'] });
const ac = new AbortController();
const server = Deno.serve({ port: 0, hostname: '127.0.0.1', signal: ac.signal, onListen() {} }, (req) => broker.fetch(req));
const endpoint = 'http://127.0.0.1:' + server.addr.port + '/kms';
try {
  const kr = new BrokerKeyring({ endpoint, keyId: 'alias/demo' });
  const ec = { runtime: 'deno' };
  const dk = await kr.generateDataKey({ encryptionContext: ec, numberOfBytes: 32 });
  const back = await kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: ec });
  out.roundTrip = back.plaintext.length === 32 && back.plaintext.every((b, i) => b === dk.plaintext[i]);
  out.keyId = dk.keyId;
  const code = async (p) => { try { await p; return 'resolved'; } catch (e) { return e.code; } };
  out.mismatch = await code(kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: {} }));
  out.unknown = await code(new BrokerKeyring({ endpoint, keyId: 'alias/nope' }).generateDataKey());
  out.refused = await code(new BrokerKeyring({ endpoint: 'http://127.0.0.1:9/kms', keyId: 'alias/demo', retries: 0 }).generateDataKey());
  out.timeout = await code(new BrokerKeyring({ endpoint, keyId: 'alias/demo', timeoutMs: 50, headers: () => new Promise(() => {}) }).generateDataKey());
  const pk = await (await fetch(endpoint + '/public-key', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keyId: 'alias/sign-ecc-nist-p256' }) })).json();
  out.publicKey = pk.keySpec;
} finally {
  ac.abort();
  await server.finished;
}
console.log(JSON.stringify(out));
`;

test('deno: broker on Deno.serve and BrokerKeyring on Deno\'s fetch', { skip: version ? false : 'deno is not installed', timeout: 120_000 }, async () => {
  const dir = fileURLToPath(new URL('../artifacts/broker-deno/', import.meta.url));
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}run.js`, SCRIPT);
  const { stdout } = await promisify(execFile)(deno, ['run', '--quiet', '--no-prompt', '--allow-net=127.0.0.1', `${dir}run.js`], { timeout: 100_000 });
  const out = JSON.parse(stdout.trim().split('\n').at(-1));
  assert.equal(out.roundTrip, true, `${version}: ${stdout}`);
  assert.match(out.keyId, /^arn:aws:kms:us-east-1:111122223333:key\//);
  assert.deepEqual({ mismatch: out.mismatch, unknown: out.unknown, refused: out.refused, timeout: out.timeout, publicKey: out.publicKey },
    { mismatch: 'INVALID_CIPHERTEXT', unknown: 'NOT_FOUND', refused: 'BROKER_UNAVAILABLE', timeout: 'TIMEOUT', publicKey: 'ECC_NIST_P256' });
});
