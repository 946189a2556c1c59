#!/usr/bin/env node
// The command line beside its peer, the AWS Encryption SDK's own
// `aws-encryption-cli` (Python, OpenSSL through `cryptography`), in the same
// run (a script, not a test). Both use one KMS key on moto (loopback): edge-kms
// through a broker (createBroker over a KMSClient, in this process), the peer
// straight to moto (AWS_ENDPOINT_URL). A file of --mib MiB (default 256,
// random) is encrypted and the result decrypted by each tool, each run a fresh
// process (wall seconds and peak RSS from getrusage, by a python3 wrapper), in --slices
// interleaved slices; the median is reported. Process start-up is included
// (it is part of what a user waits for): a 1 MiB row shows it.
//
//   node bench/cli.bench.js [--mib 256] [--slices 3]
import { execFile } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { KMSClient, CreateKeyCommand } from '@aws-sdk/client-kms';
import { createBroker } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';
import { startMoto } from '../tests/js/servers.js';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '256' }, slices: { type: 'string', default: '3' } } });
const MIB = Number(values.mib), SLICES = Number(values.slices);
const CLI = fileURLToPath(new URL('../src/js/cli/edge-kms.js', import.meta.url));
const run = promisify(execFile);
const region = 'us-east-1';

const moto = await startMoto();
const kms = new KMSClient({ region, endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
const keyArn = (await kms.send(new CreateKeyCommand({ Description: 'cli bench' }))).KeyMetadata.Arn;
const broker = await serve(createBroker({ kms, keyIds: [keyArn], basePath: '/kms', authorize: () => ({ allow: true, principal: 'bench' }) }), { port: 0 });
const dir = await mkdtemp(join(tmpdir(), 'edge-kms-cli-bench-'));
const env = { ...process.env, AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEFAULT_REGION: region };

/** Writes `mib` MiB of AES-CTR keystream (incompressible) to `path`; returns its SHA-256. */
async function makeFile(path, mib) {
  const gen = createCipheriv('aes-128-ctr', Buffer.alloc(16, 9), Buffer.alloc(16, 0));
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const zeros = Buffer.alloc(1 << 20);
  for (let i = 0; i < mib; i++) {
    const chunk = gen.update(zeros);
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise((ok) => out.once('drain', ok));
  }
  await new Promise((ok, fail) => out.end((e) => (e ? fail(e) : ok())));
  return hash.digest('hex');
}

// Wall time and peak RSS of one child (getrusage(RUSAGE_CHILDREN).ru_maxrss, KiB on Linux), measured the same
// way for both tools by a small python3 wrapper (python3 is already needed for moto; no GNU time needed).
const TIMER = 'import resource, subprocess, sys, time\n'
  + 't = time.monotonic(); r = subprocess.run(sys.argv[1:]); e = time.monotonic() - t\n'
  + 'print("TIME %.3f %d" % (e, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss), file=sys.stderr); sys.exit(r.returncode)';

/** One timed process: { seconds, rssMiB }. */
async function timed(cmd, args) {
  const { stderr } = await run('python3', ['-c', TIMER, cmd, ...args], { env, maxBuffer: 1 << 20 });
  const m = /TIME ([\d.]+) (\d+)\s*$/.exec(stderr);
  if (!m) throw new Error(`no timing in: ${stderr}`);
  return { seconds: Number(m[1]), rssMiB: Number(m[2]) / 1024 };
}

const ours = ['--broker', `${broker.url}/kms`, '--key-id', keyArn];
const theirs = ['-w', 'provider=aws-kms', `key=${keyArn}`, '-S'];
const SUITES = { signed: 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384', unsigned: 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY' };
/** name → [encrypt(in, out), decrypt(in, out)] */
const tools = {
  'edge-kms, 1 MiB frames': (suite) => [
    (i, o) => timed(process.execPath, [CLI, 'encrypt', ...ours, '--suite', SUITES[suite], '-i', i, '-o', o]),
    (i, o) => timed(process.execPath, [CLI, 'decrypt', ...ours, '-i', i, '-o', o]),
  ],
  'aws-encryption-cli, 4 KiB frames (its default)': (suite) => [
    (i, o) => timed('aws-encryption-cli', ['-e', ...theirs, '--algorithm', SUITES[suite], '-i', i, '-o', o]),
    (i, o) => timed('aws-encryption-cli', [suite === 'signed' ? '-d' : '--decrypt-unsigned', ...theirs, '-i', i, '-o', o]),
  ],
  'aws-encryption-cli, 1 MiB frames': (suite) => [
    (i, o) => timed('aws-encryption-cli', ['-e', ...theirs, '--algorithm', SUITES[suite], '--frame-length', '1048576', '-i', i, '-o', o]),
    (i, o) => timed('aws-encryption-cli', [suite === 'signed' ? '-d' : '--decrypt-unsigned', ...theirs, '-i', i, '-o', o]),
  ],
};
const median = (xs) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  console.log(`edge-kms CLI vs aws-encryption-cli ${(await run('aws-encryption-cli', ['--version'])).stdout.trim()}; KMS on moto; wall time of a fresh process, median of ${SLICES}; peak RSS (getrusage of the child)`);
  console.log('| size | suite | op | tool | seconds | MiB/s | peak RSS MiB | time / aws-encryption-cli default |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const mib of [1, MIB]) {
    const plain = join(dir, `plain-${mib}`);
    const sha = await makeFile(plain, mib);
    for (const suite of Object.keys(SUITES)) {
      /** @type {Record<string, { encrypt: any[], decrypt: any[] }>} */
      const results = {};
      for (let s = 0; s < SLICES; s++) {
        for (const [name, make] of Object.entries(tools)) {
          const [enc, dec] = make(suite);
          const sealed = join(dir, 'sealed'), back = join(dir, 'back');
          const e = await enc(plain, sealed);
          const d = await dec(sealed, back);
          if (createHash('sha256').update(await readFile(back)).digest('hex') !== sha) throw new Error(`${name}: round trip differs`);
          await rm(sealed); await rm(back);
          (results[name] ??= { encrypt: [], decrypt: [] }).encrypt.push(e);
          results[name].decrypt.push(d);
        }
      }
      for (const op of ['encrypt', 'decrypt']) {
        const base = median(results['aws-encryption-cli, 4 KiB frames (its default)'][op].map((r) => r.seconds));
        for (const [name, r] of Object.entries(results)) {
          const sec = median(r[op].map((x) => x.seconds));
          const rss = median(r[op].map((x) => x.rssMiB));
          console.log(`| ${mib} MiB | ${suite} | ${op} | ${name} | ${sec.toFixed(2)} | ${(mib / sec).toFixed(0)} | ${rss.toFixed(0)} | ${(sec / base).toFixed(2)}× |`);
        }
      }
    }
    await rm(plain);
  }
} finally {
  await broker.close();
  kms.destroy();
  await moto.stop();
  await rm(dir, { recursive: true, force: true });
}
