// The JS boundary, Node-only parts (the portable ones are in
// suites/boundary.suite.js and run in every runtime): values from another
// realm and Node Buffers, traps by the hundred (a core that is not restarted
// after a trap breaks for good), a buffer detached while WebCrypto imports
// the message key, and a loopback broker that hangs, resets, redirects or
// streams without end.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import vm from 'node:vm';
import * as edgeKms from 'edge-kms';

const { EnvelopeClient, RawAesKeyring, BrokerKeyring, KmsPublicKey, EdgeKmsError, ERROR_CODES, parseMessage } = edgeKms;
const UNSIGNED = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';
const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ring = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: new Uint8Array(32).fill(7) });
const wasmClient = new EnvelopeClient({ keyring: ring, suite: UNSIGNED, engine: 'wasm', cache: { maxAgeMs: 60_000 } });
const nativeClient = new EnvelopeClient({ keyring: ring, suite: UNSIGNED, engine: 'native' });

/** Fails unless `p` rejects with an EdgeKmsError of one of `codes`. */
async function coded(p, codes, label) {
  const err = await p.then(() => undefined, (e) => e);
  assert.ok(err instanceof EdgeKmsError, `${label}: expected an EdgeKmsError, got ${err && err.name}: ${err && err.message}`);
  assert.ok(ERROR_CODES.includes(err.code), `${label}: ${err.code} is one of ERROR_CODES`);
  assert.ok(codes.includes(err.code), `${label}: expected ${codes.join(' | ')}, got ${err.code}: ${err.message} (${err.cause})`);
  return err;
}

async function roundTrip(label) {
  for (const c of [wasmClient, nativeClient]) {
    const pt = new TextEncoder().encode(`after ${label}`);
    assert.deepEqual((await c.decrypt(await c.encrypt(pt))).plaintext, pt, `round trip after ${label}`);
  }
}

test('values from another realm (vm context) are read as bytes, or refused with a code', async () => {
  const other = vm.runInNewContext(`({
    u8: new Uint8Array([104, 105]), ab: new Uint8Array([104, 105]).buffer, dv: new DataView(new Uint8Array([0, 104, 105]).buffer, 1),
    proxy: new Proxy({}, { get() { throw new Error('other realm'); } }), obj: { tenant: 'x' },
  })`);
  for (const [label, v] of [['Uint8Array', other.u8], ['ArrayBuffer', other.ab], ['DataView', other.dv]]) {
    const sealed = await wasmClient.encrypt(v);
    assert.equal(new TextDecoder().decode((await wasmClient.decrypt(sealed)).plaintext), 'hi', `another realm's ${label}`);
  }
  await coded(wasmClient.encrypt(other.proxy), ['INVALID_ARGUMENT'], 'another realm Proxy');
  await coded(wasmClient.encrypt('x', other.proxy), ['INVALID_ARGUMENT'], 'another realm Proxy as options');
  const sealed = await wasmClient.encrypt('x', { encryptionContext: other.obj });
  assert.equal((await parseMessage(sealed)).encryptionContext.tenant, 'x');
  await roundTrip('other realms');
});

test('Node Buffers from the shared pool (non-zero byteOffset) are read exactly', async () => {
  const pooled = Buffer.from('pooled plaintext');
  assert.ok(pooled.byteOffset > 0 || pooled.buffer.byteLength > pooled.length, 'from the pool');
  for (const c of [wasmClient, nativeClient]) {
    const sealed = Buffer.from(await c.encrypt(pooled));
    assert.equal(Buffer.from((await c.decrypt(sealed)).plaintext).toString(), 'pooled plaintext');
  }
});

test('500 traps in a row: each a coded error, and the core still works after them', async () => {
  // Before the core was restarted after a trap, each one left the shadow stack
  // it had used taken: after ~400 every call failed ("memory access out of bounds").
  const huge = new EnvelopeClient({ keyring: ring, suite: UNSIGNED, engine: 'wasm', frameLength: 2 ** 31 - 1 });
  let trapped = 0;
  for (let i = 0; i < 500; i++) {
    const r = await huge.encrypt('x').then(() => undefined, (e) => e);
    if (r === undefined) continue; // the sealer no longer reserves a whole frame: nothing to trap on
    assert.ok(r instanceof EdgeKmsError && ['LIMIT_EXCEEDED', 'INTERNAL'].includes(r.code), `trap #${i}: ${r && r.code} ${r && r.message}`);
    trapped++;
    if (i % 100 === 99) await roundTrip(`${i + 1} traps`);
  }
  await roundTrip('500 traps');
  const key = await KmsPublicKey.from(new Uint8Array(await crypto.subtle.exportKey('spki', (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign'])).publicKey)));
  assert.equal(key.keySpec, 'ECC_NIST_P256');
  test.diagnostic?.(`traps: ${trapped}`);
});

test('a RuntimeError a KMS keyring of the caller\'s throws is its own: coded, and the module is not restarted under work in flight', async () => {
  const own = () => { throw new WebAssembly.RuntimeError("the app's own wasm"); };
  const thrower = { isKmsKeyring: true, generateDataKey: own, encryptDataKey: own, decryptDataKey: own };
  // A stream in flight holds a handle of the envelope module: a restart would make it stale.
  const ts = wasmClient.encryptStream();
  const writer = ts.writable.getWriter();
  const chunks = [];
  const read = (async () => { for await (const c of ts.readable) chunks.push(c); })();
  await writer.write(new Uint8Array(5000).fill(1));
  const e = await coded(new EnvelopeClient({ keyring: thrower, suite: UNSIGNED }).encrypt('x'), ['KEYRING_FAILED'], 'keyring throwing a RuntimeError');
  assert.ok(e.cause instanceof WebAssembly.RuntimeError, 'the keyring\'s error is the cause');
  await writer.write(new Uint8Array(5000).fill(2));
  await writer.close();
  await read;
  const sealed = Buffer.concat(chunks);
  const { plaintext } = await wasmClient.decrypt(sealed);
  assert.deepEqual(plaintext, new Uint8Array(10000).fill(1, 0, 5000).fill(2, 5000));
});

test('an input of 2 GiB or more is refused with a code and leaves the core working', async () => {
  // wasm32 cannot hold one allocation of 2^31 bytes: copying it in traps. (The pages are never touched.)
  const big = new Uint8Array(2 ** 31);
  await coded(parseMessage(big), ['LIMIT_EXCEEDED', 'INTERNAL', 'MALFORMED_MESSAGE'], 'parseMessage(2 GiB)');
  await coded(wasmClient.decrypt(big), ['LIMIT_EXCEEDED', 'INTERNAL', 'MALFORMED_MESSAGE'], 'decrypt(2 GiB)');
  await roundTrip('2 GiB inputs');
});

test('a message detached while WebCrypto imports its key: a coded error, never a throw through the core', async () => {
  const sealed = await nativeClient.encrypt(new Uint8Array(100_000).fill(5));
  const subtle = globalThis.crypto.subtle;
  const importKey = subtle.importKey;
  let victim;
  subtle.importKey = async function (...args) {
    const k = await importKey.apply(this, args);
    if (victim) structuredClone(victim.buffer, { transfer: [victim.buffer] });
    return k;
  };
  try {
    // The core reads the message after this await: it finds it empty (truncated), and a read of
    // the detached buffer is caught in the core, not thrown through it.
    for (let i = 0; i < 500; i++) {
      victim = sealed.slice();
      await coded(nativeClient.decrypt(victim), ['INVALID_ARGUMENT', 'MALFORMED_MESSAGE'], `detached during importKey #${i}`);
    }
  } finally {
    subtle.importKey = importKey;
    victim = undefined;
  }
  await roundTrip('messages detached during importKey');
  assert.deepEqual((await nativeClient.decrypt(sealed)).plaintext, new Uint8Array(100_000).fill(5));
});

// ---------------------------------------------------------------- a loopback broker that misbehaves

const servers = [];
after(() => Promise.all(servers.map((s) => new Promise((ok) => { s.closeAllConnections?.(); s.close(ok); }))));

/** A loopback HTTP server answering every request with `handler`; resolves its base URL. */
async function serve(handler) {
  const s = createServer(handler);
  servers.push(s);
  await new Promise((ok) => s.listen(0, '127.0.0.1', ok));
  return `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (s.address()).port}/kms`;
}

test('a loopback broker that hangs, resets, redirects, lies or streams without end: coded errors, bounded', async () => {
  const key32 = Buffer.alloc(32, 1).toString('base64');
  let endlessBytes = 0;
  const cases = [
    ['hangs', () => {}, ['TIMEOUT'], { timeoutMs: 300 }],
    ['resets the connection', (req, res) => { req.socket.destroy(); }, ['BROKER_UNAVAILABLE']],
    ['resets mid-body', (req, res) => { res.writeHead(200, { 'content-length': 1000 }); res.write('{"keyId":"'); setTimeout(() => req.socket.destroy(), 20); }, ['BROKER_UNAVAILABLE']],
    ['redirects', (req, res) => { res.writeHead(307, { location: 'http://127.0.0.1:1/elsewhere' }); res.end(); }, ['MALFORMED_RESPONSE']],
    ['answers HTML', (req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html>ok</html>'); }, ['MALFORMED_RESPONSE']],
    ['answers a 31-byte data key', (req, res) => { res.end(JSON.stringify({ keyId: ARN, plaintext: Buffer.alloc(31).toString('base64'), ciphertextBlob: 'AAAA' })); }, ['MALFORMED_RESPONSE']],
    ['answers another key', (req, res) => { res.end(JSON.stringify({ keyId: ARN.replace('1234abcd', 'ffffffff'), plaintext: key32, ciphertextBlob: 'AAAA' })); }, ['MALFORMED_RESPONSE'], {}, 'decrypt'],
    ['streams without end', (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => { while (!res.destroyed && res.write(chunk)) endlessBytes += chunk.length; if (!res.destroyed) res.once('drain', pump); };
      res.on('close', () => {});
      pump();
    }, ['MALFORMED_RESPONSE']],
    ['answers 500 with a huge error body', (req, res) => { res.writeHead(500); res.end('x'.repeat(3 * 1024 * 1024)); }, ['MALFORMED_RESPONSE', 'BROKER_UNAVAILABLE'], { retries: 0 }],
  ];
  for (const [label, handler, codes, opts = {}, op = 'generate'] of cases) {
    const endpoint = await serve(handler);
    const kr = new BrokerKeyring({ endpoint, keyId: ARN, retries: 0, timeoutMs: 5_000, ...opts });
    const t0 = Date.now();
    const p = op === 'decrypt' ? kr.decryptDataKey({ keyId: ARN, ciphertextBlob: new Uint8Array(3) }) : kr.generateDataKey();
    await coded(p, codes, label);
    assert.ok(Date.now() - t0 < 6_000, `${label}: settled in time`);
  }
  assert.ok(endlessBytes < 64 * 1024 * 1024, `an endless answer was cut short (${endlessBytes} bytes sent)`);
  await roundTrip('misbehaving brokers');
});
