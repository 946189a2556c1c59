// The command line (issue 12, section 2), run as a user runs it: a child
// process per command (tests/js/cli-helpers.js), real files in a temporary
// directory, a real broker (createBroker over the development KMS, through
// serve() on loopback) for the broker keyring. Each failure is checked by its
// exit code (README "Command line" table) and its error code on stderr or in
// the --json answer, and every failing command must leave no output file and
// no temporary file behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createHash, generateKeyPairSync, randomBytes, sign as cryptoSign } from 'node:crypto';
import { lstat, mkdtemp, readFile, rm, writeFile, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { ERROR_CODES, parseMessage } from 'edge-kms';
import { createBroker, createDevKms } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';
import { EXIT, KNOWN_CODES, classOf } from '../../src/js/cli/exit-codes.js';
import { CLI, runCli, listDir } from './cli-helpers.js';

let dir, server, kms;
/** The broker's audit records: what reached KMS. */
const audit = [];
const A = () => ['--aes-key', join(dir, 'aes.key'), '--key-namespace', 'cli', '--key-name', 'aes-1'];
const f = (name) => join(dir, name);
const sha = (b) => createHash('sha256').update(b).digest('hex');
/** The error code the CLI printed on stderr ("edge-kms <command>: CODE: message"). */
const codeIn = (stderr) => /^edge-kms [a-z-]*: ([A-Z_]+):/m.exec(stderr)?.[1];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edge-kms-cli-'));
  await writeFile(f('aes.key'), randomBytes(32));
  await writeFile(f('other.key'), randomBytes(32));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  await writeFile(f('rsa.pub.pem'), rsa.publicKey);
  await writeFile(f('rsa.priv.pem'), rsa.privateKey);
  kms = await createDevKms();
  server = await serve(createBroker({
    kms, keyIds: ['alias/demo'], basePath: '/kms',
    authorize: (request) => (request.headers.get('authorization') === 'Bearer cli-test' ? { allow: true, principal: 'cli' } : { allow: false, status: 401 }),
    audit: (r) => { audit.push(r); },
  }), { port: 0 });
});

after(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

test('encrypt → decrypt round trips through files with a raw AES key, across suites, frame lengths and sizes', async () => {
  for (const [suite, frame, size] of [
    ['AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384', undefined, 0],
    ['AES_256_GCM_HKDF_SHA512_COMMIT_KEY', '4096', 4096],
    ['AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384', '1000', 3 * 1000 + 7],
    ['AES_256_GCM_HKDF_SHA512_COMMIT_KEY', undefined, 3 * 2 ** 20 + 1],
  ]) {
    const plain = randomBytes(size);
    await writeFile(f('plain'), plain);
    const enc = await runCli(['encrypt', '-i', f('plain'), '-o', f('sealed'), ...A(), '-c', 'tenant=acme', '-c', 'purpose=cli test=1', '--suite', suite, ...(frame ? ['--frame-length', frame] : [])]);
    assert.equal(enc.code, 0, enc.stderr);
    assert.equal(enc.stderr, '', 'nothing on stderr (not a terminal: no progress)');
    const info = await parseMessage(await readFile(f('sealed')));
    assert.equal(info.suite, suite);
    assert.equal(info.frameLength, frame ? Number(frame) : 1048576);
    assert.equal(info.encryptionContext.tenant, 'acme');
    assert.equal(info.encryptionContext.purpose, 'cli test=1', 'split at the first =');
    const dec = await runCli(['decrypt', '-i', f('sealed'), '-o', f('back'), ...A(), '-c', 'tenant=acme']);
    assert.equal(dec.code, 0, dec.stderr);
    assert.equal(sha(await readFile(f('back'))), sha(plain));
    assert.equal((await stat(f('back'))).mode & 0o777, 0o600, 'plaintext is written readable by its owner only');
  }
});

test('stdin → stdout both ways, "-" alike; --json summaries', async () => {
  const plain = randomBytes(70_000);
  const enc = await runCli(['encrypt', ...A(), '--frame-length', '4096'], { stdin: plain });
  assert.equal(enc.code, 0, enc.stderr);
  const dec = await runCli(['decrypt', '-i', '-', '-o', '-', ...A()], { stdin: enc.stdout });
  assert.equal(dec.code, 0, dec.stderr);
  assert.deepEqual(dec.stdout, plain);

  const j = await runCli(['encrypt', ...A(), '-o', f('j.sealed'), '-c', 'a=b', '--json'], { stdin: plain });
  assert.equal(j.code, 0, j.stderr);
  const s = JSON.parse(j.stdout.toString());
  assert.deepEqual({ ...s, seconds: 0 }, { command: 'encrypt', input: 'stdin', output: f('j.sealed'), plaintextBytes: plain.length, messageBytes: (await stat(f('j.sealed'))).size,
    suite: 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384', frameLength: 1048576, encryptionContext: { a: 'b' }, seconds: 0 });
  const jd = await runCli(['decrypt', ...A(), '-i', f('j.sealed'), '-o', f('j.back'), '--json']);
  assert.equal(jd.code, 0, jd.stderr);
  assert.equal(JSON.parse(jd.stdout.toString()).plaintextBytes, plain.length);
  // --json needs the data elsewhere than stdout.
  const bad = await runCli(['encrypt', ...A(), '--json'], { stdin: plain });
  assert.equal(bad.code, EXIT.USAGE);
  assert.equal(JSON.parse(bad.stdout.toString()).error.code, 'USAGE');
});

test('raw RSA: the public key encrypts, the private key decrypts, with each padding the API takes', async () => {
  for (const padding of ['OAEP_SHA256', 'OAEP_SHA1', 'PKCS1']) {
    const rsa = (which) => [`--rsa-${which}-key`, f(`rsa.${which === 'public' ? 'pub' : 'priv'}.pem`), '--key-namespace', 'cli', '--key-name', 'rsa-1', '--rsa-padding', padding];
    const enc = await runCli(['encrypt', ...rsa('public'), '-o', f('rsa.sealed')], { stdin: `sealed to RSA with ${padding}` });
    assert.equal(enc.code, 0, enc.stderr);
    const dec = await runCli(['decrypt', ...rsa('private'), '-i', f('rsa.sealed')]);
    assert.equal(dec.code, 0, dec.stderr);
    assert.equal(dec.stdout.toString(), `sealed to RSA with ${padding}`);
    // The public half alone cannot decrypt.
    const pubOnly = await runCli(['decrypt', ...rsa('public'), '-i', f('rsa.sealed')]);
    assert.equal(pubOnly.code, EXIT.NO_KEY);
    assert.equal(codeIn(pubOnly.stderr), 'KEYRING_CANNOT_DECRYPT');
  }
});

test('through a broker with an Authorization header (also from a headers file); refusals and an unreachable broker have their exit codes', async () => {
  const broker = ['--broker', `${server.url}/kms`, '--key-id', 'alias/demo'];
  const enc = await runCli(['encrypt', ...broker, '--header', 'Authorization: Bearer cli-test', '-o', f('b.sealed'), '-c', 'tenant=acme'], { stdin: 'through the broker' });
  assert.equal(enc.code, 0, enc.stderr);
  const info = await parseMessage(await readFile(f('b.sealed')));
  assert.equal(info.encryptedDataKeys[0].providerId, 'aws-kms');
  await writeFile(f('headers'), '# the broker\'s token\nAuthorization: Bearer cli-test\n');
  const dec = await runCli(['decrypt', ...broker, '--headers-file', f('headers'), '-i', f('b.sealed'), '-c', 'tenant=acme']);
  assert.equal(dec.code, 0, dec.stderr);
  assert.equal(dec.stdout.toString(), 'through the broker');

  const before = await listDir(dir);
  const denied = await runCli(['decrypt', ...broker, '--header', 'Authorization: Bearer wrong', '-i', f('b.sealed'), '-o', f('denied.out'), '--json']);
  assert.equal(denied.code, EXIT.KMS_REFUSED);
  assert.deepEqual(JSON.parse(denied.stdout.toString()).error, { code: 'ACCESS_DENIED', exitCode: EXIT.KMS_REFUSED, message: JSON.parse(denied.stdout.toString()).error.message });
  const down = await runCli(['encrypt', '--broker', 'http://127.0.0.1:9/kms', '--key-id', 'alias/demo', '--retries', '0', '-o', f('down.sealed')], { stdin: 'x' });
  assert.equal(down.code, EXIT.UNAVAILABLE);
  assert.equal(codeIn(down.stderr), 'BROKER_UNAVAILABLE');
  // A missing input fails before the broker is asked for a data key.
  const calls = audit.length;
  const missing = await runCli(['encrypt', ...broker, '--header', 'Authorization: Bearer cli-test', '-i', f('absent'), '-o', f('missing.sealed')]);
  assert.equal(missing.code, EXIT.IO);
  assert.equal(audit.length, calls, 'no KMS call for an input that cannot be read');
  const unwritable = await runCli(['encrypt', ...broker, '--header', 'Authorization: Bearer cli-test', '-o', f('absent-dir/x.sealed')], { stdin: 'x' });
  assert.equal(unwritable.code, EXIT.IO);
  assert.equal(audit.length, calls, 'nor for an output that cannot be written');
  assert.deepEqual(await listDir(dir), before, 'no output and no temporary file after a refusal');
  // AES key and broker together: the broker makes the data key, the AES key wraps it too; either opens the message.
  const both = await runCli(['encrypt', ...broker, '--header', 'Authorization: Bearer cli-test', ...A(), '-o', f('both.sealed')], { stdin: 'two keys' });
  assert.equal(both.code, 0, both.stderr);
  assert.deepEqual((await parseMessage(await readFile(f('both.sealed')))).encryptedDataKeys.map((k) => k.providerId), ['aws-kms', 'cli']);
  const byAes = await runCli(['decrypt', ...A(), '-i', f('both.sealed')]);
  assert.equal(byAes.stdout.toString(), 'two keys');
});

test('bad input: each failure has its documented exit code and error code, and leaves no output or temporary file', async () => {
  const plain = randomBytes(3 * 4096 + 100);
  await writeFile(f('p'), plain);
  assert.equal((await runCli(['encrypt', '-i', f('p'), '-o', f('m'), ...A(), '--frame-length', '4096', '-c', 'tenant=acme'])).code, 0);
  const m = await readFile(f('m'));
  const unsignedRun = await runCli(['encrypt', '-i', f('p'), '-o', f('u'), ...A(), '--suite', 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY']);
  assert.equal(unsignedRun.code, 0);
  const flip = (at) => { const b = Buffer.from(m); b[at] ^= 1; return b; };
  await writeFile(f('flip-last-frame'), flip(m.length - 200)); // the final frame: earlier frames were already written out
  await writeFile(f('flip-footer'), flip(m.length - 3));
  await writeFile(f('flip-header'), flip(10)); // the message id: the key commitment and header tag fail
  await writeFile(f('truncated'), m.subarray(0, m.length - 500));
  await writeFile(f('garbage'), 'not a message at all');
  await writeFile(f('empty'), '');
  const cases = [
    // [name, args, exit, code]
    ['a flipped bit in the last frame', ['decrypt', '-i', f('flip-last-frame'), ...A()], EXIT.TAMPERED, 'TAMPERED'],
    ['a flipped bit in the footer signature', ['decrypt', '-i', f('flip-footer'), ...A()], EXIT.TAMPERED, 'TAMPERED'],
    ['a flipped bit in the header', ['decrypt', '-i', f('flip-header'), ...A()], EXIT.TAMPERED, 'TAMPERED'],
    ['a truncated message', ['decrypt', '-i', f('truncated'), ...A()], EXIT.BAD_INPUT, 'MALFORMED_MESSAGE'],
    ['not a message', ['decrypt', '-i', f('garbage'), ...A()], EXIT.BAD_INPUT, 'MALFORMED_MESSAGE'],
    ['an empty input', ['decrypt', '-i', f('empty'), ...A()], EXIT.BAD_INPUT, 'MALFORMED_MESSAGE'],
    ['another AES key', ['decrypt', '-i', f('m'), '--aes-key', f('other.key'), '--key-namespace', 'cli', '--key-name', 'aes-1'], EXIT.NO_KEY, 'NO_DECRYPTABLE_DATA_KEY'],
    ['a required context pair the message lacks', ['decrypt', '-i', f('m'), ...A(), '-c', 'tenant=globex'], EXIT.POLICY, 'ENCRYPTION_CONTEXT_MISMATCH'],
    ['--require-signature on an unsigned message', ['decrypt', '-i', f('u'), ...A(), '--require-signature'], EXIT.POLICY, 'SIGNATURE_REQUIRED'],
    ['--max-body-size below the frame length', ['decrypt', '-i', f('m'), ...A(), '--max-body-size', '1024'], EXIT.BAD_INPUT, 'LIMIT_EXCEEDED'],
    ['--max-encrypted-data-keys 0', ['decrypt', '-i', f('m'), ...A(), '--max-encrypted-data-keys', '0'], EXIT.BAD_INPUT, 'INVALID_ARGUMENT'],
    ['an AES key file of 31 bytes', ['encrypt', '-i', f('p'), '--aes-key', f('m'), '--key-namespace', 'cli', '--key-name', 'x'], EXIT.BAD_INPUT, 'INVALID_ARGUMENT'],
    ['a reserved context key', ['encrypt', '-i', f('p'), ...A(), '-c', 'aws-crypto-public-key=x'], EXIT.BAD_INPUT, 'INVALID_ENCRYPTION_CONTEXT'],
    ['an unknown suite', ['encrypt', '-i', f('p'), ...A(), '--suite', 'AES_128_GCM_IV12_TAG16'], EXIT.BAD_INPUT, 'UNSUPPORTED_ALGORITHM'],
    ['a missing input file', ['decrypt', '-i', f('absent'), ...A()], EXIT.IO, 'IO'],
    ['a missing key file', ['decrypt', '-i', f('m'), '--aes-key', f('absent.key'), '--key-namespace', 'cli', '--key-name', 'aes-1'], EXIT.IO, 'IO'],
    ['an unknown option', ['decrypt', '-i', f('m'), ...A(), '--bogus'], EXIT.USAGE, 'USAGE'],
    ['no key', ['decrypt', '-i', f('m')], EXIT.USAGE, 'USAGE'],
    ['a context pair without =', ['decrypt', '-i', f('m'), ...A(), '-c', 'tenant'], EXIT.USAGE, 'USAGE'],
    ['a frame length that is not a number', ['encrypt', '-i', f('p'), ...A(), '--frame-length', '4k'], EXIT.USAGE, 'USAGE'],
    ['an option of the other command', ['decrypt', '-i', f('m'), ...A(), '--frame-length', '4096'], EXIT.USAGE, 'USAGE'],
    ['an unknown command', ['seal', '-i', f('m')], EXIT.USAGE, 'USAGE'],
  ];
  const before = await listDir(dir);
  for (const [name, args, exit, code] of cases) {
    const r = await runCli([...args, '-o', f('out'), '--json']);
    assert.equal(r.code, exit, `${name}: exit ${r.code}, stderr ${r.stderr}`);
    assert.equal(codeIn(r.stderr), code, `${name}: ${r.stderr}`);
    const answer = JSON.parse(r.stdout.toString());
    assert.equal(answer.error.code, code, name);
    assert.equal(answer.error.exitCode, exit, name);
    assert.deepEqual(await listDir(dir), before, `${name}: no output file, no temporary file`);
  }
  // The same failure with output to stdout: the exit code says it (stdout got what was released before the failure).
  const piped = await runCli(['decrypt', '-i', f('flip-last-frame'), ...A()]);
  assert.equal(piped.code, EXIT.TAMPERED);
});

test('an existing output file is replaced only when the command succeeds', async () => {
  await writeFile(f('keep'), 'the old content');
  await writeFile(f('bad.msg'), 'not a message');
  const r = await runCli(['decrypt', '-i', f('bad.msg'), '-o', f('keep'), ...A()]);
  assert.equal(r.code, EXIT.BAD_INPUT);
  assert.equal(await readFile(f('keep'), 'utf8'), 'the old content', 'a failed command leaves the old file as it was');
  const ok = await runCli(['encrypt', '-o', f('keep'), ...A()], { stdin: 'new' });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((await parseMessage(await readFile(f('keep')))).version, 2);
});

test('-o to a FIFO or a device writes into it (never renames over it); -o to a symbolic link replaces the file it points to', async () => {
  // The bug this catches: a rename over `-o /dev/null` once replaced the device with a file.
  const sub = await mkdtemp(join(dir, 'special-'));
  const fifo = join(sub, 'pipe');
  await promisify(execFile)('mkfifo', [fifo]);
  // The reader is a child (cat), so that a CLI that never opens the FIFO leaves nothing blocked here.
  const received = [];
  const cat = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
  cat.stdout.on('data', (c) => received.push(c));
  const reader = new Promise((ok) => cat.once('close', ok));
  const plain = randomBytes(50_000);
  const enc = await runCli(['encrypt', ...A(), '-o', fifo], { stdin: plain, timeoutMs: 20_000 });
  const stillFifo = (await lstat(fifo)).isFIFO();
  if (!stillFifo) cat.kill();
  assert.equal(enc.code, 0, enc.stderr);
  assert.ok(stillFifo, 'still a FIFO');
  await reader;
  const dec = await runCli(['decrypt', ...A()], { stdin: Buffer.concat(received) });
  assert.deepEqual(dec.stdout, plain, 'the message went through the FIFO');
  assert.deepEqual(await listDir(sub), ['pipe'], 'no temporary file');

  await writeFile(join(sub, 'real'), 'old');
  await symlink('real', join(sub, 'link'));
  const viaLink = await runCli(['encrypt', ...A(), '-o', join(sub, 'link')], { stdin: plain });
  assert.equal(viaLink.code, 0, viaLink.stderr);
  assert.ok((await lstat(join(sub, 'link'))).isSymbolicLink(), 'the link stays a link');
  assert.equal((await parseMessage(await readFile(join(sub, 'real')))).version, 2, 'the file it points to holds the message');
  assert.equal((await runCli(['encrypt', ...A(), '-o', sub], { stdin: plain })).code, EXIT.IO, 'a directory is an I/O error');
});

test('SIGINT in the middle of a stream: exit 130, the temporary file is removed', async () => {
  const sub = await mkdtemp(join(dir, 'sigint-'));
  let child;
  let stop;
  const stalled = new Promise((ok) => { stop = ok; });
  // Two frames' worth, then the input stalls: the first frames are in the temporary file.
  async function* input() { yield randomBytes(3 * 4096); await stalled; }
  const running = runCli(['encrypt', '-o', join(sub, 'out'), ...A(), '--frame-length', '4096'], { stdin: input(), onSpawn: (c) => { child = c; } });
  const deadline = Date.now() + 20_000;
  while ((await listDir(sub)).length === 0 && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 50));
  const during = await listDir(sub);
  assert.equal(during.length, 1);
  assert.match(during[0], /^\.out\.edge-kms-[0-9a-f]{12}\.tmp$/, 'a temporary file beside the target');
  child.kill('SIGINT');
  const r = await running;
  stop();
  assert.equal(r.code, EXIT.INTERRUPTED);
  assert.deepEqual(await listDir(sub), [], 'nothing left');
});

test('progress: a line with bytes, rate and ETA on stderr when it is a terminal, nothing otherwise', async () => {
  await writeFile(f('prog'), randomBytes(8 * 2 ** 20));
  // `script` gives the child a pseudo-terminal; the data still goes to a file.
  const cmd = [process.execPath, CLI, 'encrypt', '-i', f('prog'), '-o', f('prog.sealed'), ...A()].map((a) => `'${a}'`).join(' ');
  const { stdout } = await promisify(execFile)('script', ['-qefc', cmd, '/dev/null'], { maxBuffer: 1 << 20 });
  assert.match(stdout, /\rencrypting [\d.]+ (B|KiB|MiB) \/ 8\.0 MiB \d+%  [\d.]+ (B|KiB|MiB)\/s  ETA \S+/);
  assert.ok(stdout.endsWith('\r\x1b[K'), 'the line is cleared at the end');
  const quiet = await promisify(execFile)('script', ['-qefc', `${cmd} --no-progress`, '/dev/null']);
  assert.equal(quiet.stdout, '', '--no-progress');
  const notTty = await runCli(['encrypt', '-i', f('prog'), '-o', f('prog.sealed'), ...A()]);
  assert.equal(notTty.stderr, '', 'no progress when stderr is not a terminal');
});

test('inspect: the structure of a message with no key, as text and --json', async () => {
  const enc = await runCli(['encrypt', ...A(), '-o', f('i.sealed'), '--frame-length', '4096', '-c', 'tenant=acme'], { stdin: randomBytes(10_000) });
  assert.equal(enc.code, 0, enc.stderr);
  const j = await runCli(['inspect', '-i', f('i.sealed'), '--json']);
  assert.equal(j.code, 0, j.stderr);
  const info = JSON.parse(j.stdout.toString());
  assert.equal(info.authenticated, false);
  assert.equal(info.suiteId, '0x0578');
  assert.equal(info.frameLength, 4096);
  assert.equal(info.frameCount, 3);
  assert.equal(info.encryptionContext.tenant, 'acme');
  assert.equal(info.encryptedDataKeys[0].providerId, 'cli');
  assert.equal(info.hasSignature, true);
  const t = await runCli(['inspect'], { stdin: await readFile(f('i.sealed')) });
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout.toString(), /^nothing below is authenticated/);
  assert.match(t.stdout.toString(), /framed, 3 frames of 4096 bytes/);
  const bad = await runCli(['inspect', '--json'], { stdin: 'nope' });
  assert.equal(bad.code, EXIT.BAD_INPUT);
  assert.equal(JSON.parse(bad.stdout.toString()).error.code, 'MALFORMED_MESSAGE');
});

test('verify: KMS signatures offline (RAW, DIGEST, --prehash of a large file, base64 and PEM), false is exit 1', async () => {
  const message = Buffer.from('invoice 1234: 99.00 EUR');
  await writeFile(f('msg'), message);
  const sign = async (keyId, alg, msg, type = 'RAW') => (await kms.call('Sign', { KeyId: keyId, Message: msg, MessageType: type, SigningAlgorithm: alg })).Signature;
  const pub = async (keyId) => (await kms.call('GetPublicKey', { KeyId: keyId })).PublicKey;
  await writeFile(f('p256.der'), await pub('alias/sign-ecc-nist-p256'));
  await writeFile(f('p256.sig'), await sign('alias/sign-ecc-nist-p256', 'ECDSA_SHA_256', message));
  const v = (extra) => runCli(['verify', '--public-key', f('p256.der'), '--signing-algorithm', 'ECDSA_SHA_256', ...extra]);
  let r = await v(['--message', f('msg'), '--signature', f('p256.sig')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.toString(), /^valid: ECDSA_SHA_256 signature, ECC_NIST_P256 key, RAW message/);
  r = await runCli(['verify', '--public-key', f('p256.der'), '--signing-algorithm', 'ECDSA_SHA_256', '--signature', f('p256.sig'), '--json'], { stdin: message });
  assert.deepEqual(JSON.parse(r.stdout.toString()), { command: 'verify', valid: true, keySpec: 'ECC_NIST_P256', signingAlgorithm: 'ECDSA_SHA_256', messageType: 'RAW' });
  r = await runCli(['verify', '--public-key', f('p256.der'), '--signing-algorithm', 'ECDSA_SHA_256', '--signature', f('p256.sig'), '--json'], { stdin: 'invoice 1234: 9900.00 EUR' });
  assert.equal(r.code, EXIT.INVALID_SIGNATURE);
  assert.equal(JSON.parse(r.stdout.toString()).valid, false);
  // DIGEST: the file holds the hash.
  await writeFile(f('msg.sha256'), createHash('sha256').update(message).digest());
  r = await v(['--message', f('msg.sha256'), '--message-type', 'DIGEST', '--signature-base64', (await readFile(f('p256.sig'))).toString('base64')]);
  assert.equal(r.code, 0, r.stderr);
  // --prehash: a 5 MiB file verified streaming (RSASSA_PSS_SHA_384, KMS's salt length: the hash's), with the key as PEM.
  // The development KMS signs RAW messages only, so node:crypto (OpenSSL) signs this one.
  const big = randomBytes(5 * 2 ** 20);
  await writeFile(f('big'), big);
  const signer = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(f('rsa.pem'), signer.publicKey.export({ type: 'spki', format: 'pem' }));
  await writeFile(f('big.sig'), cryptoSign('sha384', big, { key: signer.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 }));
  r = await runCli(['verify', '--public-key', f('rsa.pem'), '--signing-algorithm', 'RSASSA_PSS_SHA_384', '--message', f('big'), '--prehash', '--signature', f('big.sig')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.toString(), /^valid: RSASSA_PSS_SHA_384 signature, RSA_2048 key, DIGEST message/);
  big[12345] ^= 1;
  await writeFile(f('big'), big);
  r = await runCli(['verify', '--public-key', f('rsa.pem'), '--signing-algorithm', 'RSASSA_PSS_SHA_384', '--message', f('big'), '--prehash', '--signature', f('big.sig')]);
  assert.equal(r.code, EXIT.INVALID_SIGNATURE);
  // Questions KMS would refuse are errors, not `false`.
  for (const [args, exit, code] of [
    [['--signing-algorithm', 'ECDSA_SHA_384', '--message', f('msg')], EXIT.BAD_INPUT, 'KEY_ALGORITHM_MISMATCH'],
    [['--signing-algorithm', 'ECDSA_SHA_256', '--message', f('big')], EXIT.BAD_INPUT, 'MESSAGE_TOO_LONG'],
    [['--signing-algorithm', 'ECDSA_SHA_256', '--message', f('msg'), '--message-type', 'DIGEST'], EXIT.BAD_INPUT, 'INVALID_DIGEST_LENGTH'],
    [['--signing-algorithm', 'SM2DSA', '--message', f('msg')], EXIT.BAD_INPUT, 'UNSUPPORTED_ALGORITHM'],
    [['--signing-algorithm', 'ECDSA_SHA_256'], EXIT.USAGE, 'USAGE'], // no --public-key below
  ]) {
    const withKey = code === 'USAGE' ? args : ['--public-key', f('p256.der'), ...args];
    r = await runCli(['verify', ...withKey, '--signature', f('p256.sig')]);
    assert.equal(r.code, exit, `${code}: ${r.stderr}`);
    assert.equal(codeIn(r.stderr), code);
  }
  await writeFile(f('not-a-key'), 'hello');
  r = await runCli(['verify', '--public-key', f('not-a-key'), '--signing-algorithm', 'ECDSA_SHA_256', '--message', f('msg'), '--signature', f('p256.sig')]);
  assert.equal(r.code, EXIT.BAD_INPUT);
  assert.equal(codeIn(r.stderr), 'MALFORMED_PUBLIC_KEY');
});

test('re-encrypt: the same data key and frames under new keys; the old keys no longer open it unless kept; a bad original writes nothing', async () => {
  const plain = randomBytes(3 * 4096 + 9);
  await writeFile(f('re.plain'), plain);
  assert.equal((await runCli(['encrypt', '-i', f('re.plain'), '-o', f('re.orig'), ...A(), '--frame-length', '4096', '-c', 'tenant=acme'])).code, 0);
  const broker = ['--broker', `${server.url}/kms`, '--key-id', 'alias/demo', '--header', 'Authorization: Bearer cli-test'];
  const to = ['--to-broker', `${server.url}/kms`, '--to-key-id', 'alias/demo', '--to-header', 'Authorization: Bearer cli-test'];
  const r = await runCli(['re-encrypt', '-i', f('re.orig'), '-o', f('re.new'), ...A(), ...to, '-c', 'tenant=acme', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout.toString()).command, 're-encrypt');
  const [orig, next] = [await parseMessage(await readFile(f('re.orig'))), await parseMessage(await readFile(f('re.new')))];
  assert.deepEqual(next.messageId, orig.messageId, 'the same message id (and data key)');
  assert.equal(next.frameCount, orig.frameCount);
  assert.deepEqual(next.encryptedDataKeys.map((k) => k.providerId), ['aws-kms']);
  const viaBroker = await runCli(['decrypt', '-i', f('re.new'), ...broker, '-c', 'tenant=acme']);
  assert.equal(viaBroker.code, 0, viaBroker.stderr);
  assert.equal(sha(viaBroker.stdout), sha(plain));
  const oldKey = await runCli(['decrypt', '-i', f('re.new'), ...A()]);
  assert.equal(oldKey.code, EXIT.NO_KEY, 'the old key is not in the new message');
  // Keeping the old key: the new keys are a multi-keyring.
  const both = await runCli(['re-encrypt', '-i', f('re.orig'), ...A(), ...to, '--to-aes-key', f('aes.key'), '--to-key-namespace', 'cli', '--to-key-name', 'aes-1']);
  assert.equal(both.code, 0, both.stderr);
  assert.deepEqual((await parseMessage(both.stdout)).encryptedDataKeys.map((k) => k.providerId), ['aws-kms', 'cli']);
  // A tampered original, a required pair it lacks, a missing --to key: the exit code, and nothing written.
  const m = await readFile(f('re.orig'));
  m[m.length - 300] ^= 1;
  await writeFile(f('re.bad'), m);
  const before = await listDir(dir);
  for (const [args, exit] of [
    [['-i', f('re.bad'), ...A(), ...to], EXIT.TAMPERED],
    [['-i', f('re.orig'), ...A(), ...to, '-c', 'tenant=globex'], EXIT.POLICY],
    [['-i', f('re.orig'), ...A()], EXIT.USAGE],
    [['-i', f('re.orig'), ...A(), '--to-aes-key', f('aes.key')], EXIT.USAGE],
  ]) {
    const bad = await runCli(['re-encrypt', ...args, '-o', f('re.out')]);
    assert.equal(bad.code, exit, bad.stderr);
    assert.deepEqual(await listDir(dir), before);
  }
});

test('exit codes: every EdgeKmsError code has a class, and the README table is the table the CLI uses', async () => {
  for (const code of ERROR_CODES) assert.ok(KNOWN_CODES.includes(code), `${code} has an exit code`);
  for (const code of KNOWN_CODES) assert.ok(ERROR_CODES.includes(code) || code === 'USAGE' || code === 'IO', `${code} is a real code`);
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Command line'));
  assert.ok(section.length > 0 && readme.includes('## Command line'), 'README has a "Command line" section');
  const table = section.slice(section.indexOf('| exit |'), section.indexOf('\n\n', section.indexOf('| exit |')));
  const rows = [...table.matchAll(/^\| (\d+) \|(.*)$/gm)].map((m) => [Number(m[1]), m[2]]);
  assert.deepEqual(rows.map(([n]) => n).toSorted((a, b) => a - b), [...new Set(Object.values(EXIT))].toSorted((a, b) => a - b), 'one row per exit code');
  for (const code of KNOWN_CODES) {
    const n = EXIT[classOf(code)];
    const row = rows.find(([m]) => m === n);
    assert.ok(row && row[1].includes(`\`${code}\``), `README row of exit ${n} lists \`${code}\``);
  }
});

test('the CLI type-checks against the published .d.ts (tsc --checkJs --strict)', { timeout: 60_000 }, async () => {
  const root = new URL('../../', import.meta.url);
  await promisify(execFile)(join(root.pathname, 'node_modules/.bin/tsc'), ['--noEmit', '--allowJs', '--checkJs', '--strict', '--module', 'nodenext',
    '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--skipLibCheck', CLI], { cwd: root.pathname, timeout: 50_000 })
    .catch((e) => { throw new Error(`tsc failed:\n${e.stdout}${e.stderr}`); });
});
