// The broker under KMS faults and misbehaving clients, over real HTTP
// (edge-kms/broker/node on 127.0.0.1). KMS is the dev KMS behind a stand-in
// `{ call(operation, input, signal) }` port that injects what moto cannot
// play on cue: throttling storms, KMS server faults, slow calls and calls
// that never answer (moto answers every call at once). Every answer is
// checked: a data key must really decrypt its ciphertextBlob through the dev
// KMS, a refusal must carry the fault's code, and every request must leave
// exactly one audit record saying what happened.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { BrokerKeyring } from 'edge-kms';
import { createBroker, createDevKms, KmsException } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';
import { rejectsCode } from './broker-helpers.js';
import { send, postJson, halfBody, pool, until, rng, gc, handles } from './broker-http.js';

const dev = await createDevKms({ signingKeys: [], encryptionKeys: [] });
const ARN = dev.keyArn('alias/demo');
const cleanups = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });

/**
 * The stand-in KMS. `fault(operation, input)` decides each call (DescribeKey
 * of the allow-list always passes): undefined, the dev KMS answers;
 * `{ error }`, thrown; `{ delayMs }`, the dev KMS answers that much later;
 * `{ hang: 'abortable' }`, no answer until the call's abort signal fires;
 * `{ hang: 'deaf' }`, no answer ever, abort or not (a stuck client library).
 * @param {(operation: string, input: any) => undefined | { error?: Error, delayMs?: number, hang?: 'abortable' | 'deaf' }} fault
 */
function standIn(fault) {
  const log = { calls: 0, aborted: 0, pending: 0 };
  return {
    log,
    call(operation, input, signal) {
      if (operation === 'DescribeKey') return dev.call(operation, input);
      log.calls++;
      const f = fault(operation, input);
      if (!f) return dev.call(operation, input);
      if (f.error) return Promise.reject(f.error);
      log.pending++;
      return new Promise((resolve, reject) => {
        const t = f.delayMs === undefined ? undefined : setTimeout(() => { log.pending--; dev.call(operation, input).then(resolve, reject); }, f.delayMs);
        signal?.addEventListener('abort', () => {
          log.aborted++;
          if (f.hang === 'deaf') return;
          clearTimeout(t);
          log.pending--;
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        }, { once: true });
      });
    },
  };
}

/** A broker over `kms` served on 127.0.0.1, with its audit records and a keep-alive client agent. */
async function start(kms, options = {}) {
  const records = [];
  const broker = createBroker({ kms, keyIds: ['alias/demo'], authorize: () => ({ allow: true, principal: 'p' }), audit: (r) => { records.push(r); }, ...options });
  const served = await serve(broker, { port: 0, log: () => {} });
  let requests = 0;
  served.server.on('request', () => { requests++; });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
  const stop = async () => { agent.destroy(); await served.close(); };
  cleanups.push(stop);
  return { url: served.url, server: served.server, records, agent, requests: () => requests, stop };
}

const gdk = (ec, n = 32) => ({ keyId: 'alias/demo', numberOfBytes: n, encryptionContext: ec });

/** A 200 GenerateDataKey answer: its plaintext is the data key its ciphertextBlob seals under `ec`. */
async function assertRealDataKey(json, ec, n = 32) {
  assert.equal(json.keyId, ARN);
  const plaintext = Buffer.from(json.plaintext, 'base64');
  assert.equal(plaintext.length, n);
  const back = await dev.call('Decrypt', { CiphertextBlob: new Uint8Array(Buffer.from(json.ciphertextBlob, 'base64')), EncryptionContext: ec });
  assert.ok(plaintext.equals(back.Plaintext), 'the data key is the one sealed in ciphertextBlob');
}

/** One audit record per answer, found by the answer's x-request-id, with the answer's status, code and outcome. */
function assertAudited(responses, records) {
  assert.equal(records.length, responses.length, 'one audit record per request');
  const byId = new Map(records.map((r) => [r.requestId, r]));
  assert.equal(byId.size, records.length, 'request ids are unique');
  for (const res of responses) {
    const rec = byId.get(res.headers['x-request-id']);
    assert.ok(rec, 'the answer names its audit record');
    assert.equal(rec.status, res.status);
    assert.equal(rec.errorCode, res.status === 200 ? null : res.json.error.code);
    assert.equal(rec.outcome, res.status === 200 ? 'allowed' : res.status === 401 || res.status === 403 ? 'denied' : 'error');
    assert.ok(!JSON.stringify(rec).includes(res.json?.plaintext ?? '\0'), 'no key material in the audit');
  }
}

test('a storm of KMS throttling and server faults: every answer is a real data key or the fault\'s code, every request audited', async () => {
  const FAULTS = [
    [() => new KmsException('ThrottlingException', 'Rate exceeded for arn:aws:iam::1:role/broker'), 429, 'ThrottlingException'],
    [() => Object.assign(new Error('internal'), { name: 'KMSInternalException', $fault: 'server' }), 500, 'KMSInternalException'],
    [() => Object.assign(new Error('dependency'), { name: 'DependencyTimeoutException', $fault: 'server' }), 503, 'DependencyTimeoutException'],
    [() => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 503, 'KMSUnavailable'],
  ];
  // Requests name themselves in the context. 70 % of the first 400 meet a
  // fault (mostly throttling); none after: the storm passes.
  const rand = rng(9);
  /** @type {Map<string, number>} */
  const planned = new Map();
  for (let i = 0; i < 400; i++) {
    const x = rand();
    if (x < 0.7) planned.set(String(i), x < 0.55 ? 0 : x < 0.6 ? 1 : x < 0.65 ? 2 : 3);
  }
  const kms = standIn((_op, input) => {
    const k = planned.get(input.EncryptionContext?.i);
    return k === undefined ? undefined : { error: FAULTS[k][0]() };
  });
  const b = await start(kms);
  const N = 600;
  const responses = await pool(N, 50, (i) => postJson(b.agent, b.url, '/generate-data-key', gdk({ tenant: 'storm', i: String(i) })));
  /** @type {Record<number, number>} */
  const tally = {};
  for (let i = 0; i < N; i++) {
    const res = responses[i];
    const k = planned.get(String(i));
    tally[res.status] = (tally[res.status] ?? 0) + 1;
    if (k === undefined) {
      assert.equal(res.status, 200, `request ${i}: ${res.text}`);
      await assertRealDataKey(res.json, { tenant: 'storm', i: String(i) });
    } else {
      assert.equal(res.status, FAULTS[k][1], `request ${i}`);
      assert.equal(res.json.error.code, FAULTS[k][2], `request ${i}`);
      assert.ok(!('plaintext' in res.json) && !res.text.includes('arn:aws:iam'), 'no key, no KMS message');
    }
  }
  assertAudited(responses, b.records);
  assert.equal(kms.log.calls, N, 'one KMS call per request');
  assert.ok(tally[429] >= 150 && tally[200] >= 150 && tally[500] > 0 && tally[503] > 0, JSON.stringify(tally));
});

test('BrokerKeyring through a throttling storm: it retries, gets a real key or THROTTLED, and every attempt is audited', async () => {
  // request i is throttled on its first throttles[i] calls (0 to 3); the keyring retries twice
  const rand = rng(17);
  const throttles = Array.from({ length: 200 }, () => Math.floor(rand() * 4));
  const seen = new Map();
  const kms = standIn((_op, input) => {
    const i = Number(input.EncryptionContext.i);
    const n = seen.get(i) ?? 0;
    seen.set(i, n + 1);
    return n < throttles[i] ? { error: new KmsException('ThrottlingException', 'Rate exceeded') } : undefined;
  });
  const b = await start(kms);
  const kr = new BrokerKeyring({ endpoint: b.url, keyId: 'alias/demo', retries: 2, timeoutMs: 20_000 });
  const results = await pool(throttles.length, 50, (i) => kr.generateDataKey({ encryptionContext: { tenant: 'storm', i: String(i) } }).catch((e) => e));
  for (let i = 0; i < throttles.length; i++) {
    const r = results[i];
    if (throttles[i] <= 2) {
      assert.ok(!(r instanceof Error), `request ${i}: ${r?.code}`);
      const back = await dev.call('Decrypt', { CiphertextBlob: r.ciphertextBlob, EncryptionContext: { tenant: 'storm', i: String(i) } });
      assert.deepEqual(back.Plaintext, r.plaintext);
    } else {
      await rejectsCode(Promise.reject(r), 'THROTTLED');
      assert.equal(r.status, 429);
    }
  }
  const attempts = throttles.reduce((n, t) => n + Math.min(t, 2) + 1, 0);
  assert.equal(b.requests(), attempts, 'attempts the server saw');
  assert.equal(b.records.length, attempts, 'one audit record per attempt');
  assert.equal(b.records.filter((r) => r.status === 429 && r.errorCode === 'ThrottlingException' && r.outcome === 'error').length, throttles.reduce((n, t) => n + Math.min(t, 3), 0));
  assert.equal(b.records.filter((r) => r.status === 200 && r.outcome === 'allowed').length, throttles.filter((t) => t <= 2).length);
});

test('a slow KMS (100–300 ms a call): answers stay right, 50 calls wait side by side, each duration audited', async () => {
  const rand = rng(3);
  const delays = Array.from({ length: 200 }, () => 100 + Math.floor(rand() * 200));
  const kms = standIn((_op, input) => ({ delayMs: delays[Number(input.EncryptionContext.i)] }));
  const b = await start(kms);
  const t0 = Date.now();
  const responses = await pool(delays.length, 50, (i) => postJson(b.agent, b.url, '/generate-data-key', gdk({ i: String(i) })));
  const elapsed = Date.now() - t0;
  for (let i = 0; i < delays.length; i++) {
    assert.equal(responses[i].status, 200, responses[i].text);
    await assertRealDataKey(responses[i].json, { i: String(i) });
  }
  assertAudited(responses, b.records);
  for (const r of b.records) assert.ok(r.durationMs >= delays[Number(r.encryptionContext.i)] - 1, `audited ${r.durationMs} ms for a ${delays[Number(r.encryptionContext.i)]} ms call`);
  // one after another would take the sum (~40 s); 50 side by side ~1.2 s
  const sum = delays.reduce((a, d) => a + d, 0);
  assert.ok(elapsed < sum / 10, `${elapsed} ms for ${delays.length} calls of ${sum} ms in total`);
});

test('a KMS that never answers and ignores the abort: 503 KMSUnavailable after kmsTimeoutMs, audited; the keyring gives up with BROKER_UNAVAILABLE', async () => {
  const kms = standIn(() => ({ hang: 'deaf' }));
  const b = await start(kms, { kmsTimeoutMs: 250 });
  const t0 = Date.now();
  const responses = await pool(50, 50, (i) => postJson(b.agent, b.url, '/generate-data-key', gdk({ i: String(i) })));
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= 240 && elapsed < 5000, `${elapsed} ms`);
  for (const res of responses) {
    assert.equal(res.status, 503);
    assert.equal(res.json.error.code, 'KMSUnavailable');
  }
  assertAudited(responses, b.records);
  for (const r of b.records) assert.equal(r.errorDetail, 'TimeoutError');
  assert.equal(kms.log.aborted, 50, 'every call was told to stop');
  assert.equal(kms.log.pending, 50, 'and the broker answered without waiting for them');

  const kr = new BrokerKeyring({ endpoint: b.url, keyId: 'alias/demo', retries: 1, timeoutMs: 5000 });
  const t1 = Date.now();
  const e = await rejectsCode(kr.generateDataKey(), 'BROKER_UNAVAILABLE');
  assert.equal(e.status, 503);
  assert.equal(e.kmsCode, 'KMSUnavailable');
  assert.ok(Date.now() - t1 < 3000, 'two bounded attempts');
  assert.equal(b.records.length, 52);
});

test('the default deadlines fit together: a hanging KMS reaches a default BrokerKeyring as retried 503s, then BROKER_UNAVAILABLE, never its own TIMEOUT', async () => {
  const kms = standIn(() => ({ hang: 'deaf' }));
  const b = await start(kms, {}); // kmsTimeoutMs: the default
  const kr = new BrokerKeyring({ endpoint: b.url, keyId: 'alias/demo' }); // timeoutMs, retries: the defaults
  const e = await rejectsCode(kr.generateDataKey(), 'BROKER_UNAVAILABLE');
  assert.equal(e.kmsCode, 'KMSUnavailable');
  assert.equal(b.records.length, 3, 'three attempts, each answered by the broker and audited');
  for (const r of b.records) assert.equal(r.errorCode, 'KMSUnavailable');
});

test('a client that gives up while KMS is slow: the KMS call is abandoned at once and audited as ClientClosedRequest', async () => {
  const kms = standIn(() => ({ hang: 'abortable' }));
  const b = await start(kms, { kmsTimeoutMs: 10_000 });
  const kr = new BrokerKeyring({ endpoint: b.url, keyId: 'alias/demo', retries: 0, timeoutMs: 300 });
  const t0 = Date.now();
  await rejectsCode(kr.generateDataKey({ encryptionContext: { tenant: 't' } }), 'TIMEOUT');
  assert.ok(await until(() => b.records.length === 1, 3000), 'audited long before kmsTimeoutMs');
  assert.ok(Date.now() - t0 < 3000);
  assert.equal(kms.log.aborted, 1, 'the KMS call was told to stop');
  assert.equal(kms.log.pending, 0);
  const [r] = b.records;
  assert.deepEqual([r.operation, r.status, r.errorCode, r.outcome], ['GenerateDataKey', 499, 'ClientClosedRequest', 'error']);
});

test('1,000 clients that send half a body and hang up: each audited as ClientClosedRequest, no KMS call, nothing left behind', async () => {
  const base = handles();
  const kms = standIn(() => undefined);
  // tallies, not records: the heap figure below must not count the audit log
  /** @type {Record<string, number>} */
  const tally = {};
  let audited = 0;
  const b = await start(kms, { audit: (r) => { audited++; const k = `${r.operation} ${r.status} ${r.errorCode} ${r.outcome}`; tally[k] = (tally[k] ?? 0) + 1; } });
  const body = JSON.stringify(gdk({ tenant: 'half' }));
  const round = (n) => pool(n, 50, () => halfBody(b.url, '/generate-data-key', body, body.length >> 1));
  const connections = () => new Promise((ok) => b.server.getConnections((_e, n) => ok(n)));
  const settled = async (n) => {
    assert.ok(await until(() => audited === n, 20_000), `${audited} of ${n} audited`);
    for (let i = 0; i < 200 && (await connections()) > 0; i++) await new Promise((ok) => setTimeout(ok, 10));
    assert.equal(await connections(), 0, 'every connection closed');
  };
  const used = () => { gc(); const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };

  await round(300); // warm-up: compiled code and caches settle
  await settled(300);
  const before = used();
  await round(700);
  await settled(1000);
  const grew = used() - before;
  assert.deepEqual(tally, { 'GenerateDataKey 499 ClientClosedRequest error': 1000 });
  assert.equal(kms.log.calls, 0, 'no KMS call for a body that never arrived');
  // A leaked request (socket, streams, closures) is several KiB. What grows
  // without a leak (V8 still settling: 0.4-0.6 MB here, ~0.1 MB per 700 later
  // on) stays under 1.5 KiB per disconnect.
  assert.ok(grew < 700 * 1536, `memory grew by ${grew} bytes over 700 disconnects`);

  // the broker still answers, and once it stops, nothing of it is left running
  const ok = await postJson(b.agent, b.url, '/generate-data-key', gdk({ tenant: 'after' }));
  assert.equal(ok.status, 200);
  await assertRealDataKey(ok.json, { tenant: 'after' });
  await b.stop();
  const left = () => Object.entries(handles()).filter(([type, n]) => n > (base[type] ?? 0));
  assert.ok(await until(() => left().length === 0, 5000), `left behind: ${JSON.stringify(left())}`);
});

test('bodies that arrive in pieces: a trickle, a padded 30 KB body, and a chunked body past maxBodyBytes', async () => {
  const kms = standIn(() => undefined);
  const b = await start(kms);
  const u = new URL(b.url);
  const body = JSON.stringify(gdk({ tenant: 'slow' }));
  // a client that sends its body in 20 pieces, 10 ms apart
  const trickled = await new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port), u.hostname, async () => {
      sock.write(`POST /generate-data-key HTTP/1.1\r\nHost: ${u.host}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`);
      const step = Math.ceil(body.length / 20);
      for (let i = 0; i < body.length; i += step) {
        sock.write(body.slice(i, i + step));
        await new Promise((ok) => setTimeout(ok, 10));
      }
    });
    let text = '';
    sock.on('data', (c) => { text += c; });
    sock.on('end', () => resolve(text));
    sock.on('error', reject);
  });
  assert.match(trickled, /^HTTP\/1\.1 200 /);
  await assertRealDataKey(JSON.parse(trickled.slice(trickled.indexOf('\r\n\r\n') + 4)), { tenant: 'slow' });

  // 30 KB of JSON whitespace: several socket reads, the reader pausing the socket between them
  const padded = await send(b.agent, b.url, { path: '/generate-data-key', headers: { 'content-type': 'application/json' }, body: `${body.slice(0, -1)}${' '.repeat(30_000)}}` });
  assert.equal(padded.status, 200, padded.text);
  await assertRealDataKey(padded.json, { tenant: 'slow' });

  // chunked, no Content-Length, 40 KB: cut off at 32 KiB; the client may see the 413 or the reset
  const before = b.records.length;
  await new Promise((resolve) => {
    const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: '/encrypt', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => { res.resume(); res.on('end', resolve); res.on('error', resolve); });
    req.on('error', resolve);
    req.write(`{"keyId":"alias/demo","plaintext":"`);
    for (let i = 0; i < 40; i++) req.write('A'.repeat(1000));
    req.end('"}');
  });
  assert.ok(await until(() => b.records.length === before + 1, 3000));
  assert.deepEqual([b.records.at(-1).status, b.records.at(-1).errorCode], [413, 'PayloadTooLarge']);
  assert.equal(kms.log.calls, 2, 'two data keys, and no KMS call for the oversized body');

  // the broker still answers
  const ok = await postJson(b.agent, b.url, '/generate-data-key', gdk({ tenant: 'after' }));
  assert.equal(ok.status, 200);
  await assertRealDataKey(ok.json, { tenant: 'after' });
});

test('a body the broker never reads (415, 413 by Content-Length) is drained: the next request on the connection is answered', async () => {
  const kms = standIn(() => undefined);
  const b = await start(kms);
  const u = new URL(b.url);
  const good = JSON.stringify(gdk({ tenant: 'next' }));
  const unread = 'A'.repeat(40_000);
  const head = (type, length) => `POST /generate-data-key HTTP/1.1\r\nHost: ${u.host}\r\ncontent-type: ${type}\r\ncontent-length: ${length}\r\n\r\n`;
  // three requests back to back on one keep-alive connection
  const wire = head('text/plain', unread.length) + unread + head('application/json', 40_000) + unread + head('application/json', good.length) + good;
  const text = await new Promise((resolve, reject) => {
    let got = '';
    const sock = net.connect(Number(u.port), u.hostname, () => sock.write(wire));
    sock.setEncoding('utf8');
    sock.on('data', (c) => {
      got += c;
      if ((got.match(/HTTP\/1\.1 /g) ?? []).length === 3 && got.trimEnd().endsWith('}')) { sock.destroy(); resolve(got); }
    });
    sock.on('error', reject);
    setTimeout(() => { sock.destroy(); resolve(got); }, 5000);
  });
  const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
  assert.deepEqual(statuses, [415, 413, 200], text.slice(0, 300));
  await assertRealDataKey(JSON.parse(text.slice(text.lastIndexOf('\r\n\r\n') + 4)), { tenant: 'next' });
  assert.deepEqual(b.records.map((r) => r.status), [415, 413, 200]);

  // the same through fetch, whose pool reuses the connection: before the
  // drain, the request after an unread 40 KB body met ECONNRESET
  const answers = [];
  for (const [type, body] of [['text/plain', unread], ['application/json', unread], ['text/plain', unread.repeat(5)], ['application/json', good], ['application/json', good]]) {
    answers.push(await fetch(`${b.url}/generate-data-key`, { method: 'POST', headers: { 'content-type': type }, body }).then((r) => r.status, (e) => `${e.cause?.code ?? e.message}`));
  }
  assert.deepEqual(answers, [415, 413, 415, 200, 200]);
});
