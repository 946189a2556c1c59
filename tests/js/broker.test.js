// The broker, the dev KMS and BrokerKeyring against real HTTP servers on
// 127.0.0.1: fault injection on the client side (retries, timeouts, abort,
// malformed answers), the broker's refusals (authorize, allow-list, limits,
// content type, CORS), audit records without key material, dev KMS key
// states and its key file.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, stat, chmod, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicKey, createHash, verify, constants, publicEncrypt, randomBytes } from 'node:crypto';
import { BrokerKeyring, EdgeKmsError } from 'edge-kms';
import { createBroker, createDevKms, signingAlias, encryptionAlias } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';
import { fakeBroker, rejectsCode, captureOutput, post, b64 } from './broker-helpers.js';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/0d9e7e55-5d1f-4ac8-9c1c-2f1f2b0e3c11';
const okKey = (n = 32) => ({ keyId: ARN, plaintext: b64(new Uint8Array(n).fill(7)), ciphertextBlob: b64(new Uint8Array(60).fill(9)) });
const cleanups = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });

async function fake(handler) {
  const f = await fakeBroker(handler);
  cleanups.push(f.close);
  return f;
}

describe('BrokerKeyring against faulty brokers', () => {
  test('retries 500 and 503, then succeeds', async () => {
    const f = await fake((_q, _b, n) => (n === 1 ? { status: 500, json: { error: { code: 'InternalError', message: 'x' } } } : n === 2 ? { status: 503, text: '<html>bad gateway</html>' } : { json: okKey() }));
    const kr = new BrokerKeyring({ endpoint: f.url, keyId: 'alias/demo', retries: 2 });
    const dk = await kr.generateDataKey({ numberOfBytes: 32 });
    assert.equal(dk.plaintext.length, 32);
    assert.equal(f.seen.length, 3);
  });

  test('gives up after `retries` with BROKER_UNAVAILABLE and the status', async () => {
    const f = await fake(() => ({ status: 503, json: { error: { code: 'KMSUnavailable', message: 'down' } } }));
    const kr = new BrokerKeyring({ endpoint: f.url, keyId: 'alias/demo', retries: 1 });
    const e = await rejectsCode(kr.generateDataKey(), 'BROKER_UNAVAILABLE');
    assert.equal(e.status, 503);
    assert.equal(e.retryable, true);
    assert.equal(f.seen.length, 2);
  });

  test('ThrottlingException is retried and surfaces as THROTTLED', async () => {
    const f = await fake(() => ({ status: 429, json: { error: { code: 'ThrottlingException', message: 'slow down' } } }));
    const kr = new BrokerKeyring({ endpoint: f.url, keyId: 'alias/demo', retries: 2 });
    await rejectsCode(kr.generateDataKey(), 'THROTTLED');
    assert.equal(f.seen.length, 3);
  });

  test('Retry-After is honoured', async () => {
    const f = await fake((_q, _b, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' }, json: { error: { code: 'ThrottlingException', message: '' } } } : { json: okKey() }));
    const kr = new BrokerKeyring({ endpoint: f.url, keyId: 'alias/demo' });
    const t0 = Date.now();
    await kr.generateDataKey();
    assert.ok(Date.now() - t0 >= 950, 'waited for Retry-After');
  });

  for (const [status, name, code] of [
    [400, 'InvalidCiphertextException', 'INVALID_CIPHERTEXT'],
    [400, 'IncorrectKeyException', 'INCORRECT_KEY'],
    [403, 'AccessDeniedException', 'ACCESS_DENIED'],
    [401, 'Unauthorized', 'ACCESS_DENIED'],
    [404, 'NotFoundException', 'NOT_FOUND'],
    [409, 'DisabledException', 'KMS_KEY_DISABLED'],
    [409, 'KMSInvalidStateException', 'KMS_INVALID_STATE'],
    [400, 'BadRequest', 'BAD_REQUEST'],
    [413, 'PayloadTooLarge', 'BAD_REQUEST'],
    [418, undefined, 'BAD_REQUEST'],
  ]) {
    test(`${status} ${name ?? '(no JSON)'} → ${code}, not retried`, async () => {
      const f = await fake(() => (name ? { status, json: { error: { code: name, message: 'm' } } } : { status, text: 'teapot' }));
      const kr = new BrokerKeyring({ endpoint: f.url, keyId: 'alias/demo', retries: 3 });
      const e = await rejectsCode(kr.decryptDataKey({ keyId: ARN, ciphertextBlob: new Uint8Array(60) }), code);
      assert.equal(e.status, status);
      assert.equal(f.seen.length, 1);
    });
  }

  test('a slow broker hits the deadline: TIMEOUT, on time', async () => {
    const f = await fake(() => new Promise(() => {})); // never answers
    const kr = new BrokerKeyring({ endpoint: f.url, keyId: 'alias/demo', timeoutMs: 300 });
    const t0 = Date.now();
    await rejectsCode(kr.generateDataKey(), 'TIMEOUT');
    const took = Date.now() - t0;
    assert.ok(took >= 290 && took < 1500, `took ${took} ms`);
  });

  test('a headers function that never settles hits the deadline too', async () => {
    const f = await fake(() => ({ json: okKey() }));
    const kr = new BrokerKeyring({ endpoint: f.url, keyId: 'alias/demo', timeoutMs: 200, headers: () => new Promise(() => {}) });
    await rejectsCode(kr.generateDataKey(), 'TIMEOUT');
    assert.equal(f.seen.length, 0);
  });

  test('a broker that stalls mid-body hits the deadline', async () => {
    const f = await fake((_q, _b, _n, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.write('{"keyId":"'); });
    const kr = new BrokerKeyring({ endpoint: f.url, keyId: 'alias/demo', timeoutMs: 300 });
    await rejectsCode(kr.generateDataKey(), 'TIMEOUT');
  });

  test('connection refused: retried, then BROKER_UNAVAILABLE', async () => {
    const f = await fakeBroker(() => ({ json: {} }));
    await f.close(); // the port is now closed
    const kr = new BrokerKeyring({ endpoint: f.url, keyId: 'alias/demo', retries: 2 });
    const e = await rejectsCode(kr.generateDataKey(), 'BROKER_UNAVAILABLE');
    assert.equal(e.retryable, true);
  });

  test('the caller aborts in flight: ABORTED, no result, no retry', async () => {
    const f = await fake(() => new Promise(() => {}));
    const kr = new BrokerKeyring({ endpoint: f.url, keyId: 'alias/demo', timeoutMs: 5000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const t0 = Date.now();
    await rejectsCode(kr.generateDataKey({ signal: ac.signal }), 'ABORTED');
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(f.seen.length, 1);
  });

  test('an aborted signal sends nothing', async () => {
    const f = await fake(() => ({ json: okKey() }));
    const kr = new BrokerKeyring({ endpoint: f.url, keyId: 'alias/demo' });
    const e = await rejectsCode(kr.generateDataKey({ signal: AbortSignal.abort('user left') }), 'ABORTED');
    assert.equal(e.cause, 'user left', 'the abort reason is the cause');
    assert.equal(f.seen.length, 0);
  });

  test('abort during backoff stops the retries', async () => {
    const f = await fake(() => ({ status: 429, headers: { 'retry-after': '5' }, json: { error: { code: 'ThrottlingException', message: '' } } }));
    const kr = new BrokerKeyring({ endpoint: f.url, keyId: 'alias/demo', retries: 5, timeoutMs: 20_000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    await rejectsCode(kr.generateDataKey({ signal: ac.signal }), 'ABORTED');
    assert.equal(f.seen.length, 1);
  });

  const malformed = {
    'not JSON': { text: '{"keyId": nope' },
    'JSON array': { json: [1, 2] },
    'plaintext is a number': { json: { ...okKey(), plaintext: 42 } },
    'plaintext is not base64': { json: { ...okKey(), plaintext: 'a key!' } },
    'plaintext URL-safe base64': { json: { ...okKey(), plaintext: '-_-_' } },
    'missing ciphertextBlob': { json: { keyId: ARN, plaintext: okKey().plaintext } },
    'keyId is not an ARN': { json: { ...okKey(), keyId: 'alias/demo' } },
    'data key of the wrong length': { json: okKey(16) },
  };
  for (const [what, answer] of Object.entries(malformed)) {
    test(`generateDataKey: ${what} → MALFORMED_RESPONSE, not retried`, async () => {
      const f = await fake(() => answer);
      const kr = new BrokerKeyring({ endpoint: f.url, keyId: 'alias/demo' });
      const e = await rejectsCode(kr.generateDataKey({ numberOfBytes: 32 }), 'MALFORMED_RESPONSE');
      assert.equal(f.seen.length, 1);
      assert.ok(!e.message.includes(okKey().plaintext));
    });
  }

  test('a redirect is refused, not followed with the body', async () => {
    const target = await fake(() => ({ json: okKey() }));
    const f = await fake(() => ({ status: 307, headers: { location: `${target.url}/generate-data-key` }, text: '' }));
    const kr = new BrokerKeyring({ endpoint: f.url, keyId: 'alias/demo' });
    await rejectsCode(kr.encryptDataKey({ plaintext: new Uint8Array(32) }), 'MALFORMED_RESPONSE');
    assert.equal(target.seen.length, 0);
  });

  test('getPublicKey: a well-formed answer, and malformed ones refused', async () => {
    const good = { keyId: ARN, keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY', publicKey: b64(new Uint8Array(91).fill(1)), signingAlgorithms: ['ECDSA_SHA_256'], encryptionAlgorithms: [] };
    const f = await fake((_q, _b, n) => ({ json: [good, { ...good, keySpec: null }, { ...good, signingAlgorithms: 'ECDSA_SHA_256' }, { ...good, publicKey: '' }][n - 1] }));
    const kr = new BrokerKeyring({ endpoint: f.url, keyId: 'alias/sign' });
    const pk = await kr.getPublicKey();
    assert.equal(pk.publicKey.length, 91);
    assert.equal(JSON.parse(f.seen[0].body).keyId, 'alias/sign');
    assert.equal(f.seen[0].url, '/public-key');
    for (let i = 0; i < 3; i++) await rejectsCode(kr.getPublicKey(), 'MALFORMED_RESPONSE');
  });

  test('decryptDataKey refuses an answer naming another key', async () => {
    const other = ARN.replace('0d9e7e55', '1d9e7e55');
    const f = await fake(() => ({ json: { keyId: other, plaintext: b64(new Uint8Array(32)) } }));
    const kr = new BrokerKeyring({ endpoint: f.url, keyId: ARN });
    await rejectsCode(kr.decryptDataKey({ keyId: ARN, ciphertextBlob: new Uint8Array(60) }), 'MALFORMED_RESPONSE');
  });

  test('decryptDataKey accepts the broker\'s replica of a multi-Region key', async () => {
    const west = 'arn:aws:kms:us-west-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab';
    const east = west.replace('us-west-2', 'us-east-1');
    const f = await fake((_q, body) => ({ json: { keyId: east, plaintext: b64(new Uint8Array(32)), echo: JSON.parse(body).keyId } }));
    const kr = new BrokerKeyring({ endpoint: f.url, keyId: east });
    const r = await kr.decryptDataKey({ keyId: west, ciphertextBlob: new Uint8Array(60) });
    assert.equal(r.keyId, east);
    assert.equal(JSON.parse(f.seen[0].body).keyId, west, 'the ARN from the message goes to the broker unchanged');
  });

  test('headers: a sync object and an async function (bearer token), grant tokens in the body', async () => {
    const f = await fake(() => ({ json: okKey() }));
    let calls = 0;
    const kr = new BrokerKeyring({ endpoint: `${f.url}/kms/`, keyId: 'alias/demo', grantTokens: ['g1'], headers: async ({ operation }) => ({ authorization: `Bearer t${++calls}`, 'x-op': operation }) });
    await kr.generateDataKey();
    assert.equal(f.seen[0].url, '/kms/generate-data-key');
    assert.equal(f.seen[0].headers.authorization, 'Bearer t1');
    assert.equal(f.seen[0].headers['x-op'], 'GenerateDataKey');
    assert.equal(f.seen[0].headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(f.seen[0].body).grantTokens, ['g1']);
    const kr2 = new BrokerKeyring({ endpoint: f.url, keyId: 'alias/demo', headers: { 'x-api-key': 'k' } });
    await kr2.generateDataKey();
    assert.equal(f.seen[1].headers['x-api-key'], 'k');
  });

  test('argument checks: INVALID_ARGUMENT before any request', async () => {
    const f = await fake(() => ({ json: okKey() }));
    const kr = new BrokerKeyring({ endpoint: f.url, keyId: 'alias/demo' });
    await rejectsCode(kr.generateDataKey({ numberOfBytes: 0 }), 'INVALID_ARGUMENT');
    await rejectsCode(kr.generateDataKey({ numberOfBytes: 1025 }), 'INVALID_ARGUMENT');
    await rejectsCode(kr.generateDataKey({ encryptionContext: { a: 1 } }), 'INVALID_ARGUMENT');
    await rejectsCode(kr.encryptDataKey({ plaintext: 'key' }), 'INVALID_ARGUMENT');
    await rejectsCode(kr.decryptDataKey({ ciphertextBlob: new Uint8Array(0) }), 'INVALID_ARGUMENT');
    assert.throws(() => new BrokerKeyring({ endpoint: f.url }), (e) => e instanceof EdgeKmsError && e.code === 'INVALID_ARGUMENT');
    assert.throws(() => new BrokerKeyring({ endpoint: f.url, keyId: 'k', retries: -1 }), (e) => e.code === 'INVALID_ARGUMENT');
    assert.throws(() => new BrokerKeyring({ endpoint: '/kms', keyId: 'k' }), (e) => e.code === 'INVALID_ARGUMENT', 'no page to resolve against in Node');
    assert.equal(f.seen.length, 0);
    assert.equal(kr.isKmsKeyring, true);
    assert.equal(kr.keyId, 'alias/demo');
  });
});

describe('broker over the dev KMS, through node:http', async () => {
  const kms = await createDevKms({ aliases: ['alias/demo', 'alias/other'] });
  const records = [];
  const broker = createBroker({
    kms,
    keyIds: ['alias/demo', 'alias/other', signingAlias('ECC_NIST_P256')],
    audit: (r) => { records.push(r); },
    authorize: (request, operation, keyId, ec) => {
      const who = request.headers.get('authorization');
      if (!who) return { allow: false, status: 401 };
      if (ec.tenant === 'evil') return { allow: false, principal: who };
      return { allow: true, principal: who };
    },
    cors: { origins: ['https://app.example'] },
    maxBodyBytes: 4096,
  });
  const server = await serve(broker, { port: 0 });
  cleanups.push(server.close);
  const kr = new BrokerKeyring({ endpoint: `${server.url}/kms`, keyId: 'alias/demo', headers: { authorization: 'alice' } });
  const ec = { tenant: 'acme', purpose: 'test' };

  test('generate → decrypt → encrypt → decrypt round trips with the context', async () => {
    const dk = await kr.generateDataKey({ encryptionContext: ec, numberOfBytes: 32 });
    assert.match(dk.keyId, /^arn:aws:kms:us-east-1:111122223333:key\/[0-9a-f-]{36}$/);
    assert.equal(dk.keyId, kms.keyArn('alias/demo'));
    const back = await kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: ec });
    assert.deepEqual(back.plaintext, dk.plaintext);
    const again = await kr.encryptDataKey({ plaintext: dk.plaintext, encryptionContext: ec });
    assert.notDeepEqual(again.ciphertextBlob, dk.ciphertextBlob);
    const back2 = await kr.decryptDataKey({ keyId: again.keyId, ciphertextBlob: again.ciphertextBlob, encryptionContext: ec });
    assert.deepEqual(back2.plaintext, dk.plaintext);
    for (const n of [1, 16, 64, 1024]) assert.equal((await kr.generateDataKey({ numberOfBytes: n })).plaintext.length, n);
  });

  test('another encryption context, another key: INVALID_CIPHERTEXT / INCORRECT_KEY', async () => {
    const dk = await kr.generateDataKey({ encryptionContext: ec });
    await rejectsCode(kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: { ...ec, tenant: 'other' } }), 'INVALID_CIPHERTEXT');
    await rejectsCode(kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: {} }), 'INVALID_CIPHERTEXT');
    await rejectsCode(kr.decryptDataKey({ keyId: kms.keyArn('alias/other'), ciphertextBlob: dk.ciphertextBlob, encryptionContext: ec }), 'INCORRECT_KEY');
    const flipped = dk.ciphertextBlob.slice();
    flipped[flipped.length - 1] ^= 1;
    await rejectsCode(kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: flipped, encryptionContext: ec }), 'INVALID_CIPHERTEXT');
  });

  test('the ARN a message records is served although the allow-list names the alias', async () => {
    const dk = await kr.generateDataKey({ encryptionContext: ec });
    const byArn = new BrokerKeyring({ endpoint: `${server.url}/kms`, keyId: dk.keyId, headers: { authorization: 'alice' } });
    assert.equal((await byArn.decryptDataKey({ ciphertextBlob: dk.ciphertextBlob, encryptionContext: ec })).keyId, dk.keyId);
  });

  test('authorize refuses a context: 403 AccessDeniedException → ACCESS_DENIED', async () => {
    const e = await rejectsCode(kr.generateDataKey({ encryptionContext: { tenant: 'evil' } }), 'ACCESS_DENIED');
    assert.equal(e.status, 403);
    assert.equal(e.kmsCode, 'AccessDeniedException');
  });

  test('authorize asks for authentication: 401 Unauthorized → ACCESS_DENIED', async () => {
    const anon = new BrokerKeyring({ endpoint: `${server.url}/kms`, keyId: 'alias/demo' });
    const e = await rejectsCode(anon.generateDataKey(), 'ACCESS_DENIED');
    assert.equal(e.status, 401);
    // and learns nothing about which keys are served: 401 for an unknown key too
    const probe = await rejectsCode(new BrokerKeyring({ endpoint: `${server.url}/kms`, keyId: 'alias/nope' }).generateDataKey(), 'ACCESS_DENIED');
    assert.equal(probe.status, 401);
  });

  test('a key outside the allow-list: 404 NotFoundException → NOT_FOUND', async () => {
    for (const keyId of ['alias/nope', kms.keyArn(signingAlias('RSA_2048')), 'arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000']) {
      const e = await rejectsCode(new BrokerKeyring({ endpoint: `${server.url}/kms`, keyId, headers: { authorization: 'alice' } }).generateDataKey(), 'NOT_FOUND');
      assert.equal(e.status, 404);
    }
  });

  test('a signing key cannot make data keys: INVALID_KEY_USAGE', async () => {
    await rejectsCode(new BrokerKeyring({ endpoint: `${server.url}/kms`, keyId: signingAlias('ECC_NIST_P256'), headers: { authorization: 'alice' } }).generateDataKey(), 'INVALID_KEY_USAGE');
  });

  test('request checks: status and code for each malformed request', async () => {
    const h = { authorization: 'alice' };
    const cases = [
      ['/kms/generate-data-key', { keyId: 'alias/demo', numberOfBytes: 0 }, {}, 400, 'BadRequest'],
      ['/kms/generate-data-key', { keyId: 'alias/demo', numberOfBytes: 1025 }, {}, 400, 'BadRequest'],
      ['/kms/generate-data-key', { keyId: 'alias/demo', numberOfBytes: '32' }, {}, 400, 'BadRequest'],
      ['/kms/generate-data-key', { keyId: 'alias/demo', numberOfBytes: 32, encryptionContext: { a: 1 } }, {}, 400, 'BadRequest'],
      ['/kms/generate-data-key', { keyId: 'alias/demo', numberOfBytes: 32, encryptionContext: [] }, {}, 400, 'BadRequest'],
      ['/kms/generate-data-key', { keyId: 'alias/demo', numberOfBytes: 32, extra: 1 }, {}, 400, 'BadRequest'],
      ['/kms/generate-data-key', { numberOfBytes: 32 }, {}, 400, 'BadRequest'],
      ['/kms/decrypt', { keyId: 'alias/demo', ciphertextBlob: 'not base64!' }, {}, 400, 'BadRequest'],
      ['/kms/decrypt', { keyId: 'alias/demo', ciphertextBlob: 'QQ=' }, {}, 400, 'BadRequest'],
      ['/kms/decrypt', { keyId: 'alias/demo', ciphertextBlob: '' }, {}, 400, 'BadRequest'],
      ['/kms/encrypt', { keyId: 'alias/demo', plaintext: b64(new Uint8Array(4097)) }, {}, 413, 'PayloadTooLarge'],
      ['/kms/generate-data-key', null, { raw: '{"keyId":' }, 400, 'BadRequest'],
      ['/kms/generate-data-key', null, { raw: JSON.stringify({ keyId: 'x'.repeat(5000) }) }, 413, 'PayloadTooLarge'],
      ['/kms/generate-data-key', { keyId: 'alias/demo', numberOfBytes: 32 }, { headers: { 'content-type': 'text/plain' } }, 415, 'UnsupportedMediaType'],
      ['/kms/generate-data-key', { keyId: 'alias/demo', numberOfBytes: 32 }, { headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'UnsupportedMediaType'],
      ['/kms/generate-data-key', null, { method: 'GET' }, 405, 'MethodNotAllowed'],
      ['/kms/list-keys', {}, {}, 404, 'UnknownOperation'],
    ];
    for (const [path, body, opts, status, code] of cases) {
      const r = await post({ fetch: (q) => fetch(new URL(new URL(q.url).pathname, server.url), { method: q.method, headers: { ...h, ...Object.fromEntries(q.headers) }, body: q.body, duplex: 'half' }) }, path, body, opts);
      assert.equal(r.status, status, `${path} ${JSON.stringify(body ?? opts).slice(0, 80)}: ${r.text}`);
      assert.equal(r.json?.error?.code, code, `${path}: ${r.text}`);
      assert.equal(r.headers.get('cache-control'), 'no-store');
    }
  });

  test('an oversized body streamed without Content-Length is cut off: 413', async () => {
    const big = new ReadableStream({ pull(c) { c.enqueue(new TextEncoder().encode(' '.repeat(1024))); } }); // endless
    const res = await fetch(`${server.url}/kms/decrypt`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'alice' }, body: big, duplex: 'half' }).catch((e) => e);
    // Either the broker's 413 arrives, or the server closed the upload after answering.
    if (res instanceof Response) {
      assert.equal(res.status, 413);
      assert.equal((await res.json()).error.code, 'PayloadTooLarge');
    } else {
      assert.ok(res instanceof Error);
    }
  });

  test('CORS: configured origin only, preflight included', async () => {
    const pre = await fetch(`${server.url}/kms/decrypt`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.equal(pre.headers.get('access-control-allow-methods'), 'POST');
    assert.match(pre.headers.get('access-control-allow-headers'), /authorization/);
    assert.match(pre.headers.get('vary'), /origin/i);
    const evilPre = await fetch(`${server.url}/kms/decrypt`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(evilPre.status, 403);
    assert.equal(evilPre.headers.get('access-control-allow-origin'), null);
    const body = JSON.stringify({ keyId: 'alias/demo', numberOfBytes: 32 });
    const ok = await fetch(`${server.url}/kms/generate-data-key`, { method: 'POST', headers: { origin: 'https://app.example', 'content-type': 'application/json', authorization: 'alice' }, body });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example');
    const evil = await fetch(`${server.url}/kms/generate-data-key`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json', authorization: 'alice' }, body });
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const errored = await fetch(`${server.url}/kms/generate-data-key`, { method: 'POST', headers: { origin: 'https://app.example', 'content-type': 'text/plain' }, body });
    assert.equal(errored.status, 415);
    assert.equal(errored.headers.get('access-control-allow-origin'), 'https://app.example', 'errors are readable by the allowed origin');
  });

  test('audit: one record per operation, who/what/outcome, never key material (records and logs)', async () => {
    records.length = 0;
    const secrets = [];
    const out = await captureOutput(async () => {
      const dk = await kr.generateDataKey({ encryptionContext: ec });
      secrets.push(b64(dk.plaintext), Buffer.from(dk.plaintext).toString('hex'));
      const d = await kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: ec });
      secrets.push(b64(d.plaintext));
      const e = await kr.encryptDataKey({ plaintext: dk.plaintext, encryptionContext: ec });
      assert.ok(e.ciphertextBlob.length > 0);
      await rejectsCode(kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: { tenant: 'evil' } }), 'ACCESS_DENIED');
      await rejectsCode(kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: { tenant: 'x' } }), 'INVALID_CIPHERTEXT');
    });
    assert.equal(records.length, 5);
    assert.deepEqual(records.map((r) => [r.operation, r.outcome, r.status, r.errorCode]), [
      ['GenerateDataKey', 'allowed', 200, null],
      ['Decrypt', 'allowed', 200, null],
      ['Encrypt', 'allowed', 200, null],
      ['Decrypt', 'denied', 403, 'AccessDeniedException'],
      ['Decrypt', 'error', 400, 'InvalidCiphertextException'],
    ]);
    for (const r of records) {
      assert.equal(r.principal, 'alice');
      assert.match(r.requestId, /^[0-9a-f-]{36}$/);
      assert.ok(r.keyId);
    }
    assert.deepEqual(records[0].encryptionContext, ec);
    assert.equal(records[0].kmsKeyId, kms.keyArn('alias/demo'));
    const dump = JSON.stringify(records) + out;
    for (const s of secrets) assert.ok(!dump.includes(s), 'no key material in audit records or logs');
  });

  test('audit failure fails closed: 500, no key handed out', async () => {
    const b = createBroker({ kms, devMode: true, audit: () => { throw new Error('sink down'); } });
    const r = await post(b, '/generate-data-key', { keyId: 'alias/demo', numberOfBytes: 32 });
    assert.equal(r.status, 500);
    assert.equal(r.json.error.code, 'InternalError');
    assert.ok(!('plaintext' in r.json));
  });
});

describe('broker configuration', async () => {
  const kms = await createDevKms();

  test('the default authorize refuses everything outside devMode', async () => {
    const b = createBroker({ kms, keyIds: ['alias/demo'] });
    const r = await post(b, '/kms/generate-data-key', { keyId: 'alias/demo', numberOfBytes: 32 });
    assert.equal(r.status, 403);
    assert.equal(r.json.error.code, 'AccessDeniedException');
  });

  test('devMode is refused with a real KMS client; keyIds required outside devMode', () => {
    const fakeClient = { send: async () => ({}) };
    assert.throws(() => createBroker({ kms: fakeClient, devMode: true, keyIds: ['alias/x'] }), TypeError);
    assert.throws(() => createBroker({ kms: fakeClient }), TypeError);
    assert.throws(() => createBroker({ kms: {} , keyIds: [] }), TypeError);
    assert.throws(() => createBroker({ kms, devMode: true, cors: { origins: ['https://a.example/path'] } }), TypeError);
  });

  test('basePath: only the configured mount answers', async () => {
    const b = createBroker({ kms, devMode: true, basePath: '/kms' });
    assert.equal((await post(b, '/kms/generate-data-key', { keyId: 'alias/demo', numberOfBytes: 32 })).status, 200);
    assert.equal((await post(b, '/other/generate-data-key', { keyId: 'alias/demo', numberOfBytes: 32 })).status, 404);
  });

  test('multi-Region keys: the broker calls its own replica, whatever Region the message names', async () => {
    const east = 'arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab';
    const west = east.replace('us-east-1', 'us-west-2');
    const calls = [];
    const port = { call: async (op, input) => { calls.push([op, input.KeyId]); if (op === 'DescribeKey') throw Object.assign(new Error('x'), { name: 'NotFoundException' }); return { KeyId: input.KeyId, Plaintext: new Uint8Array(32) }; } };
    const b = createBroker({ kms: port, keyIds: [east], authorize: () => true });
    const r = await post(b, '/decrypt', { keyId: west, ciphertextBlob: b64(new Uint8Array(40)) });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(calls.at(-1), ['Decrypt', east]);
    const other = await post(b, '/decrypt', { keyId: west.replace('111122223333', '444455556666'), ciphertextBlob: b64(new Uint8Array(40)) });
    assert.equal(other.status, 404, 'another account is another key');
  });

  test('KMS failures map to statuses; KMS messages are not forwarded', async () => {
    const failWith = (name, fault = 'client', extra = {}) => ({ call: async (op) => { if (op === 'DescribeKey') return { KeyMetadata: { KeyId: 'k', Arn: ARN } }; throw Object.assign(new Error(`secret detail arn:aws:iam::1:role/broker`), { name, $fault: fault, ...extra }); } });
    for (const [name, fault, status, code] of [
      ['ThrottlingException', 'client', 429, 'ThrottlingException'],
      ['KMSInternalException', 'server', 500, 'KMSInternalException'],
      ['DependencyTimeoutException', 'server', 503, 'DependencyTimeoutException'],
      ['AccessDeniedException', 'client', 403, 'AccessDeniedException'],
      ['SomeNewException', 'client', 400, 'BadRequest'],
      ['SomeServerError', 'server', 503, 'KMSUnavailable'],
      ['TypeError', undefined, 500, 'InternalError'],
      // AWS refusing the broker's own credentials is the broker's fault, not a bad request
      // (a stand-in KMS: moto does not check credentials)
      ['UnrecognizedClientException', 'client', 500, 'InternalError'],
      ['ExpiredTokenException', 'client', 500, 'InternalError'],
      ['InvalidSignatureException', 'client', 500, 'InternalError'],
    ]) {
      const b = createBroker({ kms: failWith(name, fault), keyIds: [ARN], authorize: () => true });
      const r = await post(b, '/generate-data-key', { keyId: ARN, numberOfBytes: 32 });
      assert.equal(r.status, status, name);
      assert.equal(r.json.error.code, code, name);
      assert.ok(!r.text.includes('secret detail'), 'KMS message not forwarded');
    }
    const net = { call: async () => { throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }); } };
    const r = await post(createBroker({ kms: net, keyIds: [ARN], authorize: () => true }), '/generate-data-key', { keyId: ARN, numberOfBytes: 32 });
    assert.equal(r.status, 503);
    assert.equal(r.json.error.code, 'KMSUnavailable');
  });

  test('/sign exists only over the dev KMS', async () => {
    const port = { call: async () => ({ KeyId: ARN, Signature: new Uint8Array(8) }) };
    const r = await post(createBroker({ kms: port, keyIds: [ARN], authorize: () => true }), '/sign', { keyId: ARN, message: 'aGk=', signingAlgorithm: 'ECDSA_SHA_256' });
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, 'UnknownOperation');
  });

  test('a KMS call that hangs is abandoned after kmsTimeoutMs: 503 KMSUnavailable, its signal aborted', async () => {
    let sawAbort = false;
    const hang = { call: (op, _input, signal) => new Promise((ok) => { if (op === 'DescribeKey') ok({ KeyMetadata: { KeyId: 'k', Arn: ARN } }); signal?.addEventListener('abort', () => { sawAbort = true; }); }) };
    const b = createBroker({ kms: hang, keyIds: [ARN], authorize: () => true, kmsTimeoutMs: 150 });
    const t0 = Date.now();
    const r = await post(b, '/generate-data-key', { keyId: ARN, numberOfBytes: 32 });
    assert.equal(r.status, 503);
    assert.equal(r.json.error.code, 'KMSUnavailable');
    assert.ok(Date.now() - t0 < 2000);
    assert.ok(sawAbort, 'the KMS call was told to stop');
    // a DescribeKey that hangs while the allow-list resolves is bounded the same way
    const hangAll = { call: (_op, _input, signal) => new Promise((_, ko) => signal?.addEventListener('abort', () => ko(new Error('stop')))) };
    const r2 = await post(createBroker({ kms: hangAll, keyIds: [ARN], authorize: () => true, kmsTimeoutMs: 100 }), '/generate-data-key', { keyId: ARN, numberOfBytes: 32 });
    assert.equal(r2.status, 503);
  });

  test('serve() refuses to expose the dev KMS beyond loopback', async () => {
    await assert.rejects(serve(createBroker({ kms, devMode: true }), { port: 0, host: '0.0.0.0' }), TypeError);
  });
});

describe('dev KMS', () => {
  test('key states: Disabled → KMS_KEY_DISABLED, PendingDeletion → KMS_INVALID_STATE, and back', async () => {
    const kms = await createDevKms();
    const broker = createBroker({ kms, devMode: true });
    const kr = new BrokerKeyring({ endpoint: 'http://broker.test/kms', keyId: 'alias/demo', fetch: (u, i) => broker.fetch(new Request(u, i)) });
    const dk = await kr.generateDataKey({ encryptionContext: { a: 'b' } });
    await kms.call('DisableKey', { KeyId: 'alias/demo' });
    await rejectsCode(kr.generateDataKey(), 'KMS_KEY_DISABLED');
    await rejectsCode(kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: { a: 'b' } }), 'KMS_KEY_DISABLED');
    await kms.call('EnableKey', { KeyId: dk.keyId });
    await kr.generateDataKey();
    await kms.call('ScheduleKeyDeletion', { KeyId: dk.keyId, PendingWindowInDays: 7 });
    const e = await rejectsCode(kr.encryptDataKey({ plaintext: new Uint8Array(32) }), 'KMS_INVALID_STATE');
    assert.equal(e.status, 409);
    await rejectsCode(kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: { a: 'b' } }), 'KMS_INVALID_STATE');
    await assert.rejects(kms.call('EnableKey', { KeyId: dk.keyId }), { name: 'KMSInvalidStateException' });
    await kms.call('CancelKeyDeletion', { KeyId: dk.keyId });
    await rejectsCode(kr.generateDataKey(), 'KMS_KEY_DISABLED');
    await kms.call('EnableKey', { KeyId: dk.keyId });
    assert.equal((await kr.decryptDataKey({ keyId: dk.keyId, ciphertextBlob: dk.ciphertextBlob, encryptionContext: { a: 'b' } })).plaintext.length, 32);
  });

  test('key ids in KMS formats: alias, alias ARN, key id, key ARN', async () => {
    const kms = await createDevKms({ region: 'eu-west-1', account: '123456789012' });
    const arn = kms.keyArn('alias/demo');
    assert.match(arn, /^arn:aws:kms:eu-west-1:123456789012:key\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const id = arn.split('/')[1];
    for (const k of ['alias/demo', 'arn:aws:kms:eu-west-1:123456789012:alias/demo', id, arn]) {
      assert.equal((await kms.call('GenerateDataKey', { KeyId: k, NumberOfBytes: 16 })).KeyId, arn);
    }
    await assert.rejects(kms.call('GenerateDataKey', { KeyId: arn.replace('eu-west-1', 'us-east-1'), NumberOfBytes: 16 }), { name: 'NotFoundException' });
    await assert.rejects(kms.call('Decrypt', { CiphertextBlob: new Uint8Array(80) }), { name: 'InvalidCiphertextException' });
  });

  test('signing keys verify with node:crypto (RAW messages, every spec)', async () => {
    const kms = await createDevKms({ aliases: [] });
    const broker = createBroker({ kms, devMode: true });
    const message = new TextEncoder().encode('edge-kms dev signing');
    for (const [spec, algs] of Object.entries({
      RSA_2048: ['RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_512', 'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384'],
      ECC_NIST_P256: ['ECDSA_SHA_256'], ECC_NIST_P384: ['ECDSA_SHA_384'], ECC_NIST_P521: ['ECDSA_SHA_512'], ECC_SECG_P256K1: ['ECDSA_SHA_256'],
    })) {
      const pk = await post(broker, '/public-key', { keyId: signingAlias(spec) });
      assert.equal(pk.status, 200, pk.text);
      assert.equal(pk.json.keySpec, spec);
      assert.equal(pk.json.keyUsage, 'SIGN_VERIFY');
      const key = createPublicKey({ key: Buffer.from(pk.json.publicKey, 'base64'), format: 'der', type: 'spki' });
      for (const alg of algs) {
        assert.ok(pk.json.signingAlgorithms.includes(alg));
        const s = await post(broker, '/sign', { keyId: signingAlias(spec), message: b64(message), messageType: 'RAW', signingAlgorithm: alg });
        assert.equal(s.status, 200, s.text);
        const hash = `sha${alg.slice(-3)}`;
        const opts = alg.startsWith('RSASSA_PSS') ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(-3)) / 8 } : key;
        assert.ok(verify(hash, message, opts, Buffer.from(s.json.signature, 'base64')), `${spec} ${alg}`);
      }
    }
    const wrong = await post(broker, '/sign', { keyId: signingAlias('ECC_NIST_P256'), message: b64(message), signingAlgorithm: 'ECDSA_SHA_384' });
    assert.equal(wrong.json.error.code, 'InvalidKeyUsageException');
    const sym = await post(broker, '/public-key', { keyId: signingAlias('RSA_2048').replace('rsa-2048', 'nope') });
    assert.equal(sym.status, 404);
  });

  test('RSA encryption keys: data keys sealed to the public key open through the broker (KMS RSA public-key sealing)', async () => {
    const kms = await createDevKms({ aliases: ['alias/demo'], signingKeys: [] });
    const broker = createBroker({ kms, devMode: true });
    const fetch = (u, i) => broker.fetch(new Request(u, i));
    const alias = encryptionAlias('RSA_2048');
    const pk = await post(broker, '/public-key', { keyId: alias });
    assert.equal(pk.status, 200, pk.text);
    assert.equal(pk.json.keyUsage, 'ENCRYPT_DECRYPT');
    assert.deepEqual(pk.json.encryptionAlgorithms, ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);
    assert.deepEqual(pk.json.signingAlgorithms, []);
    const key = createPublicKey({ key: Buffer.from(pk.json.publicKey, 'base64'), format: 'der', type: 'spki' });
    const arn = pk.json.keyId;
    // the same through the keyring
    const viaKeyring = await new BrokerKeyring({ endpoint: 'http://broker.test', keyId: alias, fetch }).getPublicKey();
    assert.deepEqual(viaKeyring, { keyId: arn, keySpec: 'RSA_2048', keyUsage: 'ENCRYPT_DECRYPT', publicKey: new Uint8Array(Buffer.from(pk.json.publicKey, 'base64')), signingAlgorithms: [], encryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] });
    await rejectsCode(new BrokerKeyring({ endpoint: 'http://broker.test', keyId: 'alias/demo', fetch }).getPublicKey(), 'BAD_REQUEST');
    const kr = new BrokerKeyring({ endpoint: 'http://broker.test', keyId: arn, fetch });
    // What KmsRsaPublicKeyring seals: SHA-384(serialized context; empty here) ‖ data key.
    // The broker answers an RSA Decrypt only when that digest is the request's context's.
    const dataKey = new Uint8Array(Buffer.concat([createHash('sha384').digest(), randomBytes(32)]));
    for (const [alg, oaepHash] of [['RSAES_OAEP_SHA_256', 'sha256'], ['RSAES_OAEP_SHA_1', 'sha1']]) {
      const sealed = new Uint8Array(publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, dataKey));
      const opened = await kr.decryptDataKey({ ciphertextBlob: sealed, encryptionAlgorithm: alg });
      assert.deepEqual(opened.plaintext, dataKey, alg);
      assert.equal(opened.keyId, arn);
      const raw = new Uint8Array(publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, randomBytes(32)));
      await rejectsCode(kr.decryptDataKey({ ciphertextBlob: raw, encryptionAlgorithm: alg }), 'ENCRYPTION_CONTEXT_MISMATCH');
    }
    const sealed = new Uint8Array(publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, dataKey));
    await rejectsCode(kr.decryptDataKey({ ciphertextBlob: sealed }), 'INVALID_KEY_USAGE');
    await rejectsCode(kr.decryptDataKey({ ciphertextBlob: sealed, encryptionAlgorithm: 'RSAES_OAEP_SHA_1' }), 'INVALID_CIPHERTEXT');
    await rejectsCode(kr.decryptDataKey({ ciphertextBlob: sealed, encryptionAlgorithm: 'RSAES_OAEP_SHA_256', encryptionContext: { a: 'b' } }), 'ENCRYPTION_CONTEXT_MISMATCH');
    await rejectsCode(kr.decryptDataKey({ ciphertextBlob: sealed, encryptionAlgorithm: 'RSAES_OAEP_SHA_512' }), 'INVALID_ARGUMENT');
    await rejectsCode(kr.generateDataKey(), 'INVALID_KEY_USAGE');
    const viaKms = await kr.encryptDataKey({ plaintext: dataKey, encryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    assert.deepEqual((await kr.decryptDataKey({ ciphertextBlob: viaKms.ciphertextBlob, encryptionAlgorithm: 'RSAES_OAEP_SHA_256' })).plaintext, dataKey);
    await rejectsCode(kr.encryptDataKey({ plaintext: new Uint8Array(191), encryptionAlgorithm: 'RSAES_OAEP_SHA_256' }), 'BAD_REQUEST');
    // a symmetric key refuses RSAES
    const sym = new BrokerKeyring({ endpoint: 'http://broker.test', keyId: 'alias/demo', fetch });
    await rejectsCode(sym.encryptDataKey({ plaintext: dataKey, encryptionAlgorithm: 'RSAES_OAEP_SHA_256' }), 'INVALID_KEY_USAGE');
  });

  test('key file: mode 0600, reloaded with the same keys and states, loose permissions refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'edge-kms-devkms-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'dev-kms.json');
    const kms1 = await createDevKms({ file, signingKeys: ['ECC_NIST_P256'], encryptionKeys: ['RSA_2048'] });
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const dk = await kms1.call('GenerateDataKey', { KeyId: 'alias/demo', NumberOfBytes: 32, EncryptionContext: { a: 'b' } });
    const pub1 = (await kms1.call('GetPublicKey', { KeyId: signingAlias('ECC_NIST_P256') })).PublicKey;
    await kms1.call('CreateKey', {}).then(({ KeyMetadata }) => kms1.call('DisableKey', { KeyId: KeyMetadata.KeyId }));
    await kms1.flush();
    assert.equal((await stat(file)).mode & 0o777, 0o600, 'rewrites keep 0600');
    const rsaBlob = (await kms1.call('Encrypt', { KeyId: encryptionAlias('RSA_2048'), Plaintext: new Uint8Array(16).fill(3), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })).CiphertextBlob;
    await kms1.flush();
    const kms2 = await createDevKms({ file, signingKeys: ['ECC_NIST_P256'], encryptionKeys: ['RSA_2048'] });
    assert.deepEqual((await kms2.call('Decrypt', { KeyId: encryptionAlias('RSA_2048'), CiphertextBlob: rsaBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })).Plaintext, new Uint8Array(16).fill(3));
    assert.equal(kms2.keyArn('alias/demo'), kms1.keyArn('alias/demo'));
    const back = await kms2.call('Decrypt', { CiphertextBlob: dk.CiphertextBlob, EncryptionContext: { a: 'b' } });
    assert.deepEqual(back.Plaintext, dk.Plaintext);
    assert.deepEqual((await kms2.call('GetPublicKey', { KeyId: signingAlias('ECC_NIST_P256') })).PublicKey, pub1);
    const text = await readFile(file, 'utf8');
    assert.match(text, /NOT FOR PRODUCTION/);
    assert.equal(JSON.parse(text).keys.filter((k) => k.keyState === 'Disabled').length, 1);
    await chmod(file, 0o644);
    await assert.rejects(createDevKms({ file }), /readable by others/);
  });
});

describe('protocol helpers', async () => {
  const { decodeBase64, encodeBase64, parseRequest, ProtocolError, mrkMatch, parseArn } = await import('../../pkg/protocol.js');

  test('base64: matches Buffer on every length 0..300, refuses non-canonical text', () => {
    for (let n = 0; n <= 300; n++) {
      const bytes = new Uint8Array(randomBytes(n));
      const text = encodeBase64(bytes);
      assert.equal(text, Buffer.from(bytes).toString('base64'));
      assert.deepEqual(decodeBase64(text), bytes);
    }
    for (const bad of ['QR==', 'QUI=x', 'QUJ', ' QUJD', 'QUJD\n', 'QU-D', 'QU_D', 'Q===', '====', 'QUJDé', 12, null]) {
      assert.equal(decodeBase64(bad), null, JSON.stringify(bad));
    }
    assert.deepEqual(decodeBase64(''), new Uint8Array(0));
  });

  test('parseRequest: random JSON never throws anything but ProtocolError', () => {
    const values = [null, true, 0, -1, 1.5, 1024, 1025, '', 'x', 'QUJD', [], [1], {}, { a: 'b' }, { a: 1 }, { __proto__: null }, 'alias/demo', 'a'.repeat(3000)];
    const fields = ['keyId', 'encryptionContext', 'numberOfBytes', 'ciphertextBlob', 'plaintext', 'encryptionAlgorithm', 'grantTokens', 'message', 'messageType', 'signingAlgorithm', '__proto__', 'constructor'];
    const valid = {
      GenerateDataKey: { keyId: 'alias/demo', numberOfBytes: 32, encryptionContext: { a: 'b' } },
      Decrypt: { keyId: 'alias/demo', ciphertextBlob: 'QUJD', encryptionContext: {} },
      Encrypt: { keyId: 'alias/demo', plaintext: 'QUJD', encryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
      GetPublicKey: { keyId: 'alias/demo' },
      Sign: { keyId: 'alias/demo', message: 'QUJD', messageType: 'RAW', signingAlgorithm: 'ECDSA_SHA_256' },
    };
    let ok = 0;
    for (let i = 0; i < 3000; i++) {
      const op = Object.keys(valid)[i % 5];
      const body = { ...valid[op] };
      // zero to three mutations of a valid body: set any field to any value, or drop one
      for (let m = Math.floor(Math.random() * 4); m > 0; m--) {
        const f = fields[Math.floor(Math.random() * fields.length)];
        if (Math.random() < 0.2) delete body[f]; else body[f] = values[Math.floor(Math.random() * values.length)];
      }
      try {
        const input = parseRequest(op, JSON.parse(JSON.stringify(body)));
        assert.equal(typeof input.KeyId, 'string');
        ok++;
      } catch (e) {
        assert.ok(e instanceof ProtocolError, `${op} ${JSON.stringify(body).slice(0, 200)}: ${e}`);
      }
    }
    assert.ok(ok > 0, 'some random bodies are valid');
    // a JSON "__proto__" key is an own property: refused, no prototype change
    assert.throws(() => parseRequest('GenerateDataKey', JSON.parse('{"keyId":"k","numberOfBytes":32,"__proto__":{"x":1}}')), ProtocolError);
    const input = parseRequest('GenerateDataKey', JSON.parse('{"keyId":"k","numberOfBytes":32,"encryptionContext":{"__proto__":"v"}}'));
    assert.equal(Object.getPrototypeOf(input.EncryptionContext), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(input.EncryptionContext, '__proto__').value, 'v');
  });

  test('multi-Region match: same key in another Region only', () => {
    const a = 'arn:aws:kms:us-east-1:111122223333:key/mrk-0123456789abcdef0123456789abcdef';
    assert.ok(mrkMatch(a, a.replace('us-east-1', 'eu-west-1')));
    assert.ok(!mrkMatch(a, a.replace('111122223333', '444455556666')));
    assert.ok(!mrkMatch(a, a.replace('mrk-0', 'mrk-1')));
    const single = 'arn:aws:kms:us-east-1:111122223333:key/0d9e7e55-5d1f-4ac8-9c1c-2f1f2b0e3c11';
    assert.ok(!mrkMatch(single, single.replace('us-east-1', 'eu-west-1')), 'single-Region keys never match across Regions');
    assert.equal(parseArn('alias/demo'), null);
    assert.deepEqual(parseArn('arn:aws-cn:kms:cn-north-1:111122223333:alias/x'), { partition: 'aws-cn', region: 'cn-north-1', account: '111122223333', type: 'alias', resource: 'x' });
  });

  test('dev KMS: the encryption context binds as a set of pairs, not an order', async () => {
    const kms = await createDevKms({ signingKeys: [], encryptionKeys: [] });
    const { CiphertextBlob } = await kms.call('GenerateDataKey', { KeyId: 'alias/demo', NumberOfBytes: 32, EncryptionContext: { a: '1', b: '2', 'ü': '3' } });
    await kms.call('Decrypt', { CiphertextBlob, EncryptionContext: { 'ü': '3', b: '2', a: '1' } });
    await assert.rejects(kms.call('Decrypt', { CiphertextBlob, EncryptionContext: { a: '1', b: '2' } }), { name: 'InvalidCiphertextException' });
    await assert.rejects(kms.call('Decrypt', { CiphertextBlob, EncryptionContext: { a: '1', b: '2', 'ü': '3', c: '' } }), { name: 'InvalidCiphertextException' });
  });
});

describe('node adapter', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'edge-kms-static-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const { writeFile, mkdir } = await import('node:fs/promises');
  await mkdir(join(dir, 'www', 'sub'), { recursive: true });
  await writeFile(join(dir, 'www', 'index.html'), '<h1>edge-kms</h1>');
  await writeFile(join(dir, 'www', 'sub', 'app.js'), 'export {}');
  await writeFile(join(dir, 'secret.txt'), 'do not serve');
  const kms = await createDevKms({ signingKeys: [], encryptionKeys: [] });
  const logs = [];
  const server = await serve(createBroker({ kms, devMode: true, basePath: '/kms' }), { port: 0, staticDirs: { '/': join(dir, 'www') }, log: (m) => logs.push(m) });
  cleanups.push(server.close);

  test('static files, with types; traversal never escapes the directory', async () => {
    const index = await fetch(`${server.url}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type'), /text\/html/);
    assert.equal(await index.text(), '<h1>edge-kms</h1>');
    const js = await fetch(`${server.url}/sub/app.js`);
    assert.match(js.headers.get('content-type'), /javascript/);
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/sub/..%2f..%2fsecret.txt', '/%2e%2e%2fsecret.txt', '/sub/%00']) {
      const r = await fetch(`${server.url}${path}`);
      assert.notEqual(await r.text(), 'do not serve', path);
    }
  });

  test('the broker answers beside the static files, and says it is a development KMS', async () => {
    const r = await fetch(`${server.url}/kms/generate-data-key`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keyId: 'alias/demo', numberOfBytes: 16 }) });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.ok(logs.some((l) => /DEVELOPMENT KMS, NOT FOR PRODUCTION/.test(l)));
  });
});
