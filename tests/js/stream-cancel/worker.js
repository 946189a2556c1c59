// Streams cancelled while a step of theirs is under way, beside other streams
// in flight on the same modules. Runs in Node (imported by
// stream-cancel.test.js) and as a Worker in workerd (the same file bundled).
// Found by helper-53's review (2026-12-04): `cancel` freed the stream's core
// object and footer key under the step still using them (a decryptStream
// awaiting KMS; in workerd, which cancels during `flush`, an encryptStream
// signing its footer), whose next call trapped and restarted the module:
// every other operation in flight on it failed with INTERNAL.
import { EnvelopeClient, MultiKeyring, RawAesKeyring } from 'edge-kms';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tick = () => new Promise((r) => setTimeout(r, 0));
const micro = () => Promise.resolve();
const errOf = (e) => ({ code: e?.code, message: String(e?.message ?? e).slice(0, 160) });
const settled = (x) => (x.status === 'fulfilled' ? x.value ?? 'ok' : errOf(x.reason));
const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const local = () => new RawAesKeyring({ keyNamespace: 'cancel', keyName: 'k', wrappingKey: new Uint8Array(32).fill(9) });

/** A KMS keyring whose calls answer after `delay` ms (a broker round trip), from memory. */
function slowKms(delay) {
  const store = new Map();
  const keep = (plaintext) => { const blob = crypto.getRandomValues(new Uint8Array(16)); store.set(blob.join(), plaintext.slice()); return blob; };
  return {
    isKmsKeyring: true,
    keyId: ARN,
    async generateDataKey({ numberOfBytes }) {
      await sleep(delay);
      const plaintext = crypto.getRandomValues(new Uint8Array(numberOfBytes));
      return { keyId: ARN, plaintext, ciphertextBlob: keep(plaintext) };
    },
    async encryptDataKey({ plaintext }) { return { keyId: ARN, ciphertextBlob: keep(plaintext) }; },
    async decryptDataKey({ ciphertextBlob }) { await sleep(delay); return { keyId: ARN, plaintext: store.get(ciphertextBlob.join()).slice() }; },
  };
}

/**
 * `kind` through a KMS keyring that waits for its request's signal and rejects
 * when it fires (as BrokerKeyring's fetch does), never answering otherwise: the
 * reader's cancel (`how: 'cancel'`), or the caller's signal (`'signal'`), must
 * reach that signal, so the step awaiting KMS ends and the stream lets go of
 * its state; a fresh call works after it. (A writer's `abort()` waits for the
 * write in flight, by the Streams spec, so it cannot end such a wait: the
 * `signal` option is the writer's way.)
 */
export async function abortsKms({ kind, how }) {
  const signals = [];
  const lc = new EnvelopeClient({ keyring: local(), frameLength: 4096 });
  const waiting = {
    isKmsKeyring: true,
    keyId: ARN,
    wait(signal) {
      signals.push(signal);
      return new Promise((_, no) => signal?.addEventListener('abort', () => no(signal.reason), { once: true }));
    },
    generateDataKey({ signal }) { return this.wait(signal); },
    encryptDataKey({ signal }) { return this.wait(signal); },
    decryptDataKey({ signal }) { return this.wait(signal); },
  };
  const c = new EnvelopeClient({ keyring: waiting, frameLength: 4096 });
  // a message the waiting keyring is asked to open (its EDK is of the KMS provider)
  const msg = kind === 'encryptStream' ? new Uint8Array(1000) : await new EnvelopeClient({ keyring: slowKms(0), frameLength: 4096 }).encrypt(new Uint8Array(1000));
  const ac = new AbortController();
  const opts = { signal: ac.signal };
  const ts = kind === 'decryptStream' ? c.decryptStream(opts) : kind === 'reEncryptStream' ? c.reEncryptStream({ keyring: local(), ...opts }) : c.encryptStream(opts);
  const w = ts.writable.getWriter();
  const r = ts.readable.getReader();
  const reading = (async () => { for (;;) { const { done } = await r.read(); if (done) return 'done'; } })();
  const writing = w.write(msg).then(() => w.close()).then(() => 'ok');
  await sleep(10);
  const asked = signals.length;
  const stop = how === 'cancel' ? r.cancel('client went away') : Promise.resolve(ac.abort('client went away'));
  const [read, write, stopped] = await Promise.race([
    Promise.allSettled([reading, writing, stop]),
    sleep(3000).then(() => { throw new Error('the stream never ended: its KMS call was not aborted'); }),
  ]);
  const fresh = await lc.decrypt(await lc.encrypt(new Uint8Array(10))).then(() => 'ok', errOf);
  return { asked, aborted: signals.every((s) => s?.aborted === true), fresh, read: settled(read), write: settled(write), stop: settled(stopped) };
}

/** Another decryptStream, half written: its opener is alive in the envelope module while the case runs. */
async function bystander(client) {
  const sealed = await client.encrypt(new Uint8Array(20_000).fill(6));
  const ts = client.decryptStream();
  const w = ts.writable.getWriter();
  const r = ts.readable.getReader();
  const reading = (async () => { let n = 0; for (;;) { const { value, done } = await r.read(); if (done) return n; n += value.length; } })();
  reading.catch(() => {});
  await w.write(sealed.subarray(0, 6000));
  return async () => {
    await w.write(sealed.subarray(6000));
    await w.close();
    return `ok ${await reading}`;
  };
}

/**
 * `kind` (decryptStream, reEncryptStream or encryptStream) through a KMS keyring
 * whose answer takes 30 ms; the reader cancels (`how: 'cancel'`) or the writer
 * aborts (`'abort'`) after 10 ms, while the step awaits KMS.
 */
export async function duringKms({ kind, how }) {
  const kms = slowKms(30);
  const c = new EnvelopeClient({ keyring: kms, frameLength: 4096 });
  const msg = kind === 'encryptStream' ? new Uint8Array(20_000).fill(5) : await c.encrypt(new Uint8Array(20_000).fill(5));
  const lc = new EnvelopeClient({ keyring: local(), frameLength: 4096 });
  const finishBystander = await bystander(lc);
  const ts = kind === 'decryptStream' ? c.decryptStream() : kind === 'reEncryptStream' ? c.reEncryptStream({ keyring: new MultiKeyring({ generator: local() }) }) : c.encryptStream();
  const w = ts.writable.getWriter();
  const r = ts.readable.getReader();
  const reading = (async () => { for (;;) { const { done } = await r.read(); if (done) return 'done'; } })();
  const writing = w.write(msg).then(() => w.close()).then(() => 'ok');
  await sleep(10);
  const stop = how === 'cancel' ? r.cancel('client went away') : w.abort('client went away');
  const [read, write, stopped] = await Promise.allSettled([reading, writing, stop]);
  await sleep(50); // the KMS answer has come and the step under way has ended
  const other = await finishBystander().catch(errOf);
  const fresh = await lc.decrypt(await lc.encrypt(new Uint8Array(10))).then(() => 'ok', errOf);
  return { other, fresh, read: settled(read), write: settled(write), stop: settled(stopped) };
}

/**
 * A signed encryptStream piped to a sink that refuses the chunk crossing
 * `limit` bytes (an upload cap), so the pipe cancels it while its last steps
 * (the final frame, the footer's signature) may still be under way; beside
 * another signed stream (its footer key alive in the `ecdsa` module) and a
 * decryptStream. `cancelAt`/`wait`: the reader cancels after that many chunks
 * and microtasks instead.
 */
export async function duringFooter({ engine = 'auto', limit, cancelAt, wait = 0 }) {
  const keyring = local();
  const c = new EnvelopeClient({ keyring, frameLength: 4096, engine });
  const b = c.encryptStream();
  const bw = b.writable.getWriter();
  const bReading = new Response(b.readable).arrayBuffer();
  await bw.write(new Uint8Array(5000).fill(2));
  const finishBystander = await bystander(new EnvelopeClient({ keyring, frameLength: 4096, suite: 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY' }));
  const a = c.encryptStream();
  const aw = a.writable.getWriter();
  let chunks = 0;
  let total = 0;
  const aReading = limit !== undefined
    ? a.readable.pipeTo(new WritableStream({ write(chunk) { chunks++; total += chunk.length; if (total > limit) throw new Error('upload too large'); } })).then(() => 'piped', (e) => `pipe failed: ${e.message}`)
    : (async () => {
      const r = a.readable.getReader();
      for (;;) {
        const { done } = await r.read();
        if (done) return `done after ${chunks} chunks`;
        chunks++;
        if (chunks === cancelAt) {
          for (let i = 0; i < wait; i++) await micro();
          await r.cancel('client went away');
          return `cancelled after ${chunks}`;
        }
      }
    })();
  const aWriting = (async () => { await aw.write(new Uint8Array(10_000).fill(3)); await aw.close(); })();
  const [read, write] = await Promise.allSettled([aReading, aWriting]);
  await tick();
  const signed = await (async () => { await bw.close(); const m = new Uint8Array(await bReading); return (await c.decrypt(m)).plaintext.length === 5000 ? 'ok' : 'wrong'; })().catch(errOf);
  const other = await finishBystander().catch(errOf);
  return { signed, other, read: settled(read), write: settled(write), chunks };
}

export default {
  async fetch(request) {
    const { run, ...o } = await request.json();
    try {
      return Response.json(await ({ duringKms, duringFooter, abortsKms })[run](o));
    } catch (e) {
      return Response.json({ error: errOf(e) });
    }
  },
};
