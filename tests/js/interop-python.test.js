// Interop both ways with the AWS Encryption SDK for Python (the library under
// `aws-encryption-cli`, installed by pkg-scripts/setup), with raw AES keys: our
// messages at every frame edge, from each engine, one-shot and streamed, both
// suites, open in the Python SDK; its messages open in ours. The Python SDK
// refuses a final frame as long as the frame length (its deserialize_frame:
// "Invalid final frame length"), which the specification allows and which we
// wrote for an exact multiple of the frame length until 2026-12-04: an exact
// multiple now ends with an empty final frame, as the Python SDK writes it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EnvelopeClient, RawAesKeyring, parseMessage, DEFAULT_FRAME_LENGTH } from 'edge-kms';
import { pythonRawAesKeys } from './python-sdk.js';

const run = promisify(execFile);
const SUITES = { AES_256_GCM_HKDF_SHA512_COMMIT_KEY: 0x0478, AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384: 0x0578 };
const F = 64;
const SIZES = [0, 1, F - 1, F, F + 1, 2 * F, 3 * F + 7, 4 * F];
const key = randomBytes(32);
const keyring = new RawAesKeyring({ keyNamespace: 'edge-kms/py', keyName: 'aes-256', wrappingKey: key });
const pattern = (n) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + 7) & 0xff);
const sha = (b) => createHash('sha256').update(b).digest('hex');
let dir;

// Decrypts (or encrypts) every file of a manifest with the Python SDK; prints one JSON object.
const PYTHON = pythonRawAesKeys({ providerId: 'edge-kms/py', keyName: 'aes-256', dirArg: 2 }) + String.raw`
client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT)
out = {}
for item in json.load(open(d + '/manifest.json')):
    name = item['name']
    try:
        if sys.argv[1] == 'decrypt':
            pt, _ = client.decrypt(source=open(d + '/' + name, 'rb').read(), key_provider=keys)
            out[name] = hashlib.sha256(pt).hexdigest()
        else:
            pt = bytes((i * 131 + 7) & 0xff for i in range(item['size']))
            ct, _ = client.encrypt(source=pt, key_provider=keys, frame_length=item['frame'],
                                   algorithm=Algorithm.get_by_id(item['suite']), encryption_context={'from': 'python'})
            open(d + '/' + name, 'wb').write(ct)
            out[name] = 'written'
    except Exception as e:
        out[name] = type(e).__name__ + ': ' + str(e)
print(json.dumps(out))
`;

async function python(mode, manifest) {
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  const { stdout } = await run('python3', ['-c', PYTHON, mode, dir], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout);
}

async function sealStream(client, pt) {
  const chunks = [];
  const rs = new ReadableStream({ start(c) { for (let i = 0; i < pt.length; i += 23) c.enqueue(pt.slice(i, i + 23)); c.close(); } });
  await rs.pipeThrough(client.encryptStream()).pipeTo(new WritableStream({ write(c) { chunks.push(c); } }));
  return Buffer.concat(chunks);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edge-kms-py-'));
  await writeFile(join(dir, 'key'), key);
});
after(() => rm(dir, { recursive: true, force: true }));

test('the Python SDK opens our messages at every frame edge: each engine, one-shot and streamed, both suites', { timeout: 120_000 }, async () => {
  const manifest = [];
  const expected = {};
  for (const suite of Object.keys(SUITES)) {
    for (const engine of ['wasm', 'native']) {
      const cases = [...SIZES.map((n) => [F, n]), [undefined, DEFAULT_FRAME_LENGTH]];
      for (const [frameLength, n] of cases) {
        const c = new EnvelopeClient({ keyring, suite, engine, ...(frameLength ? { frameLength } : {}) });
        const pt = pattern(n);
        for (const way of n > 4 * F ? ['oneshot'] : ['oneshot', 'stream']) {
          const msg = way === 'oneshot' ? await c.encrypt(pt) : await sealStream(c, pt);
          const info = await parseMessage(msg);
          // Whole frames, then the rest: an exact multiple ends with an empty final frame.
          assert.equal(info.frameCount, Math.floor(n / (frameLength ?? DEFAULT_FRAME_LENGTH)) + 1, `${suite} ${engine} ${way} ${n}`);
          const name = `${SUITES[suite].toString(16)}-${engine}-${way}-${frameLength ?? 'default'}-${n}.bin`;
          await writeFile(join(dir, name), msg);
          manifest.push({ name });
          expected[name] = sha(pt);
        }
      }
    }
  }
  const got = await python('decrypt', manifest);
  for (const { name } of manifest) assert.equal(got[name], expected[name], `the Python SDK opens ${name}`);
});

test('our every engine opens the Python SDK\'s messages at every frame edge', { timeout: 120_000 }, async () => {
  // The Python SDK writes frame lengths that are multiples of 128 only.
  const frame = 128;
  const sizes = [0, 1, frame - 1, frame, frame + 1, 2 * frame, 3 * frame + 7];
  const manifest = Object.values(SUITES).flatMap((suite) => sizes.map((size) => ({ name: `py-${suite.toString(16)}-${size}.bin`, suite, size, frame })));
  const written = await python('encrypt', manifest);
  for (const m of manifest) {
    assert.equal(written[m.name], 'written', m.name);
    const msg = await readFile(join(dir, m.name));
    for (const engine of ['wasm', 'native', 'auto']) {
      const { plaintext, encryptionContext } = await new EnvelopeClient({ keyring, engine }).decrypt(msg);
      assert.deepEqual(plaintext, pattern(m.size), `${m.name} on ${engine}`);
      assert.equal(encryptionContext.from, 'python');
    }
  }
});
