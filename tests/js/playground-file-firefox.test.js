// The playground's file step in real Firefox (Debian's firefox-esr, headless,
// driven over WebDriver BiDi by tests/js/e2e/firefox-file-child.js) against
// the demo server: Firefox has no save picker, so the page must choose the
// origin private file system; a file generated in the page is sealed, the
// sealed file opened back (SHA-256 equal), a tampered copy refused with
// TAMPERED, nothing offered, no staged output left. Then a file of
// EDGE_KMS_FILE_MIB MiB (default 1024) on disk, set on the file input (BiDi
// input.setFiles), sealed, its staged message opened back and compared with
// the input in the page, 4 MiB at a time; Firefox's content processes'
// resident set (Linux /proc VmRSS, sampled every 200 ms by the child) must
// grow by less than 384 MiB while it seals and opens (measured: +187 MiB for
// 1 GiB, +199 MiB for 256 MiB). Holding the file would add 1 GiB. A
// control: the page then holds 512 MiB, which must show as 384 MiB or more
// above the level before the run (the measure sees what a page holds).
// FIREFOX_PATH overrides /usr/bin/firefox-esr (pkg-scripts/setup installs it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startDemoServer } from './demo-server.js';

const child = fileURLToPath(new URL('./e2e/firefox-file-child.js', import.meta.url));
let demo, base;

before(async () => {
  demo = await startDemoServer(['--quiet']);
  base = demo.base;
});

after(async () => {
  await demo?.stop();
});

test('Firefox: a 16 MiB file sealed and opened back through the origin private file system; a tampered copy refused', { timeout: 180_000 }, async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--experimental-websocket', '--no-warnings', child, '--base', base, '--mib', '16'], { timeout: 170_000, maxBuffer: 1 << 20 });
  const r = JSON.parse(stdout.trim().split('\n').at(-1));
  t.diagnostic(`Firefox ${r.session}: sealed ${r.sealedBytes} bytes, opened ${r.open.bytes}`);
  assert.match(r.userAgent, /Firefox\//);
  assert.equal(r.ready, 'true', 'the page and its WebAssembly core loaded');
  assert.equal(r.mode, 'opfs', 'no save picker in Firefox: the origin private file system');
  assert.equal(r.pickerOffered, false);
  assert.equal(r.seal.outcome, 'seal-ok');
  assert.equal(r.seal.mode, 'opfs');
  assert.equal(r.sealedName, 'firefox.bin.encrypted');
  assert.deepEqual(r.sealedHeader, [0x02, 0x05, 0x78], 'a version 2 message, suite 0x0578');
  assert.equal(String(r.sealedBytes), r.seal.bytes);
  assert.equal(r.open.outcome, 'open-ok');
  assert.equal(r.openName, 'firefox.bin');
  assert.equal(r.open.bytes, String(16 * 2 ** 20 + 12345));
  assert.equal(r.outputSha256, r.inputSha256, 'the opened file is the input, byte for byte');
  assert.equal(r.stagedAfterOpen, 2, 'the sealed and the opened output, each kept while offered');
  assert.equal(r.tampered.outcome, 'open-failed');
  assert.equal(r.tampered.code, 'TAMPERED');
  assert.equal(r.tamperedLink, false, 'nothing offered');
  assert.equal(r.stagedAfterTamper, 1, 'the refused output was thrown away (the sealed one stays)');
});

test(`Firefox: a ${Number(process.env.EDGE_KMS_FILE_MIB ?? 1024)} MiB file from disk sealed and opened back, content process memory bounded`, { timeout: 600_000 }, async (t) => {
  const mib = Number(process.env.EDGE_KMS_FILE_MIB ?? 1024);
  const dir = await mkdtemp(join(tmpdir(), 'edge-kms-ff-file-'));
  try {
    const path = join(dir, 'big.bin');
    const ctr = createCipheriv('aes-128-ctr', randomBytes(16), randomBytes(16));
    const w = createWriteStream(path);
    const zeros = Buffer.alloc(4 * 2 ** 20);
    for (let i = 0; i < mib; i += 4) if (!w.write(ctr.update(zeros.subarray(0, Math.min(4, mib - i) * 2 ** 20)))) await once(w, 'drain');
    w.end();
    await once(w, 'finish');
    const { stdout } = await promisify(execFile)(process.execPath, ['--experimental-websocket', '--no-warnings', child, '--base', base, '--file', path], { timeout: 590_000, maxBuffer: 1 << 20 });
    const r = JSON.parse(stdout.trim().split('\n').at(-1));
    t.diagnostic(`seal ${r.seal.seconds.toFixed(1)} s, open ${r.open.seconds.toFixed(1)} s; content processes ${r.contentBaseMiB} MiB before, +${r.contentGrowthMiB} MiB at the peak; control: 512 MiB held shows as +${r.controlMiB} MiB over the level before the run (+${r.controlFromBeforeMiB} MiB over the level just before the hold)`);
    assert.equal(r.ready, 'true');
    assert.equal(r.size, mib * 2 ** 20, 'the page got the file from disk');
    assert.equal(r.seal.outcome, 'seal-ok');
    assert.equal(r.open.outcome, 'open-ok');
    assert.equal(r.openedSize, mib * 2 ** 20);
    assert.equal(r.same, true, 'the opened file is the input, byte for byte');
    assert.ok(r.controlMiB >= 384, `a page holding 512 MiB must show 384 MiB or more above the level before the run (saw +${r.controlMiB} MiB)`);
    assert.ok(r.contentGrowthMiB < 384, `content processes grew by ${r.contentGrowthMiB} MiB`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
