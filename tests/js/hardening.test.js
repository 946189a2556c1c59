// Issue 9, Node only: what a message's frame count can cost a reader (peak RSS
// of a fresh process, so nothing else in the run moves the figure), and
// lengths that do not fit 32 bits crossing into the core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { EnvelopeClient, RawAesKeyring } from 'edge-kms';

const keyring = () => new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: new Uint8Array(32).fill(5) });

/**
 * Runs `body` (an async function body with `EnvelopeClient`, `keyring`, `msg`
 * in scope) in a fresh Node process after sealing `msg`; returns the growth
 * of peak RSS the body caused, in MiB, and what it printed.
 */
function peakGrowth(seal, body) {
  const script = `
    import { EnvelopeClient, RawAesKeyring } from 'edge-kms';
    const keyring = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: new Uint8Array(32).fill(5) });
    const msg = await (${seal})(EnvelopeClient, keyring);
    globalThis.gc();
    const before = process.resourceUsage().maxRSS;
    const out = await (async () => { ${body} })();
    const after = process.resourceUsage().maxRSS;
    console.log(JSON.stringify({ mib: (after - before) / 1024, msgBytes: msg.length, out }));`;
  const raw = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { cwd: process.cwd(), encoding: 'utf8' });
  return JSON.parse(raw.trim().split('\n').pop());
}

// 100,000 one-byte frames, signed: 3.3 MB. The review measured +330 MiB and 4 s
// for the default reader before the fix (all frames to WebCrypto at once).
const TINY = `async (EnvelopeClient, keyring) => {
  const pt = new Uint8Array(100_000).fill(7);
  return new EnvelopeClient({ keyring, frameLength: 1, engine: 'wasm' }).encrypt(pt);
}`;

for (const engine of ['auto', 'native', 'wasm']) {
  test(`a message of 100,000 one-byte frames costs a bounded multiple of its size to open [${engine}]`, () => {
    const r = peakGrowth(TINY, `
      const t = performance.now();
      const { plaintext } = await new EnvelopeClient({ keyring, engine: '${engine}' }).decrypt(msg);
      return { ok: plaintext.length === 100_000 && plaintext.every((b) => b === 7), ms: performance.now() - t };`);
    assert.ok(r.out.ok, 'opened');
    const bound = 10 * r.msgBytes / 2 ** 20 + 16; // 10x the message plus 16 MiB
    console.log(`# ${engine}: +${r.mib.toFixed(1)} MiB peak RSS for a ${(r.msgBytes / 2 ** 20).toFixed(1)} MiB message, ${r.out.ms.toFixed(0)} ms (bound ${bound.toFixed(0)} MiB)`);
    assert.ok(r.mib < bound, `peak RSS grew ${r.mib.toFixed(1)} MiB`);
  });
}

test('a stream of one-byte frames costs a constant, not a multiple of the frame count [native stream]', () => {
  // Per write the core describes each frame and WebCrypto opens them a window at
  // a time; what the garbage collector has not yet taken back is a constant.
  const stream = `
    const ts = new EnvelopeClient({ keyring, engine: 'native' }).decryptStream();
    const w = ts.writable.getWriter();
    const reading = (async () => { let n = 0; for await (const c of ts.readable) n += c.length; return n; })();
    for (let i = 0; i < msg.length; i += 65536) await w.write(msg.subarray(i, i + 65536));
    await w.close();
    return { n: await reading };`;
  const tiny = (n) => TINY.replace('100_000', String(n));
  const one = peakGrowth(tiny(100_000), stream);
  const three = peakGrowth(tiny(300_000), stream);
  assert.equal(one.out.n, 100_000);
  assert.equal(three.out.n, 300_000);
  const extra = (three.msgBytes - one.msgBytes) / 2 ** 20;
  console.log(`# native stream: +${one.mib.toFixed(1)} MiB for ${(one.msgBytes / 2 ** 20).toFixed(1)} MiB, +${three.mib.toFixed(1)} MiB for ${(three.msgBytes / 2 ** 20).toFixed(1)} MiB`);
  assert.ok(three.mib - one.mib < 3 * extra + 24, "three times the frames may cost at most a small multiple of the extra bytes more");
  assert.ok(three.mib < 128, `peak RSS grew ${three.mib.toFixed(1)} MiB`);
});

test('lengths of 4 GiB and more are LIMIT_EXCEEDED, never a wrap to 0 (the buffer is never touched)', async () => {
  // A zero-filled 4 GiB array is reserved, not written: these calls must refuse it from its length.
  const huge = new Uint8Array(2 ** 32);
  for (const engine of ['native', 'wasm', 'auto']) {
    const c = new EnvelopeClient({ keyring: keyring(), engine, suite: 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY' });
    await assert.rejects(c.encrypt(huge), (e) => e.code === 'LIMIT_EXCEEDED', `encrypt ${engine}`);
  }
  // A real message's header followed by 4 GiB of zeros.
  const small = await new EnvelopeClient({ keyring: keyring() }).encrypt('x');
  huge.set(small); // a whole small message, then zeros to 4 GiB
  for (const engine of ['native', 'wasm', 'auto']) {
    const c = new EnvelopeClient({ keyring: keyring(), engine });
    await assert.rejects(c.decrypt(huge), (e) => e.code === 'LIMIT_EXCEEDED', `decrypt ${engine}`);
  }
  // 1 GiB + 1 through the wasm engine (or the inspector, which walks a copy): refused before it is copied in.
  const big = huge.subarray(0, 2 ** 30 + 1);
  const { parseMessage } = await import('edge-kms');
  await assert.rejects(parseMessage(big), (e) => e.code === 'LIMIT_EXCEEDED');
  await assert.rejects(new EnvelopeClient({ keyring: keyring(), engine: 'wasm' }).encrypt(big), (e) => e.code === 'LIMIT_EXCEEDED');
  // And the module is still fine.
  const c = new EnvelopeClient({ keyring: keyring() });
  assert.equal(new TextDecoder().decode((await c.decrypt(await c.encrypt('still works'))).plaintext), 'still works');
});

test('a few bytes in a 2 GiB frame cost a few bytes, not a reservation of the frame [wasm]', () => {
  // The writer used to reserve a whole frame up front: 5 bytes with frameLength
  // 2^29 left the process at 564 MiB, and 2^31 - 1 trapped the core.
  const r = peakGrowth(`async () => new Uint8Array(0)`, `
    const c = new EnvelopeClient({ keyring, engine: 'wasm', frameLength: 2 ** 31 - 1 });
    const msg = await c.encrypt('hello');
    const big = new EnvelopeClient({ keyring, engine: 'wasm', maxBodySize: 2 ** 30 });
    let code;
    try { await big.decrypt(msg); } catch (e) { code = e.code; }
    const stream = c.encryptStream();
    const w = stream.writable.getWriter();
    const parts = [];
    const reading = (async () => { for await (const p of stream.readable) parts.push(p); })();
    await w.write('hel'); await w.write('lo'); await w.close(); await reading;
    return { length: msg.length, code, streamed: parts.reduce((n, p) => n + p.length, 0) };`);
  console.log(`# 5 bytes, frameLength 2^31 - 1: +${r.mib.toFixed(1)} MiB peak RSS`);
  assert.ok(r.out.length > 0 && r.out.streamed > 0);
  assert.equal(r.out.code, 'LIMIT_EXCEEDED', 'a reader refuses a frame length above maxBodySize (2^30 at most)');
  assert.ok(r.mib < 64, `peak RSS grew ${r.mib.toFixed(1)} MiB`);
});

test('a header that arrives a few bytes at a time is parsed a logarithmic number of times, not once per chunk', async () => {
  // A header of 10 encrypted data keys of three 64 KiB fields (~1.9 MiB, under
  // maxHeaderSize) that never completes, fed in 1 KiB chunks: when every chunk
  // re-parsed everything so far this cost ~2 s of CPU (the review's probe).
  const parts = [new Uint8Array([2, 0x04, 0x78]), new Uint8Array(32), new Uint8Array([0, 0, 0, 10])];
  for (let i = 0; i < 30; i++) parts.push(new Uint8Array([0xff, 0xff]), new Uint8Array(65535).fill(0x61));
  const header = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { header.set(p, at); at += p.length; }
  const ts = new EnvelopeClient({ keyring: keyring() }).decryptStream();
  const w = ts.writable.getWriter();
  const reading = (async () => { for await (const _ of ts.readable); })().catch((e) => e);
  const t = performance.now();
  let code;
  try {
    for (let i = 0; i < header.length; i += 1024) await w.write(header.subarray(i, i + 1024));
    await w.close();
  } catch (e) { code = e.code; }
  const ms = performance.now() - t;
  const r = await reading;
  console.log(`# a ${(header.length / 2 ** 20).toFixed(2)} MiB header that never ends, in 1 KiB chunks: ${code ?? r?.code} after ${ms.toFixed(0)} ms`);
  assert.equal(code ?? r?.code, 'MALFORMED_MESSAGE', 'truncated: the stream ended inside the header');
});
