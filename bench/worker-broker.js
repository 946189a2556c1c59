#!/usr/bin/env node
// The broker as a Cloudflare Worker (a bench, not a test; issue 12):
//
// 1. Bundle: `wrangler deploy --dry-run --outdir` of examples/worker-broker
//    (KMS through aws4fetch) beside the same Worker with @aws-sdk/client-kms
//    (bench/lib/worker-broker/sdk-worker.js): bytes and gzip.
// 2. Cold start: each bundle in a fresh workerd (Miniflare, the runtime
//    wrangler dev uses), rounds interleaved: time to ready, the first
//    request (module evaluation, the SDK's lazy import, DescribeKey of the
//    allow-list, GenerateDataKey) and a warm request after it.
// 3. Load: generate-data-key with C in flight (a node:http keep-alive
//    client in this process, each answer checked) against three servers
//    at once, slices interleaved: the aws4fetch Worker and the SDK Worker,
//    each in its own `wrangler dev`, and the same broker configuration in
//    Node (bench/lib/worker-broker/node-broker.js, edge-kms/broker/node).
//    requests/s, p50, p99.
//
// All three call one KMS-compatible endpoint on loopback
// (bench/lib/worker-broker/kms-json-server.js: KMS's JSON protocol over the
// dev KMS, its own process; moto would cap every server at its own rate).
// Every request carries a session token (src/session.js) and passes the
// rate limiter (Workers: the Rate Limiting binding; Node: createRateLimiter),
// limits raised so nothing is throttled; every request is audited.
//
//   node bench/worker-broker.js [--requests 3000] [--concurrency 50] [--slices 3] [--cold 5] [--no-load]
import { spawn, execFile } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import { promisify, parseArgs } from 'node:util';
import { readFile, rm } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { startWranglerDev, WRANGLER } from '../tests/js/wrangler-dev.js';
import { mintSession } from '../examples/worker-broker/src/session.js';

const { values } = parseArgs({ options: {
  requests: { type: 'string', default: '3000' },
  concurrency: { type: 'string', default: '50' },
  slices: { type: 'string', default: '3' },
  cold: { type: 'string', default: '5' },
  'no-load': { type: 'boolean', default: false },
} });
const N = Number(values.requests), C = Number(values.concurrency), SLICES = Number(values.slices), COLD = Number(values.cold);
const WARMUP = 1000;
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const VARIANTS = [
  { name: 'aws4fetch', config: here('./lib/worker-broker/a4f-wrangler.toml') },
  { name: '@aws-sdk/client-kms', config: here('./lib/worker-broker/sdk-wrangler.toml') },
];
const SECRET = randomBytes(32).toString('base64');
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const pct = (s, p) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
const fmt = (x, d = 1) => x.toFixed(d);
const kib = (n) => `${fmt(n / 1024)} KiB`;

console.log(`worker broker: ${os.cpus().length} cores, load avg ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; wrangler ${JSON.parse(await readFile(here('../node_modules/wrangler/package.json'), 'utf8')).version}`);

// ---- the KMS endpoint
const kmsChild = spawn(process.execPath, [here('./lib/worker-broker/kms-json-server.js')], { cwd: here('..'), stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
const KMS = await new Promise((ok, ko) => {
  let buf = '';
  kmsChild.stdout.on('data', (c) => { buf += c; const m = /http:\/\/[^\s]+/.exec(buf); if (m) ok(m[0]); });
  kmsChild.once('exit', (code) => ko(new Error(`kms server exited with ${code}`)));
});
const VARS = { KMS_ENDPOINT: KMS, KMS_KEY_IDS: 'alias/bench', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', SESSION_SECRET: SECRET };
const token = await mintSession(SECRET, { sub: 'bench-user', tenant: 'bench', ttlSeconds: 3600 });
const BODY = JSON.stringify({ keyId: 'alias/bench', encryptionContext: { tenant: 'bench' }, numberOfBytes: 32 });
const stops = [() => kmsChild.disconnect()];

try {
  // ---- 1. bundles
  console.log('\n## bundle (wrangler deploy --dry-run --outdir)');
  for (const v of VARIANTS) {
    const out = here(`../tests/artifacts/bench-worker-${v.name.replace(/\W+/g, '-')}/`);
    await rm(out, { recursive: true, force: true });
    await promisify(execFile)(process.execPath, [WRANGLER, 'deploy', '--dry-run', '--outdir', out, '-c', v.config], { env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' } });
    const file = readdirSync(out).find((f) => f.endsWith('.js'));
    v.script = `${out}${file}`;
    v.code = await readFile(v.script);
    v.gzip = gzipSync(v.code, { level: 9 }).length;
  }
  const [a, s] = VARIANTS;
  for (const v of VARIANTS) console.log(`${v.name.padEnd(22)} ${kib(v.code.length).padStart(10)}  gzip ${kib(v.gzip).padStart(9)}`);
  console.log(`SDK / aws4fetch: ${fmt(s.code.length / a.code.length, 1)}× bytes, ${fmt(s.gzip / a.gzip, 1)}× gzip`);

  // ---- 2. cold start
  console.log(`\n## cold start (fresh workerd per round, ${COLD} rounds interleaved; medians)`);
  for (const v of VARIANTS) v.cold = { ready: [], first: [], warm: [] };
  for (let r = 0; r < COLD; r++) {
    for (const v of VARIANTS) {
      const t0 = performance.now();
      const mf = new Miniflare({
        modules: [{ type: 'ESModule', path: 'worker.js', contents: v.code.toString('utf8') }],
        compatibilityDate: '2025-09-01',
        bindings: { AWS_REGION: 'us-east-1', ALLOWED_ORIGINS: 'https://app.example', RATE_LIMIT_PERIOD: '60', ...VARS },
        ratelimits: { RATE_LIMITER: { simple: { limit: 10_000_000, period: 60 } } },
        handleRuntimeStdio: (out, err) => { out.resume(); err.resume(); }, // the audit log lines
      });
      try {
        await mf.ready;
        const t1 = performance.now();
        const call = async () => {
          const res = await mf.dispatchFetch('http://broker.local/kms/generate-data-key', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: BODY });
          const j = await res.json();
          if (res.status !== 200 || Buffer.from(j.plaintext, 'base64').length !== 32) throw new Error(`${v.name}: HTTP ${res.status} ${JSON.stringify(j)}`);
        };
        await call();
        const t2 = performance.now();
        const warm = [];
        for (let i = 0; i < 30; i++) { const t = performance.now(); await call(); warm.push(performance.now() - t); }
        v.cold.ready.push(t1 - t0);
        v.cold.first.push(t2 - t1);
        v.cold.warm.push(median(warm));
      } finally {
        await mf.dispose();
      }
    }
  }
  for (const v of VARIANTS) {
    v.coldMedian = { ready: median(v.cold.ready), first: median(v.cold.first), warm: median(v.cold.warm) };
    console.log(`${v.name.padEnd(22)} workerd ready ${fmt(v.coldMedian.ready, 0).padStart(5)} ms, first request ${fmt(v.coldMedian.first).padStart(6)} ms, then ${fmt(v.coldMedian.warm, 2)} ms per request`);
  }
  console.log(`SDK / aws4fetch: first request ${fmt(s.coldMedian.first / a.coldMedian.first, 2)}×, first − warm ${fmt((s.coldMedian.first - s.coldMedian.warm) / (a.coldMedian.first - a.coldMedian.warm), 2)}×`);

  // ---- 3. load
  if (values['no-load']) throw Object.assign(new Error('done'), { done: true });
  console.log(`\n## load: generate-data-key, ${C} in flight, ${N} requests per server in ${SLICES} interleaved slices after ${WARMUP} warm-up`);
  const servers = [];
  globalThis.servers = servers;
  for (const v of VARIANTS) {
    // the deploy bundle itself (--no-bundle): what is measured is what would be uploaded
    const w = await startWranglerDev(v.config, { name: `bench-${v.name.replace(/\W+/g, '-')}`, vars: VARS, script: v.script });
    stops.push(w.stop);
    servers.push({ name: `Worker, ${v.name} (wrangler dev)`, url: w.url, pgid: w.pid, output: w.output });
  }
  const nodeChild = spawn(process.execPath, [here('./lib/worker-broker/node-broker.js')], { cwd: here('..'), env: { ...process.env, ...VARS }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  stops.push(() => nodeChild.disconnect());
  const nodeUrl = await new Promise((ok, ko) => {
    let buf = '';
    const onData = (c) => { buf += c; const m = /node broker on (http:\/\/[^\s]+)/.exec(buf); if (m) { nodeChild.stdout.off('data', onData); nodeChild.stdout.resume(); ok(m[1]); } };
    nodeChild.stdout.on('data', onData);
    nodeChild.once('exit', (code) => ko(new Error(`node broker exited with ${code}`)));
  });
  nodeChild.stdout.on('data', () => {}); // its audit lines, dropped
  servers.push({ name: 'Node broker (serve)', url: nodeUrl, pgid: null, pid: nodeChild.pid });

  for (const srv of servers) {
    srv.client = client(srv.url, srv.name);
    srv.lat = [];
    srv.ms = 0;
    srv.n = 0;
    srv.cpu = {};
    await run(srv.client, WARMUP, []);
  }
  for (let sl = 0; sl < SLICES; sl++) {
    for (const srv of (sl % 2 ? [...servers].reverse() : servers)) {
      const t0 = performance.now();
      const c0 = cpuOf(srv);
      await run(srv.client, Math.round(N / SLICES), srv.lat);
      srv.ms += performance.now() - t0;
      for (const [k, v] of Object.entries(cpuOf(srv))) srv.cpu[k] = (srv.cpu[k] ?? 0) + v - (c0[k] ?? 0);
      srv.n += Math.round(N / SLICES);
    }
  }
  const node = servers.at(-1);
  node.rps = (node.n / node.ms) * 1000;
  for (const srv of servers) {
    const sorted = srv.lat.sort((x, y) => x - y);
    srv.rps = (srv.n / srv.ms) * 1000;
    srv.p50 = pct(sorted, 50);
    srv.p99 = pct(sorted, 99);
    console.log(`${srv.name.padEnd(42)} ${fmt(srv.rps, 0).padStart(6)} req/s  p50 ${fmt(srv.p50).padStart(6)} ms  p99 ${fmt(srv.p99).padStart(6)} ms   (${fmt(srv.rps / node.rps, 2)}× the Node broker's req/s)`);
  }
  console.log(`SDK / aws4fetch Worker: ${fmt(servers[1].rps / servers[0].rps, 2)}× req/s, ${fmt(servers[1].p99 / servers[0].p99, 2)}× p99`);
  console.log('server CPU per request (user + system, from /proc; wrangler dev = its node process, the proxy and log printer, + workerd):');
  for (const srv of servers) console.log(`  ${srv.name.padEnd(42)} ${Object.entries(srv.cpu).map(([k, v]) => `${k} ${fmt((v * 1e6) / srv.n, 0)} µs`).join(', ')}`);
  for (const srv of servers) srv.client.close();
} catch (e) {
  if (!e.done) {
    for (const srv of globalThis.servers ?? []) if (srv.output) console.error(`--- ${srv.name}, last output:\n${srv.output().split('\n').filter((l) => !/^\s|^[{}]/.test(l)).slice(-15).join('\n')}`);
    throw e;
  }
} finally {
  for (const stop of stops.reverse()) await stop();
}

/**
 * CPU seconds so far of a server's processes by command name: the wrangler
 * process group (wrangler's node, workerd), or the Node broker's one process.
 */
function cpuOf(srv) {
  /** @type {Record<string, number>} */
  const out = {};
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let stat;
    try { stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { continue; }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
    const pgrp = Number(f[2]);
    if (srv.pgid ? pgrp !== srv.pgid : Number(pid) !== srv.pid) continue;
    const name = comm.startsWith('workerd') ? 'workerd' : comm.startsWith('node') ? 'node' : comm;
    out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) / 100;
  }
  return out;
}

/** A keep-alive node:http client for one server; `one()` resolves with the latency of a checked answer. */
function client(url, name) {
  const u = new URL(`${url}/kms/generate-data-key`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: C });
  const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(BODY)), authorization: `Bearer ${token}` };
  const one = () => new Promise((ok, ko) => {
    const t = performance.now();
    const req = http.request({ agent, host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', ko);
      res.on('end', () => {
        try {
          if (res.statusCode !== 200) throw new Error(`${name}: HTTP ${res.statusCode} ${Buffer.concat(chunks)}`);
          const j = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          if (Buffer.from(j.plaintext, 'base64').length !== 32 || !j.keyId.startsWith('arn:')) throw new Error('bad answer');
          ok(performance.now() - t);
        } catch (e) { ko(e); }
      });
    });
    req.on('error', ko);
    req.end(BODY);
  });
  return { one, close: () => agent.destroy() };
}

/** `n` requests, `C` at a time; latencies appended to `lat`. */
async function run(c, n, lat) {
  let next = 0;
  await Promise.all(Array.from({ length: C }, async () => {
    while (next < n) { next++; lat.push(await c.one()); }
  }));
}
