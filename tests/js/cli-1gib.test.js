// The CLI's 1 GiB round trip (issue 12, section 2): the same measurement as
// tests/js/cli-memory.test.js (each CLI process's own peak RSS, a 1 MiB
// baseline) on 1 GiB of generated input, stdin → `edge-kms encrypt -o FILE` →
// `edge-kms decrypt -i FILE` → stdout. The bound is the same 100 MiB above the
// baseline as for 256 MiB: memory must not grow with the file. About 26 s on
// two idle shared cores (65 s under a load average of 10); it writes a 1 GiB
// temporary file, removed at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measuredRoundTrip } from './cli-helpers.js';

let dir, keys;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edge-kms-cli-1gib-'));
  await writeFile(join(dir, 'aes.key'), randomBytes(32));
  keys = ['--aes-key', join(dir, 'aes.key'), '--key-namespace', 'cli', '--key-name', '1gib'];
});
after(() => rm(dir, { recursive: true, force: true }));

test('CLI round trip of 1 GiB: output SHA-256 = input\'s, each process\'s peak RSS < its 1 MiB baseline + 100 MiB', { timeout: 600_000 }, async (t) => {
  const base = await measuredRoundTrip(dir, 1, keys);
  const r = await measuredRoundTrip(dir, 1024, keys);
  t.diagnostic(`1 GiB: encrypt ${r.encryptSeconds.toFixed(1)} s (${(1024 / r.encryptSeconds).toFixed(0)} MiB/s), peak ${r.encryptPeakMiB} MiB (1 MiB: ${base.encryptPeakMiB}); decrypt ${r.decryptSeconds.toFixed(1)} s (${(1024 / r.decryptSeconds).toFixed(0)} MiB/s), peak ${r.decryptPeakMiB} MiB (1 MiB: ${base.decryptPeakMiB})`);
  assert.equal(r.plainBytes, 2 ** 30);
  assert.equal(r.outputSha256, r.inputSha256);
  assert.ok(r.sealedBytes > r.plainBytes && r.sealedBytes < r.plainBytes + 1024 * 32 + 4096, `sealed ${r.sealedBytes} bytes`);
  assert.ok(r.encryptPeakMiB - base.encryptPeakMiB < 100, `encrypt peak grew by ${r.encryptPeakMiB - base.encryptPeakMiB} MiB`);
  assert.ok(r.decryptPeakMiB - base.decryptPeakMiB < 100, `decrypt peak grew by ${r.decryptPeakMiB - base.decryptPeakMiB} MiB`);
});
