// Child process of e2e-stream-memory.test.js (its RSS is its own): streams
// `--mib` MiB of generated input through encryptStream and then decryptStream
// in one pipeline and prints one JSON line with the measurements.
//
// Input: AES-128-CTR keystream over zeros from node:crypto (fast, not
// compressible, reproducible from the seed), produced 1 MiB at a time on
// demand (pull), so the generator never holds more than a chunk. The input's
// SHA-256 is taken as it is generated, the output's as it arrives.
import { createCipheriv, createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { EnvelopeClient, RawAesKeyring, init } from 'edge-kms';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '256' }, chunk: { type: 'string', default: '1048576' } } });
const totalBytes = Number(values.mib) * 2 ** 20;
const chunkBytes = Number(values.chunk);
const MiB = 2 ** 20;
const rssMiB = () => process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB

const keyring = new RawAesKeyring({ keyNamespace: 'e2e', keyName: 'stream-memory', wrappingKey: new Uint8Array(32).fill(7) });
const client = new EnvelopeClient({ keyring });

/** The generated input as a pull stream; its SHA-256 and length accumulate as it is read. */
function input(bytes) {
  const gen = createCipheriv('aes-128-ctr', Buffer.alloc(16, 1), Buffer.alloc(16, 0));
  const zeros = Buffer.alloc(chunkBytes);
  const hash = createHash('sha256');
  let left = bytes;
  const stream = new ReadableStream({
    pull(controller) {
      if (left === 0) { controller.close(); return; }
      const n = Math.min(chunkBytes, left);
      const chunk = new Uint8Array(gen.update(n === chunkBytes ? zeros : zeros.subarray(0, n)));
      hash.update(chunk);
      left -= n;
      controller.enqueue(chunk);
    },
  }, { highWaterMark: 1 });
  return { stream, digest: () => hash.digest('hex') };
}

async function roundTrip(bytes) {
  const src = input(bytes);
  const outHash = createHash('sha256');
  let sealedBytes = 0, plainBytes = 0;
  const countSealed = new TransformStream({ transform(c, ctl) { sealedBytes += c.length; ctl.enqueue(c); } });
  const ec = { purpose: 'stream-memory' };
  await src.stream
    .pipeThrough(client.encryptStream({ encryptionContext: ec }))
    .pipeThrough(countSealed)
    .pipeThrough(client.decryptStream({ encryptionContext: ec }))
    .pipeTo(new WritableStream({ write(c) { plainBytes += c.length; outHash.update(c); } }));
  return { inputSha256: src.digest(), outputSha256: outHash.digest('hex'), plainBytes, sealedBytes };
}

await init();
// Warm up every path once (wasm instance, WebCrypto, streams) so the baseline includes them.
const warm = await roundTrip(4 * MiB);
if (warm.inputSha256 !== warm.outputSha256) throw new Error('warm-up round trip differs');
const baselineMiB = rssMiB();
const t0 = performance.now();
const r = await roundTrip(totalBytes);
const seconds = (performance.now() - t0) / 1000;
const peakMiB = rssMiB();
// The instrument itself: holding 64 MiB more must lift maxRSS to at least the current RSS
// plus about that much (so a bounded peak above means little was held, not that maxRSS
// does not move here).
const rssNowMiB = process.memoryUsage.rss() / MiB;
const hold = Buffer.alloc(64 * MiB, 1);
const controlMiB = rssMiB() - rssNowMiB;
hold.fill(2);
process.stdout.write(JSON.stringify({
  ...r,
  totalBytes,
  baselineMiB: Math.round(baselineMiB),
  peakMiB: Math.round(peakMiB),
  controlMiB: Math.round(controlMiB),
  seconds: Number(seconds.toFixed(1)),
  mibPerSecond: Number((totalBytes / MiB / seconds).toFixed(1)),
  node: process.version,
}) + '\n');
