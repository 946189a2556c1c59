// Issue 9, the broker's half: each test here failed against the broker of
// commit 9b345dc and passes now.
//  2. KmsRsaPublicKeyring: the client sends the message's encryption context,
//     the broker checks it against the SHA-384 digest sealed with the data key
//     (KMS RSA Decrypt takes no context) before it answers, and `authorize`
//     judges that context (dev KMS in Node; moto over the AWS SDK).
//  5. DNS rebinding: serve() of a broker over the dev KMS answers loopback
//     Hosts and loopback (or exactly listed) Origins only.
//  6. The node adapter's request URL has a fixed authority: the Host header
//     never chooses the operation.
//  7. `authorize` judges the resolved key ARN, whatever spelling the caller
//     used, and still runs before a key outside the allow-list is refused.
//  8. createBroker over the dev KMS warns once per process.
// Plus: encryption contexts with lone surrogates are refused (two contexts
// `authorize` tells apart would be one context to KMS).
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KMSClient, CreateKeyCommand, CreateAliasCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { EnvelopeClient, BrokerKeyring, KmsRsaPublicKeyring } from 'edge-kms';
import { createBroker, createDevKms, encryptionAlias } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';
import { rejectsCode, post, b64 } from './broker-helpers.js';
import { startMoto } from './servers.js';

const cleanups = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });

const SUITE = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY'; // the only suite KmsRsaPublicKeyring allows
const RSA = 'RSAES_OAEP_SHA_256';

/** The AWS Encryption SDK serialization of a context, written independently of the library. */
function serialize(ec) {
  const pairs = Object.entries(ec).map(([k, v]) => [Buffer.from(k), Buffer.from(v)]).sort(([a], [b]) => Buffer.compare(a, b));
  if (pairs.length === 0) return Buffer.alloc(0);
  const u16 = (n) => Buffer.from([n >> 8, n & 0xff]);
  return Buffer.concat([u16(pairs.length), ...pairs.flatMap(([k, v]) => [u16(k.length), k, u16(v.length), v])]);
}
/** What KmsRsaPublicKeyring seals: SHA-384(serialized context) ‖ data key. */
const rsaPlaintext = (ec, dataKey) => new Uint8Array(Buffer.concat([createHash('sha384').update(serialize(ec)).digest(), dataKey]));

/** An authorize of the README's shape: the caller (its `authorization` header) is a tenant and may use its own context only. */
function tenantAuthorize(seen) {
  return (request, operation, keyId, ec, details) => {
    const tenant = request.headers.get('authorization');
    if (!tenant) return { allow: false, status: 401 };
    seen?.push({ operation, keyId, ec, details });
    if (operation === 'GetPublicKey') return { allow: true, principal: tenant };
    return { allow: ec.tenant === tenant, principal: tenant };
  };
}

/** A KMS keyring that records what the client asks of it, around a real one. */
function recording(inner, calls) {
  return {
    isKmsKeyring: true,
    keyId: inner.keyId,
    generateDataKey: (a) => inner.generateDataKey(a),
    encryptDataKey: (a) => inner.encryptDataKey(a),
    decryptDataKey: (a) => { calls.push(a); return inner.decryptDataKey(a); },
  };
}

/** A message with one encryption-context value replaced (same length), header tag left as it was. */
function relabel(message, from, to) {
  const m = Buffer.from(message);
  const i = m.indexOf(Buffer.from(from));
  assert.ok(i > 0 && from.length === to.length);
  Buffer.from(to).copy(m, i);
  return new Uint8Array(m);
}

describe('defect 2: KmsRsaPublicKeyring keeps tenants apart through the broker (dev KMS)', async () => {
  const kms = await createDevKms({ aliases: ['alias/demo'], signingKeys: [] });
  const records = [];
  const seen = [];
  const broker = createBroker({ kms, keyIds: [encryptionAlias('RSA_2048'), 'alias/demo'], authorize: tenantAuthorize(seen), audit: (r) => { records.push(r); } });
  const server = await serve(broker, { port: 0, log: () => {} });
  cleanups.push(server.close);
  const keyring = (tenant) => new BrokerKeyring({ endpoint: `${server.url}/kms`, keyId: encryptionAlias('RSA_2048'), headers: { authorization: tenant } });
  const { keyId, publicKey } = await keyring('a').getPublicKey();
  const sealer = new EnvelopeClient({ suite: SUITE, keyring: new KmsRsaPublicKeyring({ keyId, publicKey }) });
  const calls = [];
  const opener = (tenant) => new EnvelopeClient({ suite: SUITE, keyring: new KmsRsaPublicKeyring({ keyId, publicKey, kms: recording(keyring(tenant), calls) }) });
  const msgA = await sealer.encrypt('for tenant a', { encryptionContext: { tenant: 'a', purpose: 'test' } });
  const msgB = await sealer.encrypt('for tenant b', { encryptionContext: { tenant: 'b', purpose: 'test' } });
  // each message's encrypted data key, as the client sends it
  const edkOf = async (message, tenant) => {
    calls.length = 0;
    await opener(tenant).decrypt(message).catch(() => {});
    return calls[0].ciphertextBlob;
  };
  const edkA = await edkOf(msgA, 'a');
  const edkB = await edkOf(msgB, 'b');
  const last = () => records.at(-1);

  test('the owner opens its message: the client sends the message context, authorize judges it', async () => {
    calls.length = 0;
    seen.length = 0;
    const { plaintext } = await opener('a').decrypt(msgA, { encryptionContext: { tenant: 'a' } });
    assert.equal(new TextDecoder().decode(plaintext), 'for tenant a');
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0].encryptionContext, { tenant: 'a', purpose: 'test' });
    assert.equal(calls[0].encryptionAlgorithm, RSA);
    const decrypt = seen.find((s) => s.operation === 'Decrypt');
    assert.deepEqual(decrypt.ec, { tenant: 'a', purpose: 'test' });
    assert.equal(decrypt.keyId, keyId);
    assert.deepEqual(decrypt.details, { requestedKeyId: keyId, keyArn: keyId, encryptionAlgorithm: RSA });
    assert.deepEqual([last().operation, last().outcome, last().encryptionContext], ['Decrypt', 'allowed', { tenant: 'a', purpose: 'test' }]);
  });

  test('another tenant is refused by authorize: ACCESS_DENIED', async () => {
    await rejectsCode(opener('a').decrypt(msgB), 'ACCESS_DENIED');
    assert.deepEqual([last().outcome, last().errorCode, last().kmsKeyId], ['denied', 'AccessDeniedException', null]);
    await rejectsCode(opener('b').decrypt(msgA), 'ACCESS_DENIED');
  });

  test('a client lying about the context is refused by the broker, after KMS, before any answer', async () => {
    // tenant a claims its own context for tenant b's data key, and the reverse
    for (const [tenant, edk] of [['a', edkB], ['b', edkA]]) {
      const n = records.length;
      const e = await rejectsCode(keyring(tenant).decryptDataKey({ keyId, ciphertextBlob: edk, encryptionContext: { tenant, purpose: 'test' }, encryptionAlgorithm: RSA }), 'ENCRYPTION_CONTEXT_MISMATCH');
      assert.equal(e.status, 403);
      assert.equal(e.kmsCode, 'EncryptionContextMismatch');
      assert.equal(records.length, n + 1);
      assert.deepEqual([last().outcome, last().errorCode, last().kmsKeyId, last().status], ['denied', 'EncryptionContextMismatch', keyId, 403]);
    }
    // the same lie with the algorithm left out: KMS refuses an RSA Decrypt without it (and where a
    // KMS does not, as moto below, the broker knows the key is RSA from DescribeKey and checks anyway)
    const r = await post(broker, '/decrypt', { keyId, ciphertextBlob: b64(edkB), encryptionContext: { tenant: 'a', purpose: 'test' } }, { headers: { authorization: 'a' } });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.code, 'InvalidKeyUsageException');
    // the right context opens (through the raw protocol too): digest ‖ data key
    const ok = await keyring('b').decryptDataKey({ keyId, ciphertextBlob: edkB, encryptionContext: { purpose: 'test', tenant: 'b' }, encryptionAlgorithm: RSA });
    assert.equal(ok.plaintext.length, 48 + 32);
    assert.deepEqual(ok.plaintext.subarray(0, 48), rsaPlaintext({ tenant: 'b', purpose: 'test' }, Buffer.alloc(0)));
  });

  test('a message relabeled to another tenant is refused by the broker, not only by the client', async () => {
    const forged = relabel(msgA, 'tenant\x00\x01a', 'tenant\x00\x01b');
    await rejectsCode(opener('b').decrypt(forged), 'ENCRYPTION_CONTEXT_MISMATCH');
    assert.deepEqual([last().principal, last().outcome, last().errorCode], ['b', 'denied', 'EncryptionContextMismatch']);
  });

  test('a permissive authorize (the old workaround: allow the empty context) no longer opens other tenants\' keys', async () => {
    const open = createBroker({ kms, keyIds: [encryptionAlias('RSA_2048')], authorize: () => true });
    for (const ec of [{}, { tenant: 'a' }, { tenant: 'b' }, { tenant: 'b', purpose: 'test', extra: 'x' }]) {
      const r = await post(open, '/decrypt', { keyId, ciphertextBlob: b64(edkB), encryptionContext: ec, encryptionAlgorithm: RSA });
      assert.equal(r.status, 403, JSON.stringify(ec));
      assert.equal(r.json.error.code, 'EncryptionContextMismatch');
    }
    const r = await post(open, '/decrypt', { keyId, ciphertextBlob: b64(edkB), encryptionContext: { tenant: 'b', purpose: 'test' }, encryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    assert.equal(r.status, 200);
  });

  test('devMode without keyIds checks the digest too', async () => {
    const dev = createBroker({ kms, devMode: true });
    const lie = await post(dev, '/decrypt', { keyId: encryptionAlias('RSA_2048'), ciphertextBlob: b64(edkB), encryptionContext: { tenant: 'a', purpose: 'test' }, encryptionAlgorithm: RSA });
    assert.equal(lie.status, 403);
    assert.equal(lie.json.error.code, 'EncryptionContextMismatch');
    const ok = await post(dev, '/decrypt', { keyId: encryptionAlias('RSA_2048'), ciphertextBlob: b64(edkB), encryptionContext: { tenant: 'b', purpose: 'test' }, encryptionAlgorithm: RSA });
    assert.equal(ok.status, 200);
  });
});

describe('defect 2 against moto over the AWS SDK (moto\'s RSA Decrypt is its own blob format; the broker\'s path is the real one)', async () => {
  const moto = await startMoto();
  cleanups.push(() => moto.stop());
  const client = new KMSClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  cleanups.push(() => client.destroy());
  const rsaKey = (await client.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' }))).KeyMetadata;
  const records = [];
  const broker = createBroker({ kms: client, keyIds: [rsaKey.Arn], authorize: tenantAuthorize(), audit: (r) => { records.push(r); } });
  const server = await serve(broker, { port: 0 });
  cleanups.push(server.close);
  const keyring = (tenant) => new BrokerKeyring({ endpoint: `${server.url}/kms`, keyId: rsaKey.Arn, headers: { authorization: tenant } });
  // An encrypted data key for tenant b, made by KMS Encrypt (moto) as KmsRsaPublicKeyring would seal it.
  const dataKey = randomBytes(32);
  const sealedB = (await client.send(new EncryptCommand({ KeyId: rsaKey.Arn, Plaintext: rsaPlaintext({ tenant: 'b' }, dataKey), EncryptionAlgorithm: RSA }))).CiphertextBlob;

  test('moto: own tenant opens, another is refused by authorize, a lie is refused by the broker', async () => {
    const ok = await keyring('b').decryptDataKey({ ciphertextBlob: sealedB, encryptionContext: { tenant: 'b' }, encryptionAlgorithm: RSA });
    assert.deepEqual(Buffer.from(ok.plaintext.subarray(48)), dataKey);
    assert.equal(ok.keyId, rsaKey.Arn);
    await rejectsCode(keyring('a').decryptDataKey({ ciphertextBlob: sealedB, encryptionContext: { tenant: 'b' }, encryptionAlgorithm: RSA }), 'ACCESS_DENIED');
    await rejectsCode(keyring('a').decryptDataKey({ ciphertextBlob: sealedB, encryptionContext: { tenant: 'a' }, encryptionAlgorithm: RSA }), 'ENCRYPTION_CONTEXT_MISMATCH');
    assert.deepEqual([records.at(-1).outcome, records.at(-1).errorCode, records.at(-1).kmsKeyId], ['denied', 'EncryptionContextMismatch', rsaKey.Arn]);
    // moto decrypts an RSA key's blob without the algorithm (real KMS refuses): the key spec from DescribeKey still makes the broker check
    await rejectsCode(keyring('a').decryptDataKey({ ciphertextBlob: sealedB, encryptionContext: { tenant: 'a' } }), 'ENCRYPTION_CONTEXT_MISMATCH');
  });

  test('moto, defect 7: an ARN rule sees the ARN whatever the spelling, and a deny rule is not bypassed', async () => {
    const k1 = (await client.send(new CreateKeyCommand({}))).KeyMetadata;
    const k2 = (await client.send(new CreateKeyCommand({}))).KeyMetadata;
    await client.send(new CreateAliasCommand({ AliasName: 'alias/hardening-1', TargetKeyId: k1.KeyId }));
    await client.send(new CreateAliasCommand({ AliasName: 'alias/hardening-2', TargetKeyId: k2.KeyId }));
    const entries = ['alias/hardening-1', 'alias/hardening-2'];
    const allowOnly = createBroker({ kms: client, keyIds: entries, authorize: (_q, _op, keyId) => keyId === k1.Arn });
    const denyOne = createBroker({ kms: client, keyIds: entries, authorize: (_q, _op, keyId) => keyId !== k2.Arn });
    const gdk = (b, keyId) => post(b, '/generate-data-key', { keyId, numberOfBytes: 32 });
    for (const spelling of ['alias/hardening-1', k1.KeyId, k1.Arn]) {
      const r = await gdk(allowOnly, spelling);
      assert.equal(r.status, 200, `${spelling}: ${r.text}`);
      assert.equal(r.json.keyId, k1.Arn);
      assert.equal((await gdk(denyOne, spelling)).status, 200);
    }
    for (const spelling of ['alias/hardening-2', k2.KeyId, k2.Arn]) {
      assert.equal((await gdk(allowOnly, spelling)).status, 403, spelling);
      assert.equal((await gdk(denyOne, spelling)).status, 403, spelling);
    }
  });
});

describe('defect 7: authorize judges the resolved key ARN', async () => {
  const kms = await createDevKms({ aliases: ['alias/demo', 'alias/other'], signingKeys: [], encryptionKeys: [] });
  const demo = kms.keyArn('alias/demo');
  const other = kms.keyArn('alias/other');
  const bare = (arn) => arn.split('/').pop();
  const entries = ['alias/demo', 'alias/other'];
  // the dev KMS behind a plain port, to see every KMS call
  const calls = [];
  const port = { call: (op, input) => { calls.push([op, input.KeyId]); return kms.call(op, input); } };
  const seen = [];
  const withRule = (rule) => createBroker({
    kms: port,
    keyIds: entries,
    authorize: (request, operation, keyId, ec, details) => {
      if (!request.headers.get('authorization')) return { allow: false, status: 401 };
      seen.push({ keyId, details });
      return rule(keyId);
    },
  });
  const gdk = (b, keyId, auth = 'u') => post(b, '/generate-data-key', { keyId, numberOfBytes: 32 }, { headers: auth ? { authorization: auth } : {} });

  test('an allow rule on the ARN admits every spelling of the key, and KMS gets the ARN', async () => {
    const b = withRule((keyId) => keyId === demo);
    for (const spelling of ['alias/demo', bare(demo), demo]) {
      seen.length = 0;
      calls.length = 0;
      const r = await gdk(b, spelling);
      assert.equal(r.status, 200, `${spelling}: ${r.text}`);
      assert.deepEqual(seen, [{ keyId: demo, details: { requestedKeyId: spelling, keyArn: demo, encryptionAlgorithm: 'SYMMETRIC_DEFAULT' } }]);
      assert.deepEqual(calls.filter(([op]) => op !== 'DescribeKey'), [['GenerateDataKey', demo]]);
    }
    for (const spelling of ['alias/other', bare(other), other]) assert.equal((await gdk(b, spelling)).status, 403, spelling);
  });

  test('a deny rule on the ARN is not bypassed by the bare id or the alias', async () => {
    const b = withRule((keyId) => keyId !== other);
    for (const spelling of ['alias/other', bare(other), other]) {
      const r = await gdk(b, spelling);
      assert.equal(r.status, 403, spelling);
      assert.equal(r.json.error.code, 'AccessDeniedException');
    }
    assert.equal((await gdk(b, bare(demo))).status, 200);
  });

  test('still nothing about which keys exist for a refused caller, and no KMS call driven by the request before authorize', async () => {
    const b = withRule(() => true);
    await gdk(b, 'alias/demo'); // resolve the allow-list once
    calls.length = 0;
    for (const keyId of ['alias/demo', 'alias/nope', bare(demo), 'arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000']) {
      assert.equal((await gdk(b, keyId, null)).status, 401, keyId);
    }
    assert.deepEqual(calls, [], 'no KMS call at all for unauthenticated callers (the allow-list is cached)');
    // an allowed caller learns 404 for keys not served; an ARN rule refuses them before that
    assert.equal((await gdk(b, 'alias/nope')).status, 404);
    seen.length = 0;
    assert.equal((await gdk(withRule((keyId) => keyId === demo), 'alias/nope')).status, 403);
    assert.deepEqual(seen[0].details, { requestedKeyId: 'alias/nope', keyArn: null, encryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    assert.ok(calls.every(([op, keyId]) => op !== 'DescribeKey' || entries.includes(keyId)), 'DescribeKey only of allow-list entries');
  });

  test('a KMS answer for another key than the one authorized is refused (500), its data key not sent', async () => {
    const liar = { call: async (op, input) => (op === 'DescribeKey' ? kms.call(op, input) : { ...(await kms.call(op, { ...input, KeyId: other })), KeyId: other }) };
    const b = createBroker({ kms: liar, keyIds: ['alias/demo'], authorize: (_q, _op, keyId) => keyId === demo });
    const r = await gdk(b, 'alias/demo');
    assert.equal(r.status, 500);
    assert.equal(r.json.error.code, 'InternalError');
    assert.ok(!('plaintext' in r.json));
  });
});

/** One raw HTTP/1.1 exchange on a fresh socket; returns status and parsed body. */
function raw(port, text) {
  return new Promise((resolve, reject) => {
    // write, not end: node:http drops the answer to a client that half-closes
    // before it comes (httpAllowHalfOpen is false), and KMS answers in a later
    // turn; every request here says connection: close, so the server closes
    const s = connect(port, '127.0.0.1', () => s.write(text));
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (c) => { out += c; });
    s.on('error', reject);
    s.on('close', () => {
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(out)?.[1] ?? 0);
      const body = out.slice(out.indexOf('\r\n\r\n') + 4);
      let json = null;
      try { json = JSON.parse(body.includes('{') ? body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1) : body); } catch { /* not JSON */ }
      resolve({ status, json, text: out });
    });
  });
}
const gdkBody = JSON.stringify({ keyId: 'alias/demo', numberOfBytes: 32 });
const rawPost = (path, headers, body = gdkBody) => `POST ${path} HTTP/1.1\r\n${headers.map((h) => `${h}\r\n`).join('')}content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;

/** A request through node:http with any Host and Origin. */
function via(port, { path = '/kms/generate-data-key', host, origin, method = 'POST', body = gdkBody } = {}) {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', ...(host !== undefined ? { host } : {}), ...(origin !== undefined ? { origin } : {}) };
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => { let json = null; try { json = JSON.parse(text); } catch { /* static file */ } resolve({ status: res.statusCode, json, text }); });
    });
    req.on('error', reject);
    req.end(method === 'GET' ? undefined : body);
  });
}

describe('defect 5: a broker over the dev KMS answers loopback Hosts and Origins only (DNS rebinding)', async () => {
  const kms = await createDevKms({ signingKeys: [], encryptionKeys: [] });
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(`${tmpdir()}/edge-kms-rebind-`);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(`${dir}/index.html`, '<h1>dev</h1>');
  const records = [];
  const dev = await serve(createBroker({ kms, devMode: true, basePath: '/kms', audit: (r) => { records.push(r); } }), { port: 0, log: () => {}, staticDirs: { '/': dir } });
  cleanups.push(dev.close);
  const p = dev.port;

  test('loopback Hosts, with or without a port, are served', async () => {
    for (const host of [`127.0.0.1:${p}`, '127.0.0.1', `localhost:${p}`, 'LOCALHOST', `127.45.6.7:${p}`, `[::1]:${p}`, '[::1]']) {
      const r = await via(p, { host });
      assert.equal(r.status, 200, `${host}: ${r.text}`);
    }
  });

  test('any other Host is 403 ForbiddenHost, for the broker and the static files, before the body is read', async () => {
    const n = records.length;
    for (const host of [`rebind.example:${p}`, 'rebind.example', `localhost.:${p}`, `127.0.0.1.evil.example:${p}`, `localhost.evil.example`, '10.0.0.1', `[::2]:${p}`, '127.1', '0.0.0.0', `127.0.0.256:${p}`]) {
      const r = await via(p, { host });
      assert.equal(r.status, 403, host);
      assert.equal(r.json.error.code, 'ForbiddenHost', host);
      const page = await via(p, { host, path: '/', method: 'GET' });
      assert.equal(page.status, 403, `static ${host}`);
      assert.notEqual(page.text, '<h1>dev</h1>');
    }
    assert.equal(records.length, n, 'the broker never saw them');
    // no Host at all (HTTP/1.0), and two Host headers
    const none = await raw(p, rawPost('/kms/generate-data-key', []).replace('HTTP/1.1', 'HTTP/1.0'));
    assert.equal(none.status, 403);
    const two = await raw(p, rawPost('/kms/generate-data-key', [`host: 127.0.0.1:${p}`, 'host: rebind.example']));
    assert.ok(two.status === 400 || two.status === 403, `two Hosts: ${two.status}`);
  });

  test('a foreign Origin is 403 ForbiddenOrigin; a loopback one is served', async () => {
    for (const origin of ['https://evil.example', `http://rebind.example:${p}`, 'null', 'http://127.0.0.1.evil.example', 'file://', 'http://localhost/path']) {
      const r = await via(p, { origin });
      assert.equal(r.status, 403, origin);
      assert.equal(r.json.error.code, 'ForbiddenOrigin', origin);
    }
    for (const origin of [`http://127.0.0.1:${p}`, 'http://localhost:5173', 'https://localhost', `http://[::1]:${p}`]) {
      assert.equal((await via(p, { origin })).status, 200, origin);
    }
  });

  test('an origin listed exactly in cors reaches the dev broker; \'*\' does not open it to every page', async () => {
    const listed = await serve(createBroker({ kms, devMode: true, cors: ['https://app.example'] }), { port: 0, log: () => {} });
    const star = await serve(createBroker({ kms, devMode: true, cors: ['*'] }), { port: 0, log: () => {} });
    try {
      assert.equal((await via(listed.port, { origin: 'https://app.example' })).status, 200);
      assert.equal((await via(listed.port, { origin: 'https://evil.example' })).status, 403);
      assert.equal((await via(star.port, { origin: 'https://evil.example' })).status, 403);
      assert.equal((await via(star.port, { origin: `http://localhost:${star.port}` })).status, 200);
    } finally {
      await listed.close();
      await star.close();
    }
  });

  test('BrokerKeyring reads ForbiddenHost/ForbiddenOrigin as ACCESS_DENIED and EncryptionContextMismatch as ENCRYPTION_CONTEXT_MISMATCH', async () => {
    for (const [name, code] of [['ForbiddenHost', 'ACCESS_DENIED'], ['ForbiddenOrigin', 'ACCESS_DENIED'], ['EncryptionContextMismatch', 'ENCRYPTION_CONTEXT_MISMATCH']]) {
      const fetch = async () => new Response(JSON.stringify({ error: { code: name, message: 'x' } }), { status: 403, headers: { 'content-type': 'application/json' } });
      const e = await rejectsCode(new BrokerKeyring({ endpoint: 'http://broker.test', keyId: 'alias/demo', fetch }).generateDataKey(), code);
      assert.equal(e.retryable, false);
    }
  });
});

describe('defect 6: the Host header never chooses the operation', async () => {
  const kms = await createDevKms({ signingKeys: [], encryptionKeys: [] });
  const calls = [];
  const records = [];
  // not a dev broker (a plain port), so the Host check of defect 5 does not apply
  const broker = createBroker({ kms: { call: (op, input) => { calls.push(op); return kms.call(op, input); } }, keyIds: ['alias/demo'], basePath: '/kms', authorize: () => true, audit: (r) => { records.push(r); } });
  const server = await serve(broker, { port: 0 });
  cleanups.push(server.close);

  test('Host: x/kms/generate-data-key? does not turn another path into GenerateDataKey', async () => {
    calls.length = 0;
    const r = await raw(server.port, rawPost('/static/page', ['Host: x/kms/generate-data-key?']));
    assert.equal(r.status, 404, r.text);
    assert.equal(r.json.error.code, 'UnknownOperation');
    assert.ok(!calls.includes('GenerateDataKey'));
    const n = records.length;
    const e = await raw(server.port, rawPost('/kms/encrypt', ['Host: x/kms/generate-data-key?'], JSON.stringify({ keyId: 'alias/demo', plaintext: b64(new Uint8Array(32)) })));
    assert.equal(e.status, 200, e.text);
    assert.equal(records.length, n + 1);
    assert.equal(records.at(-1).operation, 'Encrypt');
    assert.ok(!calls.includes('GenerateDataKey'));
  });

  test('the path comes from the request line: origin-form, absolute-form, and // paths', async () => {
    const ok = await raw(server.port, rawPost(`http://elsewhere.example/kms/generate-data-key`, ['Host: 127.0.0.1']));
    assert.equal(ok.status, 200, ok.text);
    const dbl = await raw(server.port, rawPost('//x/kms/generate-data-key', ['Host: 127.0.0.1']));
    assert.equal(dbl.status, 404, 'the path is //x/kms/generate-data-key, outside basePath');
    const star = await raw(server.port, rawPost('*', ['Host: 127.0.0.1']));
    assert.ok(star.status === 400, `* → ${star.status}`);
  });
});

describe('defect 8: createBroker over the dev KMS warns', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const run = (code) => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c) => { stderr += c; });
    child.on('error', reject);
    child.on('exit', (status) => resolve({ status, stderr }));
  });

  test('once per process, on stderr (console.warn), and never for a real KMS', async () => {
    const dev = await run(`import { createBroker, createDevKms } from 'edge-kms/broker';
      const kms = await createDevKms({ signingKeys: [], encryptionKeys: [] });
      createBroker({ kms, devMode: true }); createBroker({ kms, keyIds: ['alias/demo'] }); createBroker({ kms, devMode: true });`);
    assert.equal(dev.status, 0, dev.stderr);
    assert.equal(dev.stderr.match(/DEVELOPMENT KMS, NOT FOR PRODUCTION/g)?.length, 1, dev.stderr);
    const prod = await run(`import { createBroker } from 'edge-kms/broker';
      createBroker({ kms: { send: async () => ({}) }, keyIds: ['alias/x'] }); createBroker({ kms: { call: async () => ({}) }, keyIds: ['alias/x'] });`);
    assert.equal(prod.status, 0, prod.stderr);
    assert.doesNotMatch(prod.stderr, /DEVELOPMENT KMS/);
  });
});

describe('encryption contexts must be well-formed Unicode', async () => {
  const kms = await createDevKms({ signingKeys: [], encryptionKeys: [] });
  const broker = createBroker({ kms, devMode: true });

  test('a lone surrogate (which UTF-8 turns into U+FFFD) is refused by the broker and the keyring', async () => {
    for (const ec of ['{"t":"\\ud800"}', '{"t":"a\\udfffb"}', '{"\\ud83d":"x"}']) {
      const r = await post(broker, '/generate-data-key', null, { raw: `{"keyId":"alias/demo","numberOfBytes":32,"encryptionContext":${ec}}` });
      assert.equal(r.status, 400, ec);
      assert.equal(r.json.error.code, 'BadRequest');
    }
    assert.equal((await post(broker, '/generate-data-key', { keyId: 'alias/demo', numberOfBytes: 32, encryptionContext: { t: '\u{1F600}\uFFFD' } })).status, 200);
    const kr = new BrokerKeyring({ endpoint: 'http://broker.test', keyId: 'alias/demo', fetch: (u, i) => broker.fetch(new Request(u, i)) });
    await rejectsCode(kr.generateDataKey({ encryptionContext: { t: '\ud800' } }), 'INVALID_ARGUMENT');
  });
});
