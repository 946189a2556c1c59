// keyTransport 'hpke' (issue 11, section 2): data keys sealed to the client.
//
// - the broker's HPKE (src/js/broker/hpke.js, WebCrypto) against RFC 9180's
//   published P-256 vector (Appendix A.3) and the AAD layout the core builds;
// - interop with an independent implementation (@hpke/core) both ways: it
//   opens what the broker seals, and the wasm core opens what it seals;
// - a recording proxy between BrokerKeyring and a broker over real HTTP sees
//   no data-key bytes (raw, base64, base64url, hex) in any body — and the
//   same proxy does see them without HPKE (the detector works);
// - replayed, swapped, tampered and downgraded answers are refused with a code
//   and nothing is decrypted;
// - createBroker({ keyTransport: 'hpke' }) refuses clients that do not use it;
//   the default broker still serves them.
// Everything runs against the dev KMS in this process (moto and workerd: hpke-e2e.test.js).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { CipherSuite, DhkemP256HkdfSha256, HkdfSha256, Aes256Gcm } from '@hpke/core';
import { EnvelopeClient, BrokerKeyring, MultiKeyring, RawAesKeyring, parseMessage } from 'edge-kms';
import { createBroker, createDevKms } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';
// The broker's HPKE module itself (source; not a package entry point) for the vector tests.
import { hpkeSeal, requestAad, extractAndExpand, keySchedule, AEADS, HPKE_INFO, HPKE_ALGORITHM } from '../../src/js/broker/hpke.js';
import { rejectsCode, post, b64 } from './broker-helpers.js';

const hex = (u8) => Buffer.from(u8).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));
const a3 = JSON.parse(readFileSync(new URL('../../src/keyring/testdata/hpke-rfc9180-a3.json', import.meta.url), 'utf8'));
const aadFixture = JSON.parse(readFileSync(new URL('../../src/keyring/testdata/hpke-aad.json', import.meta.url), 'utf8'));
const suite = new CipherSuite({ kem: new DhkemP256HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const ec = { tenant: 'acme', purpose: 'hpke test' };

let kms, hpkeBroker, anyBroker, hpkeServer, anyServer;
before(async () => {
  kms = await createDevKms({ aliases: ['alias/demo', 'alias/other'] });
  hpkeBroker = createBroker({ kms, devMode: true, keyTransport: 'hpke' });
  anyBroker = createBroker({ kms, devMode: true });
  hpkeServer = await serve(hpkeBroker, { port: 0 });
  anyServer = await serve(anyBroker, { port: 0 });
});
after(async () => {
  await hpkeServer?.close();
  await anyServer?.close();
});

/** A keyring whose requests go through `fetch` to `broker` in this process. */
const direct = (broker, extra = {}) => new BrokerKeyring({ endpoint: 'http://127.0.0.1/kms', keyId: 'alias/demo', fetch: (u, i) => broker.fetch(new Request(u.replace('/kms', ''), i)), ...extra });

// ------------------------------------------------------------------ vectors

test('RFC 9180 A.3 (DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base): the broker reproduces enc, shared secret, key schedule and ciphertext', async () => {
  const pub = unhex(a3.pkEm);
  const jwk = { kty: 'EC', crv: 'P-256', x: Buffer.from(pub.subarray(1, 33)).toString('base64url'), y: Buffer.from(pub.subarray(33)).toString('base64url') };
  const ephemeral = {
    privateKey: await crypto.subtle.importKey('jwk', { ...jwk, d: Buffer.from(unhex(a3.skEm)).toString('base64url') }, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']),
    publicKey: await crypto.subtle.importKey('jwk', jwk, { name: 'ECDH', namedCurve: 'P-256' }, true, []),
  };
  const e = a3.encryptions[0];
  const out = await hpkeSeal({ publicKey: unhex(a3.pkRm), info: unhex(a3.info), aad: unhex(e.aad), plaintext: unhex(e.pt), aead: 'AES-128-GCM', ephemeral });
  assert.equal(hex(out.subarray(0, 65)), a3.enc);
  assert.equal(hex(out.subarray(65)), e.ct);
  // the intermediate values, from the recipient's side (skRm) too
  const skR = await crypto.subtle.importKey('jwk', {
    kty: 'EC', crv: 'P-256', d: Buffer.from(unhex(a3.skRm)).toString('base64url'),
    x: Buffer.from(unhex(a3.pkRm).subarray(1, 33)).toString('base64url'), y: Buffer.from(unhex(a3.pkRm).subarray(33)).toString('base64url'),
  }, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  const pkE = await crypto.subtle.importKey('raw', unhex(a3.enc), { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const dh = new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: pkE }, skR, 256));
  const ss = await extractAndExpand(dh, new Uint8Array([...unhex(a3.enc), ...unhex(a3.pkRm)]));
  assert.equal(hex(ss), a3.shared_secret);
  const { key, baseNonce } = await keySchedule(ss, unhex(a3.info), AEADS['AES-128-GCM']);
  assert.equal(hex(key), a3.key);
  assert.equal(hex(baseNonce), a3.base_nonce);
});

test('the request AAD is the documented layout (the same fixture the core is tested with)', () => {
  const f = aadFixture;
  const aad = requestAad({ ...f, ciphertextBlob: unhex(f.ciphertextBlob), nonce: unhex(f.nonce) });
  assert.equal(hex(aad), f.aad);
  // and any one field changed changes it
  assert.notEqual(hex(requestAad({ ...f, ciphertextBlob: unhex(f.ciphertextBlob), nonce: unhex(f.nonce), encryptionContext: { ...f.encryptionContext, tenant: 'acme2' } })), f.aad);
});

// ------------------------------------------------------------------ interop

test('interop: @hpke/core opens what the broker seals (AES-256-GCM suite)', async () => {
  const kp = await suite.kem.generateKeyPair();
  const publicKey = new Uint8Array(await suite.kem.serializePublicKey(kp.publicKey));
  const aad = new TextEncoder().encode('bound request');
  const plaintext = crypto.getRandomValues(new Uint8Array(32));
  const sealed = await hpkeSeal({ publicKey, aad, plaintext });
  const opened = await suite.open({ recipientKey: kp.privateKey, enc: sealed.slice(0, 65), info: HPKE_INFO }, sealed.slice(65), aad);
  assert.deepEqual(new Uint8Array(opened), plaintext);
  await assert.rejects(suite.open({ recipientKey: kp.privateKey, enc: sealed.slice(0, 65), info: HPKE_INFO }, sealed.slice(65), new TextEncoder().encode('another request')));
});

test('interop: the wasm core opens data keys @hpke/core sealed (a broker whose HPKE is @hpke/core)', async () => {
  let sealedByPeer = 0;
  // Forwards each request without its recipient to a default broker, then seals the
  // plaintext answer with @hpke/core for the recipient, bound as the protocol says.
  const peerFetch = async (url, init) => {
    const body = JSON.parse(typeof init.body === 'string' ? init.body : new TextDecoder().decode(init.body));
    const { recipient, ...plain } = body;
    const op = url.endsWith('/generate-data-key') ? 'GenerateDataKey' : 'Decrypt';
    const res = await anyBroker.fetch(new Request(url.replace('/kms', ''), { ...init, body: JSON.stringify(plain) }));
    const json = await res.json();
    if (!res.ok) return Response.json(json, { status: res.status });
    const dataKey = new Uint8Array(Buffer.from(json.plaintext, 'base64'));
    const aad = requestAad({
      operation: op, requestedKeyId: body.keyId, answeredKeyId: json.keyId, encryptionAlgorithm: 'SYMMETRIC_DEFAULT', dataKeyLength: dataKey.length,
      ciphertextBlob: new Uint8Array(Buffer.from(op === 'Decrypt' ? body.ciphertextBlob : json.ciphertextBlob, 'base64')),
      nonce: new Uint8Array(Buffer.from(recipient.nonce, 'base64')), encryptionContext: body.encryptionContext ?? {},
    });
    const recipientPublicKey = await suite.kem.deserializePublicKey(new Uint8Array(Buffer.from(recipient.publicKey, 'base64')));
    const { enc, ct: ciphertext } = await suite.seal({ recipientPublicKey, info: HPKE_INFO }, dataKey, aad);
    sealedByPeer++;
    return Response.json({ keyId: json.keyId, ...(json.ciphertextBlob ? { ciphertextBlob: json.ciphertextBlob } : {}), ciphertextForRecipient: b64(new Uint8Array([...new Uint8Array(enc), ...new Uint8Array(ciphertext)])) });
  };
  const keyring = new BrokerKeyring({ endpoint: 'http://127.0.0.1/kms', keyId: 'alias/demo', fetch: peerFetch, keyTransport: 'hpke' });
  const client = new EnvelopeClient({ keyring });
  const sealed = await client.encrypt('sealed by @hpke/core', { encryptionContext: ec });
  const { plaintext } = await client.decrypt(sealed, { encryptionContext: ec });
  assert.equal(new TextDecoder().decode(plaintext), 'sealed by @hpke/core');
  assert.equal(sealedByPeer, 2);
  // and the message is an ordinary KMS message: a plaintext-transport client opens it
  assert.equal(new TextDecoder().decode((await new EnvelopeClient({ keyring: direct(anyBroker) }).decrypt(sealed)).plaintext), 'sealed by @hpke/core');
});

// ------------------------------------------------------------------ what the wire sees

/** An HTTP proxy in front of `target` that records every request and response body. */
async function recordingProxy(target) {
  const bodies = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const reqBody = Buffer.concat(chunks);
      bodies.push(reqBody);
      const up = httpRequest(new URL(req.url, target), { method: req.method, headers: req.headers }, (r) => {
        const out = [];
        r.on('data', (c) => out.push(c));
        r.on('end', () => {
          const resBody = Buffer.concat(out);
          bodies.push(resBody);
          res.writeHead(r.statusCode, r.headers);
          res.end(resBody);
        });
      });
      up.end(reqBody);
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${server.address().port}`, bodies, close: () => new Promise((ok) => { server.closeAllConnections(); server.close(ok); }) };
}

/** The data key of a message, from the dev KMS directly (the test is KMS's owner here). */
async function dataKeyOf(message) {
  const info = await parseMessage(message);
  const edk = info.encryptedDataKeys.find((e) => e.providerId === 'aws-kms');
  const out = await kms.call('Decrypt', { CiphertextBlob: edk.ciphertext, EncryptionContext: info.encryptionContext });
  return new Uint8Array(out.Plaintext);
}

/** Every encoding of `key` a body could carry it in, and whether any body holds one. */
function leaks(bodies, key) {
  const k = Buffer.from(key);
  const forms = [k, Buffer.from(k.toString('base64')), Buffer.from(k.toString('base64url')), Buffer.from(k.toString('hex')), Buffer.from(k.toString('hex').toUpperCase())];
  return bodies.some((b) => forms.some((f) => b.includes(f)));
}

test('a recording proxy sees no data-key bytes with HPKE (and does without it: the detector works)', async () => {
  for (const [transport, server] of [['hpke', hpkeServer], ['plaintext', anyServer]]) {
    const proxy = await recordingProxy(server.url);
    try {
      const keyring = new BrokerKeyring({ endpoint: proxy.url, keyId: 'alias/demo', keyTransport: transport });
      const client = new EnvelopeClient({ keyring });
      const messages = [];
      for (let i = 0; i < 3; i++) messages.push(await client.encrypt(`message ${i}`, { encryptionContext: ec }));
      for (const m of messages) assert.match(new TextDecoder().decode((await client.decrypt(m, { encryptionContext: ec })).plaintext), /^message \d$/);
      assert.equal(proxy.bodies.length, 12, 'three generate and three decrypt exchanges');
      for (const m of messages) {
        const key = await dataKeyOf(m);
        assert.equal(key.length, 32);
        assert.equal(leaks(proxy.bodies, key), transport === 'plaintext', `${transport}: data key on the wire`);
      }
      if (transport === 'hpke') {
        for (const b of proxy.bodies.filter((_, i) => i % 2 === 1)) {
          const json = JSON.parse(b.toString());
          assert.equal(json.plaintext, undefined);
          assert.equal(Buffer.from(json.ciphertextForRecipient, 'base64').length, 65 + 32 + 16);
        }
        for (const b of proxy.bodies.filter((_, i) => i % 2 === 0)) {
          const { recipient } = JSON.parse(b.toString());
          assert.equal(recipient.keyEncryptionAlgorithm, HPKE_ALGORITHM);
        }
        // a fresh recipient key per request
        const keys = proxy.bodies.filter((_, i) => i % 2 === 0).map((b) => JSON.parse(b.toString()).recipient.publicKey);
        assert.equal(new Set(keys).size, keys.length);
      }
    } finally {
      await proxy.close();
    }
  }
});

// ------------------------------------------------------------------ attacks on the answer

/**
 * A keyring whose answers pass through `tamper(op, json, n)` (n counts the
 * calls from 1) on their way from the hpke broker to the client.
 */
function tampered(tamper, broker = hpkeBroker) {
  let n = 0;
  return new BrokerKeyring({
    endpoint: 'http://127.0.0.1/kms', keyId: 'alias/demo', keyTransport: 'hpke', retries: 0,
    fetch: async (url, init) => {
      const res = await broker.fetch(new Request(url.replace('/kms', ''), init));
      const json = await res.json();
      const op = url.endsWith('/generate-data-key') ? 'GenerateDataKey' : 'Decrypt';
      return Response.json(res.ok ? await tamper(op, json, ++n, init) : json, { status: res.status });
    },
  });
}

/** A request body as the test's fetch gets it (a string, or bytes when it carries a key). */
const bodyOf = (init) => JSON.parse(typeof init.body === 'string' ? init.body : new TextDecoder().decode(init.body));
const flip = (b64text, at) => { const b = Buffer.from(b64text, 'base64'); b[at] ^= 1; return b.toString('base64'); };

test('a tampered sealed answer is refused (INVALID_DATA_KEY), at every part of it', async () => {
  for (const at of [0, 1, 40, 64, 65, 80, 96, 97, 112]) {
    const client = new EnvelopeClient({ keyring: tampered((op, j) => ({ ...j, ciphertextForRecipient: flip(j.ciphertextForRecipient, at) })) });
    await rejectsCode(client.encrypt('x', { encryptionContext: ec }), 'INVALID_DATA_KEY');
  }
  // on decrypt too, and nothing is returned
  const sealed = await new EnvelopeClient({ keyring: direct(hpkeBroker, { keyTransport: 'hpke' }) }).encrypt('secret', { encryptionContext: ec });
  const client = new EnvelopeClient({ keyring: tampered((op, j) => ({ ...j, ciphertextForRecipient: flip(j.ciphertextForRecipient, 100) })) });
  await rejectsCode(client.decrypt(sealed, { encryptionContext: ec }), 'INVALID_DATA_KEY');
});

test('a replayed answer (from an earlier request) is refused', async () => {
  let first;
  const keyring = tampered((op, j, n) => {
    if (n === 1) first = j;
    return n === 1 ? j : first; // every later request gets the first answer again
  });
  const client = new EnvelopeClient({ keyring });
  const m1 = await client.encrypt('one', { encryptionContext: ec });
  await rejectsCode(client.encrypt('two', { encryptionContext: ec }), 'INVALID_DATA_KEY');
  // a decrypt answered with a recorded answer of another message's decrypt
  const writer = new EnvelopeClient({ keyring: direct(hpkeBroker, { keyTransport: 'hpke' }) });
  const a = await writer.encrypt('a', { encryptionContext: ec });
  const b = await writer.encrypt('b', { encryptionContext: ec });
  let recorded;
  const reader = new EnvelopeClient({ keyring: tampered((op, j, n) => { if (n === 1) recorded = j; return n === 1 ? j : recorded; }) });
  assert.equal(new TextDecoder().decode((await reader.decrypt(a, { encryptionContext: ec })).plaintext), 'a');
  await rejectsCode(reader.decrypt(b, { encryptionContext: ec }), 'INVALID_DATA_KEY');
  // replayed into the same message's next decrypt: a fresh recipient each time, so refused as well
  await rejectsCode(reader.decrypt(a, { encryptionContext: ec }), 'INVALID_DATA_KEY');
  assert.ok(m1.length > 0);
});

test('swapped fields of a sealed answer are refused: ciphertext blob, key ARN, and a downgrade to a plaintext key', async () => {
  // another data key's ciphertext blob with this answer's sealed key: a message whose EDK would not open the key
  const other = await direct(anyBroker).generateDataKey({ encryptionContext: ec });
  await rejectsCode(new EnvelopeClient({ keyring: tampered((op, j) => ({ ...j, ciphertextBlob: b64(other.ciphertextBlob) })) }).encrypt('x', { encryptionContext: ec }), 'INVALID_DATA_KEY');
  // another key's ARN named in the answer
  const otherArn = (await direct(anyBroker, { keyId: 'alias/other' }).generateDataKey()).keyId;
  await rejectsCode(new EnvelopeClient({ keyring: tampered((op, j) => ({ ...j, keyId: otherArn })) }).encrypt('x', { encryptionContext: ec }), 'INVALID_DATA_KEY');
  // the sealed key of a request made with another encryption context, relayed by a proxy
  const swapped = tampered(async (op, j, n, init) => {
    const body = bodyOf(init);
    const res = await hpkeBroker.fetch(new Request('http://127.0.0.1/generate-data-key', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, encryptionContext: { tenant: 'evil' } }) }));
    return res.json();
  });
  await rejectsCode(new EnvelopeClient({ keyring: swapped }).encrypt('x', { encryptionContext: ec }), 'INVALID_DATA_KEY');
  // downgrade: the plaintext data key instead of a sealed one (wiped, refused)
  const downgraded = tampered(async (op, j, n, init) => {
    const { recipient, ...plain } = bodyOf(init);
    return (await anyBroker.fetch(new Request('http://127.0.0.1/generate-data-key', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(plain) }))).json();
  });
  await rejectsCode(new EnvelopeClient({ keyring: downgraded }).encrypt('x', { encryptionContext: ec }), 'MALFORMED_RESPONSE');
});

// ------------------------------------------------------------------ policy

test("createBroker({ keyTransport: 'hpke' }) refuses clients that do not seal; the default broker serves both", async () => {
  const plainClient = new EnvelopeClient({ keyring: direct(hpkeBroker) });
  const e1 = await rejectsCode(plainClient.encrypt('x', { encryptionContext: ec }), 'BAD_REQUEST');
  assert.equal(e1.kmsCode, 'RecipientRequired');
  assert.equal(e1.status, 400);
  const sealed = await new EnvelopeClient({ keyring: direct(hpkeBroker, { keyTransport: 'hpke' }) }).encrypt('x', { encryptionContext: ec });
  const e2 = await rejectsCode(plainClient.decrypt(sealed, { encryptionContext: ec }), 'BAD_REQUEST');
  assert.equal(e2.kmsCode, 'RecipientRequired');
  // the default broker: both transports
  assert.equal(new TextDecoder().decode((await new EnvelopeClient({ keyring: direct(anyBroker) }).decrypt(sealed)).plaintext), 'x');
  assert.equal(new TextDecoder().decode((await new EnvelopeClient({ keyring: direct(anyBroker, { keyTransport: 'hpke' }) }).decrypt(sealed)).plaintext), 'x');
  // a broker that predates keyTransport refuses the unknown field rather than answering in plaintext (protocol.js)
  // malformed recipients are 400 BadRequest
  const good = { keyEncryptionAlgorithm: HPKE_ALGORITHM, publicKey: b64(new Uint8Array(65).fill(4, 0, 1)), nonce: b64(new Uint8Array(16)) };
  for (const recipient of [null, 'x', { ...good, keyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }, { ...good, nonce: b64(new Uint8Array(8)) }, { ...good, publicKey: b64(new Uint8Array(33).fill(2, 0, 1)) }, { ...good, extra: 1 }, good /* not on the curve */]) {
    const r = await post(hpkeBroker, '/generate-data-key', { keyId: 'alias/demo', numberOfBytes: 32, recipient });
    assert.equal(r.status, 400, JSON.stringify(recipient));
    assert.equal(r.json.error.code, 'BadRequest');
  }
  assert.throws(() => createBroker({ kms, devMode: true, keyTransport: 'tls' }), TypeError);
});

test("a keyTransport 'hpke' keyring never sends or asks for a plaintext data key", async () => {
  const kr = direct(hpkeBroker, { keyTransport: 'hpke' });
  assert.equal(kr.keyTransport, 'hpke');
  await rejectsCode(kr.generateDataKey({ encryptionContext: ec }), 'INVALID_ARGUMENT');
  await rejectsCode(kr.encryptDataKey({ plaintext: new Uint8Array(32) }), 'INVALID_ARGUMENT');
  // as a multi-keyring child it would need Encrypt: refused before the key leaves the core
  const multi = new MultiKeyring({ generator: new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: new Uint8Array(32).fill(7) }), children: [kr] });
  await rejectsCode(new EnvelopeClient({ keyring: multi }).encrypt('x'), 'INVALID_ARGUMENT');
  // as the generator of a multi-keyring it works
  const multi2 = new MultiKeyring({ generator: kr, children: [new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: new Uint8Array(32).fill(7) })] });
  const m = await new EnvelopeClient({ keyring: multi2 }).encrypt('multi', { encryptionContext: ec });
  assert.equal(new TextDecoder().decode((await new EnvelopeClient({ keyring: kr }).decrypt(m)).plaintext), 'multi');
  assert.throws(() => new BrokerKeyring({ endpoint: 'http://127.0.0.1/kms', keyId: 'alias/demo', keyTransport: 'tls' }), (e) => e.code === 'INVALID_ARGUMENT');
});
