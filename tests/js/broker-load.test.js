// 10,000 requests, 50 in flight, to the Node broker on 127.0.0.1, a fifth
// of them malformed or refused: zero wrong answers and every decision
// audited. The broker is configured as in production (allow-list, an
// `authorize` that checks the caller's tenant against the encryption
// context, an audit sink) over the dev KMS behind a plain `{ call }` port.
//
// Every answer is checked: a data key from /generate-data-key must be the
// one its ciphertextBlob seals (opened again through /decrypt by a later
// request, or through the dev KMS at the end); /decrypt must return that
// same key; /encrypt's blob must open to its plaintext; each malformed or
// refused request must get its status and error code. Each answer names its
// audit record (x-request-id), and the record must say the same.
//
// Speed is measured in pkg-scripts/bench (bench/broker-load.js, client in its
// own process, beside a plain node:http peer); this test holds only a
// generous sanity bound.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createBroker, createDevKms } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';
import { send, pool, rng } from './broker-http.js';

const dev = await createDevKms({ aliases: ['alias/demo', 'alias/other'], signingKeys: [], encryptionKeys: [] });
const ARN = { 'alias/demo': dev.keyArn('alias/demo'), 'alias/other': dev.keyArn('alias/other') };
const cleanups = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });

const TENANTS = ['acme', 'globex', 'initech'];
/** The app's `authorize`: `x-user: name:tenant`; the context's tenant must be the caller's. */
function authorize(request, _operation, _keyId, ec) {
  const [user, tenant] = (request.headers.get('x-user') ?? '').split(':');
  if (!user) return { allow: false, status: 401 };
  return { allow: ec.tenant === tenant, principal: user };
}

/**
 * The mix. Each kind builds its request from the state so far and returns
 * the answer it expects: `status`, `code` for refusals, `check(json)` for
 * answers that carry keys. Weights are per 100.
 */
const KINDS = {
  // well-formed and allowed (80 %)
  generate: 38,
  decrypt: 20,
  encrypt: 12,
  otherKey: 10,
  // malformed (12 %)
  badJson: 1, wrongType: 1, get: 1, unknownField: 1, badSize: 1, badBase64: 1, tooLarge: 1, badUtf8: 1, wrongContext: 1, tampered: 1, notServed: 1, unknownPath: 1,
  // refused by authorize (8 %)
  otherTenant: 5, anonymous: 3,
};
const WHEEL = Object.entries(KINDS).flatMap(([k, w]) => Array(w).fill(k));
assert.equal(WHEEL.length, 100);

test('10,000 requests, 50 in flight, a fifth malformed or refused: zero wrong answers, every decision audited', { timeout: 300_000 }, async (t) => {
  const records = [];
  const broker = createBroker({
    kms: { call: (op, input) => dev.call(op, input) },
    keyIds: ['alias/demo', 'alias/other'],
    authorize,
    audit: (r) => { records.push(r); },
  });
  const served = await serve(broker, { port: 0, log: () => {} });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
  cleanups.push(async () => { agent.destroy(); await served.close(); });

  const rand = rng(2026);
  const pick = (a) => a[Math.floor(rand() * a.length)];
  const randomBytes = (n) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
  const b64 = (u8) => Buffer.from(u8).toString('base64');

  /** Data keys handed out so far: { keyId, plaintext, blob, ec, opened } */
  const issued = [];
  const N = 10_000;
  const latencies = new Float64Array(N);
  const tally = {};
  const wrong = [];

  /** @param {number} i */
  async function one(i) {
    let kind = pick(WHEEL);
    const needsKey = ['decrypt', 'wrongContext', 'tampered'].includes(kind);
    if (needsKey && issued.length === 0) kind = 'generate';
    const tenant = pick(TENANTS);
    const user = { 'x-user': `user${i % 7}:${tenant}` };
    const ec = { tenant, request: String(i) };
    const prior = needsKey ? pick(issued) : null;
    /** @type {{ req: Parameters<typeof send>[2], status: number, code?: string, check?: (json: any) => void | Promise<void> }} */
    let plan;
    switch (kind) {
      case 'generate':
      case 'otherKey': {
        const keyId = kind === 'otherKey' ? 'alias/other' : 'alias/demo';
        const n = pick([16, 32, 64]);
        plan = {
          req: json('/generate-data-key', { keyId, numberOfBytes: n, encryptionContext: ec }, user), status: 200,
          check: (j) => {
            assert.equal(j.keyId, ARN[keyId]);
            const plaintext = Buffer.from(j.plaintext, 'base64');
            assert.equal(plaintext.length, n);
            issued.push({ keyId: j.keyId, plaintext, blob: j.ciphertextBlob, ec, user, opened: false });
          },
        };
        break;
      }
      case 'decrypt':
        plan = {
          req: json('/decrypt', { keyId: prior.keyId, ciphertextBlob: prior.blob, encryptionContext: prior.ec }, prior.user), status: 200,
          check: (j) => {
            assert.equal(j.keyId, prior.keyId);
            assert.ok(Buffer.from(j.plaintext, 'base64').equals(prior.plaintext), 'the data key the blob was issued with');
            prior.opened = true;
          },
        };
        break;
      case 'encrypt': {
        const plaintext = randomBytes(1 + Math.floor(rand() * 64));
        plan = {
          req: json('/encrypt', { keyId: 'alias/demo', plaintext: b64(plaintext), encryptionContext: ec }, user), status: 200,
          check: async (j) => {
            assert.equal(j.keyId, ARN['alias/demo']);
            const back = await dev.call('Decrypt', { CiphertextBlob: new Uint8Array(Buffer.from(j.ciphertextBlob, 'base64')), EncryptionContext: ec });
            assert.deepEqual(back.Plaintext, plaintext);
          },
        };
        break;
      }
      case 'badJson': plan = { req: raw('/generate-data-key', '{"keyId":"alias/demo",', user), status: 400, code: 'BadRequest' }; break;
      case 'wrongType': plan = { req: raw('/generate-data-key', JSON.stringify({ keyId: 'alias/demo', numberOfBytes: 32 }), user, 'text/plain'), status: 415, code: 'UnsupportedMediaType' }; break;
      case 'get': plan = { req: { method: 'GET', path: '/generate-data-key', headers: user }, status: 405, code: 'MethodNotAllowed' }; break;
      case 'unknownField': plan = { req: json('/generate-data-key', { keyId: 'alias/demo', numberOfBytes: 32, encryptionContext: ec, keySpec: 'AES_256' }, user), status: 400, code: 'BadRequest' }; break;
      case 'badSize': plan = { req: json('/generate-data-key', { keyId: 'alias/demo', numberOfBytes: pick([0, 1025, 1.5, '32', -1, null]), encryptionContext: ec }, user), status: 400, code: 'BadRequest' }; break;
      case 'badBase64': plan = { req: json('/decrypt', { keyId: 'alias/demo', ciphertextBlob: pick(['!!!!', 'QUJD\n', 'QR==', 'QUI']), encryptionContext: ec }, user), status: 400, code: 'BadRequest' }; break;
      case 'tooLarge': plan = { req: json('/encrypt', { keyId: 'alias/demo', plaintext: 'A'.repeat(40_000), encryptionContext: ec }, user), status: 413, code: 'PayloadTooLarge' }; break;
      case 'badUtf8': plan = { req: { path: '/generate-data-key', headers: { 'content-type': 'application/json', ...user }, body: Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) }, status: 400, code: 'BadRequest' }; break;
      case 'wrongContext': plan = { req: json('/decrypt', { keyId: prior.keyId, ciphertextBlob: prior.blob, encryptionContext: { ...prior.ec, request: `${prior.ec.request}x` } }, prior.user), status: 400, code: 'InvalidCiphertextException' }; break;
      case 'tampered': {
        const blob = Buffer.from(prior.blob, 'base64');
        blob[Math.floor(rand() * blob.length)] ^= 1 << Math.floor(rand() * 8);
        // a flip in the key id part names another key; anywhere else the tag fails
        plan = { req: json('/decrypt', { keyId: prior.keyId, ciphertextBlob: blob.toString('base64'), encryptionContext: prior.ec }, prior.user), status: 400, code: null };
        break;
      }
      case 'notServed': plan = { req: json('/generate-data-key', { keyId: pick(['alias/nope', 'arn:aws:kms:us-east-1:111122223333:key/00000000-0000-4000-8000-000000000000']), numberOfBytes: 32, encryptionContext: ec }, user), status: 404, code: 'NotFoundException' }; break;
      case 'unknownPath': plan = { req: json('/rotate-key', { keyId: 'alias/demo' }, user), status: 404, code: 'UnknownOperation' }; break;
      case 'otherTenant': plan = { req: json('/generate-data-key', { keyId: 'alias/demo', numberOfBytes: 32, encryptionContext: { ...ec, tenant: TENANTS[(TENANTS.indexOf(tenant) + 1) % 3] } }, user), status: 403, code: 'AccessDeniedException' }; break;
      case 'anonymous': plan = { req: json('/generate-data-key', { keyId: 'alias/demo', numberOfBytes: 32, encryptionContext: ec }, {}), status: 401, code: 'Unauthorized' }; break;
      default: throw new Error(kind);
    }
    const t0 = performance.now();
    const res = await send(agent, served.url, plan.req);
    latencies[i] = performance.now() - t0;
    tally[kind] = (tally[kind] ?? 0) + 1;
    try {
      assert.equal(res.status, plan.status, res.text.slice(0, 200));
      if (plan.status === 200) {
        await plan.check(res.json);
      } else {
        assert.ok(res.json?.error && !('plaintext' in res.json), 'an error body and no key');
        if (plan.code === null) assert.ok(['InvalidCiphertextException', 'IncorrectKeyException'].includes(res.json.error.code), res.json.error.code);
        else assert.equal(res.json.error.code, plan.code);
      }
    } catch (e) {
      wrong.push(`${i} ${kind}: ${e.message}`);
    }
    return { kind, res, user: plan.req.headers?.['x-user'] };
  }

  const t0 = performance.now();
  const answers = await pool(N, 50, one);
  const seconds = (performance.now() - t0) / 1000;
  assert.deepEqual(wrong, [], 'zero wrong answers');

  // the keys no later request opened: opened now, through the dev KMS
  let direct = 0;
  for (const k of issued) {
    if (k.opened) continue;
    const back = await dev.call('Decrypt', { CiphertextBlob: new Uint8Array(Buffer.from(k.blob, 'base64')), EncryptionContext: k.ec });
    assert.ok(k.plaintext.equals(back.Plaintext), 'the data key its blob seals');
    direct++;
  }

  // every decision audited, and the record says what the answer said
  const audited = answers.filter((a) => a.kind !== 'unknownPath');
  assert.equal(records.length, audited.length, 'one audit record per operation request');
  const byId = new Map(records.map((r) => [r.requestId, r]));
  assert.equal(byId.size, records.length);
  for (const { kind, res, user } of answers) {
    const id = res.headers['x-request-id'];
    if (kind === 'unknownPath') { assert.equal(id, undefined, 'no operation, no audit record'); continue; }
    const r = byId.get(id);
    assert.ok(r, `${kind}: the answer names its audit record`);
    assert.equal(r.status, res.status, kind);
    assert.equal(r.errorCode, res.status === 200 ? null : res.json.error.code, kind);
    assert.equal(r.outcome, res.status === 200 ? 'allowed' : res.status === 401 || res.status === 403 ? 'denied' : 'error', kind);
    if (res.status === 200 || res.status === 403) assert.equal(r.principal, user.split(':')[0], kind);
    if (res.status === 200) assert.ok(!JSON.stringify(r).includes(res.json.plaintext ?? '\0'), 'no key in the audit');
  }

  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const p99 = sorted[Math.floor(0.99 * N)];
  t.diagnostic(`${N} requests in ${seconds.toFixed(1)} s (${(N / seconds).toFixed(0)}/s, client and broker in one process), p50 ${sorted[N >> 1].toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; ${issued.length} data keys (${issued.length - direct} reopened through /decrypt, ${direct} through the dev KMS); ${JSON.stringify(tally)}`);
  // a sanity bound only: the latency target is the bench's (client in its own process)
  assert.ok(p99 < 2000, `p99 ${p99.toFixed(0)} ms`);
});

/** @param {string} path @param {unknown} body @param {Record<string, string>} headers */
function json(path, body, headers) {
  return { path, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
/** @param {string} path @param {string} body @param {Record<string, string>} headers */
function raw(path, body, headers, type = 'application/json') {
  return { path, headers: { 'content-type': type, ...headers }, body };
}
