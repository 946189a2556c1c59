// Per-principal rate limiting in the Node broker: createRateLimiter (a
// bounded token bucket per principal) as createBroker's `rateLimit`, served
// by edge-kms/broker/node over the dev KMS. A throttled request is 429
// RateLimited with Retry-After; BrokerKeyring waits at least that long and
// retries, or reports THROTTLED. (The Worker's Rate Limiting binding is
// tested in worker-broker.test.js.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerKeyring } from 'edge-kms';
import { createBroker, createDevKms } from 'edge-kms/broker';
import { serve, createRateLimiter } from 'edge-kms/broker/node';
import { rejectsCode } from './broker-helpers.js';

test('createRateLimiter: burst, refill, Retry-After, one bucket per principal', () => {
  let t = 1_000_000;
  const limit = createRateLimiter({ ratePerSecond: 2, burst: 3, now: () => t });
  assert.deepEqual([limit('a'), limit('a'), limit('a')], [true, true, true]);
  assert.deepEqual(limit('a'), { retryAfterSeconds: 1 });
  assert.equal(limit('b'), true, 'another principal has its own bucket');
  t += 499;
  assert.notEqual(limit('a'), true, 'under one token after 499 ms at 2/s');
  t += 2;
  assert.equal(limit('a'), true, 'one token after 501 ms');
  t += 60_000;
  assert.deepEqual([limit('a'), limit('a'), limit('a'), limit('a')], [true, true, true, { retryAfterSeconds: 1 }], 'refilled to the burst, not beyond');
  const slow = createRateLimiter({ ratePerSecond: 0.1, now: () => t });
  assert.equal(slow(null), true, 'burst defaults to ratePerSecond, at least one request');
  assert.deepEqual(slow(null), { retryAfterSeconds: 10 });
  assert.deepEqual(slow(null), { retryAfterSeconds: 10 }, 'a refused request costs no token');
});

test('createRateLimiter: memory stays bounded by maxPrincipals (least recently used dropped)', () => {
  let t = 0;
  const limit = createRateLimiter({ ratePerSecond: 1, burst: 1, maxPrincipals: 100, now: () => t });
  assert.equal(limit('keep'), true);
  for (let i = 0; i < 10_000; i++) {
    limit(`p${i}`);
    if (i % 50 === 0) assert.notEqual(limit('keep'), true, 'a principal used recently keeps its (empty) bucket');
    assert.ok(limit.size <= 100, `${limit.size} buckets`);
  }
  assert.equal(limit.size, 100);
  // p0 was dropped long ago: it starts again with a full bucket
  assert.equal(limit('p0'), true);
});

test('createRateLimiter: bad options are TypeErrors', () => {
  assert.throws(() => createRateLimiter({ ratePerSecond: 0 }), TypeError);
  assert.throws(() => createRateLimiter({ ratePerSecond: 1, burst: 0.5 }), TypeError);
  assert.throws(() => createRateLimiter({ ratePerSecond: 1, maxPrincipals: 0 }), TypeError);
  assert.throws(() => createRateLimiter(), TypeError);
  assert.throws(() => createBroker({ kms: { call: async () => ({}) }, keyIds: ['k'], rateLimit: 'yes' }), TypeError);
});

test('node broker: 429 RateLimited with Retry-After per principal; BrokerKeyring honours it', async () => {
  const kms = await createDevKms({ signingKeys: [] });
  const records = [];
  const users = { 'Bearer alice': 'alice', 'Bearer bob': 'bob' };
  const broker = createBroker({
    kms,
    keyIds: ['alias/demo'],
    authorize: (q) => { const u = users[q.headers.get('authorization')]; return u ? { allow: true, principal: u } : { allow: false, status: 401 }; },
    rateLimit: createRateLimiter({ ratePerSecond: 1, burst: 2 }),
    cors: ['https://app.example'],
    audit: (r) => { records.push(r); },
  });
  const node = await serve(broker, { port: 0 });
  try {
    const kr = (who, extra = {}) => new BrokerKeyring({ endpoint: `${node.url}/kms`, keyId: 'alias/demo', headers: { authorization: `Bearer ${who}` }, ...extra });
    await kr('alice').generateDataKey();
    await kr('alice').generateDataKey();
    const err = await rejectsCode(kr('alice', { retries: 0 }).generateDataKey(), 'THROTTLED');
    assert.equal(err.status, 429);
    assert.equal(err.kmsCode, 'RateLimited');
    await kr('bob').generateDataKey(); // bob is not alice

    // the wire: Retry-After, readable cross-origin, and an audit record naming the principal
    const res = await fetch(`${node.url}/kms/generate-data-key`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer alice', origin: 'https://app.example' }, body: JSON.stringify({ keyId: 'alias/demo', numberOfBytes: 32 }) });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '1');
    assert.match(res.headers.get('access-control-expose-headers'), /retry-after/);
    assert.equal((await res.json()).error.code, 'RateLimited');
    const last = records.at(-1);
    assert.deepEqual([last.principal, last.errorCode, last.status, last.kmsKeyId], ['alice', 'RateLimited', 429, null]);

    // with retries, the keyring waits for Retry-After (1 s) and gets through
    const t0 = Date.now();
    const dk = await kr('alice', { retries: 2 }).generateDataKey();
    assert.equal(dk.plaintext.length, 32);
    assert.ok(Date.now() - t0 >= 900, `waited ${Date.now() - t0} ms`);

    // unauthenticated callers are refused before the limiter is asked
    const n = records.length;
    await rejectsCode(kr('mallory').generateDataKey(), 'ACCESS_DENIED');
    assert.equal(records.at(-1).errorCode, 'Unauthorized');
    assert.equal(records.length, n + 1);
  } finally {
    await node.close();
  }
});

test('broker: a rateLimit that throws fails closed (500, nothing handed out)', async () => {
  const kms = await createDevKms({ signingKeys: [] });
  let called = 0;
  const broker = createBroker({ kms, keyIds: ['alias/demo'], authorize: () => true, rateLimit: () => { called++; throw new Error('limiter down'); } });
  const res = await broker.fetch(new Request('http://localhost/kms/generate-data-key', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keyId: 'alias/demo', numberOfBytes: 32 }) }));
  assert.equal(res.status, 500);
  const body = await res.json();
  assert.equal(body.error.code, 'InternalError');
  assert.equal(body.plaintext, undefined);
  assert.equal(called, 1);
  // and a limiter answering anything but `true` throttles
  const odd = createBroker({ kms, keyIds: ['alias/demo'], authorize: () => true, rateLimit: () => undefined });
  const r2 = await odd.fetch(new Request('http://localhost/kms/generate-data-key', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keyId: 'alias/demo', numberOfBytes: 32 }) }));
  assert.equal(r2.status, 429);
  assert.equal(r2.headers.get('retry-after'), '1');
});
