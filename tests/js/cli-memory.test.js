// The CLI streams in constant memory (issue 12, section 2): 256 MiB of
// generated input through `edge-kms encrypt` (stdin → file) and back through
// `edge-kms decrypt` (file → stdout), each CLI process reporting its own peak
// RSS as it exits (process.resourceUsage().maxRSS, via
// tests/js/e2e/rss-on-exit.mjs). Holding the input, the message or the output
// would add 256 MiB; the bound is the baseline (the same commands on 1 MiB)
// plus 100 MiB. A control shows the measurement sees buffering: `inspect`,
// which reads a message whole, of a 64 MiB message. The 1 GiB run is
// tests/js/cli-1gib.test.js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measuredRoundTrip, runCli, generatedInput } from './cli-helpers.js';

let dir, keys;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edge-kms-cli-memory-'));
  await writeFile(join(dir, 'aes.key'), randomBytes(32));
  keys = ['--aes-key', join(dir, 'aes.key'), '--key-namespace', 'cli', '--key-name', 'memory'];
});
after(() => rm(dir, { recursive: true, force: true }));

test('CLI round trip of 256 MiB: output SHA-256 = input\'s, each process\'s peak RSS < its 1 MiB baseline + 100 MiB', { timeout: 300_000 }, async (t) => {
  const base = await measuredRoundTrip(dir, 1, keys);
  const r = await measuredRoundTrip(dir, 256, keys);
  // Control: inspect reads a message whole, so 64 MiB of message must show in its peak RSS.
  const sealed = join(dir, 'control.sealed');
  assert.equal((await runCli(['encrypt', ...keys, '-o', sealed], { stdin: generatedInput(64 * 2 ** 20) })).code, 0);
  const ctl = await runCli(['inspect', '-i', sealed], { rssFile: join(dir, 'inspect.rss') });
  assert.equal(ctl.code, 0, ctl.stderr);
  const controlMiB = Math.round(Number(await readFile(join(dir, 'inspect.rss'), 'utf8')) / 1024) - base.decryptPeakMiB;
  t.diagnostic(`256 MiB: encrypt ${r.encryptSeconds.toFixed(1)} s, peak ${r.encryptPeakMiB} MiB (1 MiB: ${base.encryptPeakMiB}); decrypt ${r.decryptSeconds.toFixed(1)} s, peak ${r.decryptPeakMiB} MiB (1 MiB: ${base.decryptPeakMiB}); control +${controlMiB} MiB for a 64 MiB message read whole`);
  assert.equal(r.plainBytes, 256 * 2 ** 20);
  assert.equal(r.outputSha256, r.inputSha256);
  assert.ok(r.sealedBytes > r.plainBytes && r.sealedBytes < r.plainBytes + 256 * 32 + 4096, `sealed ${r.sealedBytes} bytes`);
  assert.ok(controlMiB >= 56, `maxRSS must see a 64 MiB message held (saw +${controlMiB} MiB)`);
  assert.ok(r.encryptPeakMiB - base.encryptPeakMiB < 100, `encrypt peak grew by ${r.encryptPeakMiB - base.encryptPeakMiB} MiB`);
  assert.ok(r.decryptPeakMiB - base.decryptPeakMiB < 100, `decrypt peak grew by ${r.decryptPeakMiB - base.decryptPeakMiB} MiB`);
});
