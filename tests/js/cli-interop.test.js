// The CLI's messages against the other AWS Encryption SDK implementations and
// a browser, both ways (issue 12, section 2):
// - the AWS Encryption SDK's own command line, `aws-encryption-cli` (PyPI
//   aws-encryption-sdk-cli, installed by pkg-scripts/setup), with a KMS key on
//   moto (botocore honours AWS_ENDPOINT_URL), and `edge-kms` through a broker
//   (createBroker over a KMSClient on the same moto): each opens the other's files;
// - @aws-crypto/client-node with the raw AES and raw RSA keyrings;
// - headless Chromium (the package through the import map of
//   tests/js/chromium.html) through a broker with CORS, and with a raw AES key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, constants } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KMSClient, CreateKeyCommand } from '@aws-sdk/client-kms';
import {
  buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier, RawRsaKeyringNode, AlgorithmSuiteIdentifier,
} from '@aws-crypto/client-node';
import { parseMessage } from 'edge-kms';
import { createBroker, createDevKms } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';
import { startMoto } from './servers.js';
import { launchChromium } from './browser.js';
import { serveStatic } from './static-server.js';
import { runCli } from './cli-helpers.js';

const run = promisify(execFile);
const region = 'us-east-1';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const sha = (b) => createHash('sha256').update(b).digest('hex');
const TOKEN = 'Bearer cli-interop';

let dir, moto, kmsClient, keyArn, newKeyArn, motoBroker, devBroker, pageOrigin, browser;
const f = (name) => join(dir, name);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edge-kms-cli-interop-'));
  moto = await startMoto();
  kmsClient = new KMSClient({ region, endpoint: moto.endpoint, credentials });
  keyArn = (await kmsClient.send(new CreateKeyCommand({ Description: 'edge-kms CLI interop' }))).KeyMetadata.Arn;
  newKeyArn = (await kmsClient.send(new CreateKeyCommand({ Description: 'edge-kms CLI interop, re-encrypt target' }))).KeyMetadata.Arn;
  const authorize = (request) => (request.headers.get('authorization') === TOKEN ? { allow: true, principal: 'cli' } : { allow: false, status: 401 });
  motoBroker = await serve(createBroker({ kms: kmsClient, keyIds: [keyArn, newKeyArn], basePath: '/kms', authorize }), { port: 0 });
  pageOrigin = await serveStatic();
  devBroker = await serve(createBroker({ kms: await createDevKms({ signingKeys: [] }), keyIds: ['alias/demo'], basePath: '/kms', authorize, cors: { origins: [pageOrigin.url] } }), { port: 0 });
});

after(async () => {
  await browser?.close();
  await devBroker?.close();
  await pageOrigin?.close();
  await motoBroker?.close();
  kmsClient?.destroy();
  await moto?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** aws-encryption-cli against moto, as its users run it (credentials and endpoint from the environment). */
const awsCli = (args) => run('aws-encryption-cli', [...args, '-S'], {
  timeout: 60_000,
  env: { ...process.env, AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEFAULT_REGION: region },
});
const viaMotoBroker = () => ['--broker', `${motoBroker.url}/kms`, '--key-id', keyArn, '--header', `Authorization: ${TOKEN}`];

test('aws-encryption-cli (KMS key on moto) and edge-kms (broker over the same moto) open each other\'s files', { timeout: 180_000 }, async () => {
  const plain = randomBytes(3 * 2 ** 20 + 5); // several frames on either side's defaults
  await writeFile(f('plain'), plain);
  for (const suite of ['AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384', 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY']) {
    // edge-kms → aws-encryption-cli
    const enc = await runCli(['encrypt', ...viaMotoBroker(), '-i', f('plain'), '-o', f('ours.sealed'), '-c', 'tenant=acme', '--suite', suite]);
    assert.equal(enc.code, 0, enc.stderr);
    // Its --decrypt-unsigned (decrypt, refusing signed messages) for the unsigned suite.
    await awsCli([suite.endsWith('P384') ? '-d' : '--decrypt-unsigned', '-i', f('ours.sealed'), '-o', f('ours.opened'), '-w', 'provider=aws-kms', `key=${keyArn}`, '-c', 'tenant=acme']);
    assert.equal(sha(await readFile(f('ours.opened'))), sha(plain), `aws-encryption-cli opened edge-kms's ${suite} message`);

    // aws-encryption-cli → edge-kms
    await awsCli(['-e', '-i', f('plain'), '-o', f('theirs.sealed'), '-w', 'provider=aws-kms', `key=${keyArn}`, '-c', 'tenant=acme', '--algorithm', suite, '--frame-length', '65536']);
    const info = await parseMessage(await readFile(f('theirs.sealed')));
    assert.equal(info.suite, suite);
    assert.equal(info.encryptedDataKeys[0].providerId, 'aws-kms');
    const dec = await runCli(['decrypt', ...viaMotoBroker(), '-i', f('theirs.sealed'), '-o', f('theirs.opened'), '-c', 'tenant=acme', '--json']);
    assert.equal(dec.code, 0, dec.stderr);
    assert.equal(sha(await readFile(f('theirs.opened'))), sha(plain), `edge-kms opened aws-encryption-cli's ${suite} message`);
    // A required pair aws-encryption-cli's message lacks: exit 6, nothing written.
    const wrong = await runCli(['decrypt', ...viaMotoBroker(), '-i', f('theirs.sealed'), '-o', f('never'), '-c', 'tenant=globex']);
    assert.equal(wrong.code, 6);
    await assert.rejects(readFile(f('never')), { code: 'ENOENT' });
  }
  // aws-encryption-cli refuses a tampered edge-kms message too (and edge-kms one of its).
  const m = await readFile(f('ours.sealed'));
  m[m.length - 10] ^= 1; // the final frame's tag
  await writeFile(f('ours.tampered'), m);
  await assert.rejects(awsCli(['--decrypt-unsigned', '-i', f('ours.tampered'), '-o', f('tampered.out'), '-w', 'provider=aws-kms', `key=${keyArn}`]));
  const t = await readFile(f('theirs.sealed'));
  t[t.length - 10] ^= 1;
  await writeFile(f('theirs.tampered'), t);
  const r = await runCli(['decrypt', ...viaMotoBroker(), '-i', f('theirs.tampered'), '-o', f('tampered2.out')]);
  assert.equal(r.code, 5, r.stderr);
  await assert.rejects(readFile(f('tampered2.out')), { code: 'ENOENT' });
});

test('re-encrypt: aws-encryption-cli\'s message under one KMS key, moved by edge-kms to another, opens in aws-encryption-cli with the new key only', { timeout: 120_000 }, async () => {
  const plain = randomBytes(200_000);
  await writeFile(f('re.plain'), plain);
  await awsCli(['-e', '-i', f('re.plain'), '-o', f('re.theirs'), '-w', 'provider=aws-kms', `key=${keyArn}`, '-c', 'tenant=acme']);
  const r = await runCli(['re-encrypt', ...viaMotoBroker(), '--to-broker', `${motoBroker.url}/kms`, '--to-key-id', newKeyArn, '--to-header', `Authorization: ${TOKEN}`,
    '-i', f('re.theirs'), '-o', f('re.moved'), '-c', 'tenant=acme']);
  assert.equal(r.code, 0, r.stderr);
  const info = await parseMessage(await readFile(f('re.moved')));
  assert.deepEqual(info.encryptedDataKeys.map((k) => new TextDecoder().decode(k.providerInfo)), [newKeyArn]);
  await awsCli(['-d', '-i', f('re.moved'), '-o', f('re.opened'), '-w', 'provider=aws-kms', `key=${newKeyArn}`, '-c', 'tenant=acme']);
  assert.equal(sha(await readFile(f('re.opened'))), sha(plain));
  // aws-encryption-cli limited to the old key can no longer open it.
  await assert.rejects(awsCli(['-d', '-i', f('re.moved'), '-o', f('re.old'), '-w', 'provider=aws-kms', `key=${keyArn}`]));
});

test('@aws-crypto/client-node opens the CLI\'s raw AES and raw RSA messages, and the CLI opens its', async () => {
  const aesKey = randomBytes(32);
  await writeFile(f('aes.key'), aesKey);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  await writeFile(f('rsa.pub'), rsa.publicKey);
  await writeFile(f('rsa.priv'), rsa.privateKey);
  // utf8Sorting: the SDK's raw AES keyring binds the context sorted by UTF-8 bytes only when told to (README, interop).
  const sdkAes = () => new RawAesKeyringNode({ keyNamespace: 'cli', keyName: 'aes', unencryptedMasterKey: new Uint8Array(aesKey), wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING, utf8Sorting: true });
  const sdkRsa = () => new RawRsaKeyringNode({ keyNamespace: 'cli', keyName: 'rsa', rsaKey: { publicKey: rsa.publicKey, privateKey: rsa.privateKey }, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' });
  const ours = {
    aes: ['--aes-key', f('aes.key'), '--key-namespace', 'cli', '--key-name', 'aes'],
    rsaEnc: ['--rsa-public-key', f('rsa.pub'), '--key-namespace', 'cli', '--key-name', 'rsa', '--rsa-padding', 'OAEP_SHA256'],
    rsaDec: ['--rsa-private-key', f('rsa.priv'), '--key-namespace', 'cli', '--key-name', 'rsa', '--rsa-padding', 'OAEP_SHA256'],
  };
  const plain = randomBytes(200_000);
  for (const [name, enc, dec, theirs] of [['raw AES', ours.aes, ours.aes, sdkAes], ['raw RSA', ours.rsaEnc, ours.rsaDec, sdkRsa]]) {
    const e = await runCli(['encrypt', ...enc, '--frame-length', '4096', '-c', 'tenant=acme', '-c', 'ключ=значение'], { stdin: plain });
    assert.equal(e.code, 0, e.stderr);
    const opened = await sdk.decrypt(theirs(), e.stdout);
    assert.equal(sha(opened.plaintext), sha(plain), `the SDK opened the CLI's ${name} message`);
    assert.equal(opened.messageHeader.encryptionContext['ключ'], 'значение');

    const { result } = await sdk.encrypt(theirs(), plain, { encryptionContext: { tenant: 'acme' }, suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, frameLength: 1000 });
    const d = await runCli(['decrypt', ...dec, '-c', 'tenant=acme'], { stdin: result });
    assert.equal(d.code, 0, d.stderr);
    assert.equal(sha(d.stdout), sha(plain), `the CLI opened the SDK's ${name} message`);
  }
});

test('chromium opens what the CLI sealed (through a broker with CORS, and with a raw AES key), and the CLI opens what chromium sealed', { timeout: 120_000 }, async () => {
  const aesKey = randomBytes(32);
  await writeFile(f('page-aes.key'), aesKey);
  const aes = ['--aes-key', f('page-aes.key'), '--key-namespace', 'cli', '--key-name', 'page'];
  const broker = ['--broker', `${devBroker.url}/kms`, '--key-id', 'alias/demo', '--header', `Authorization: ${TOKEN}`];
  const plain = randomBytes(3 * 2 ** 20 + 11);
  const viaBroker = await runCli(['encrypt', ...broker, '-c', 'tenant=acme'], { stdin: plain });
  assert.equal(viaBroker.code, 0, viaBroker.stderr);
  const viaAes = await runCli(['encrypt', ...aes, '--frame-length', '65536', '-c', 'tenant=acme'], { stdin: plain });
  assert.equal(viaAes.code, 0, viaAes.stderr);

  browser = await launchChromium();
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${pageOrigin.url}/tests/js/chromium.html`);
  const out = await page.evaluate(async ({ endpoint, token, key, sealedBroker, sealedAes, plainB64 }) => {
    const { EnvelopeClient, BrokerKeyring, RawAesKeyring } = await import('edge-kms');
    const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
    const toB64 = (u8) => { let s = ''; for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode(...u8.subarray(i, i + 0x8000)); return btoa(s); };
    const hex = async (u8) => [...new Uint8Array(await crypto.subtle.digest('SHA-256', u8))].map((b) => b.toString(16).padStart(2, '0')).join('');
    const brokerClient = new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint, keyId: 'alias/demo', headers: { authorization: token }, retries: 0 }) });
    const aesClient = new EnvelopeClient({ keyring: new RawAesKeyring({ keyNamespace: 'cli', keyName: 'page', wrappingKey: fromB64(key) }) });
    const r = {};
    r.brokerSha = await hex((await brokerClient.decrypt(fromB64(sealedBroker), { encryptionContext: { tenant: 'acme' } })).plaintext);
    r.aesSha = await hex((await aesClient.decrypt(fromB64(sealedAes), { encryptionContext: { tenant: 'acme' } })).plaintext);
    const plain = fromB64(plainB64);
    r.fromPageBroker = toB64(await brokerClient.encrypt(plain, { encryptionContext: { tenant: 'acme', from: 'chromium' } }));
    // A stream too, as a page sealing a file would.
    const sealed = new Response(new Blob([plain]).stream().pipeThrough(aesClient.encryptStream({ encryptionContext: { tenant: 'acme', from: 'chromium' } })));
    r.fromPageAes = toB64(new Uint8Array(await sealed.arrayBuffer()));
    return r;
  }, { endpoint: `${devBroker.url}/kms`, token: TOKEN, key: aesKey.toString('base64'), sealedBroker: viaBroker.stdout.toString('base64'), sealedAes: viaAes.stdout.toString('base64'), plainB64: plain.toString('base64') });
  await page.close();
  assert.deepEqual(errors, []);
  assert.equal(out.brokerSha, sha(plain), 'chromium opened the CLI\'s broker message');
  assert.equal(out.aesSha, sha(plain), 'chromium opened the CLI\'s raw AES message');
  for (const [sealed, keys] of [[out.fromPageBroker, broker], [out.fromPageAes, aes]]) {
    const d = await runCli(['decrypt', ...keys, '-c', 'from=chromium'], { stdin: Buffer.from(sealed, 'base64') });
    assert.equal(d.code, 0, d.stderr);
    assert.equal(sha(d.stdout), sha(plain), 'the CLI opened chromium\'s message');
  }
});
