// Streaming in constant memory, measured (issue 4): 256 MiB through
// encryptStream and then decryptStream in one pipeline, in a child process so
// that its peak RSS (process.resourceUsage().maxRSS) is the pipeline's own.
// Holding the input, the message or the output would each add 256 MiB; the
// bound asserted is 200 MiB above the warmed-up baseline. The output's SHA-256
// must equal the input's. EDGE_KMS_STREAM_MIB changes the size (default 256).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_FRAME_LENGTH } from 'edge-kms';

const mib = Number(process.env.EDGE_KMS_STREAM_MIB ?? 256);
const FRAME = DEFAULT_FRAME_LENGTH; // what the child's EnvelopeClient uses

test(`encryptStream → decryptStream of ${mib} MiB: output SHA-256 = input's, peak RSS < baseline + 200 MiB`, { timeout: 180_000 }, async (t) => {
  const child = fileURLToPath(new URL('./e2e/stream-memory-child.js', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [child, '--mib', String(mib)], { timeout: 170_000, maxBuffer: 1 << 20 });
  const r = JSON.parse(stdout);
  t.diagnostic(`${mib} MiB in ${r.seconds} s (${r.mibPerSecond} MiB/s both ways), maxRSS ${r.baselineMiB} MiB → ${r.peakMiB} MiB (+${r.peakMiB - r.baselineMiB}), control +${r.controlMiB} MiB for 64 MiB held`);
  assert.equal(r.plainBytes, mib * 2 ** 20, 'every byte came back');
  assert.match(r.inputSha256, /^[0-9a-f]{64}$/);
  assert.equal(r.outputSha256, r.inputSha256);
  // One message: each full frame adds sequence number, IV and tag (32 bytes); header, final frame and footer a few hundred.
  const frames = Math.ceil(r.plainBytes / FRAME);
  assert.ok(r.sealedBytes > r.plainBytes + frames * 32 && r.sealedBytes < r.plainBytes + frames * 32 + 4096, `sealed ${r.sealedBytes} bytes`);
  assert.ok(r.controlMiB >= 56, `maxRSS must see a 64 MiB allocation (saw +${r.controlMiB} MiB)`);
  assert.ok(r.peakMiB - r.baselineMiB < 200, `peak RSS grew by ${r.peakMiB - r.baselineMiB} MiB`);
});
