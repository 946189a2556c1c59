#!/usr/bin/env node
// Load test (a script, not a test): N generate-data-key calls with C in
// flight, through BrokerKeyring, against the node broker over the dev KMS on
// loopback. The broker runs in a child process so client and server do not
// share an event loop. Prints requests/s, p50/p90/p99 latency and errors.
//
//   node bench/broker-load.js [--requests 10000] [--concurrency 50] [--bytes 32]
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { BrokerKeyring } from 'edge-kms';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '50' }, bytes: { type: 'string', default: '32' }, 'time-limit': { type: 'string', default: '120' } } });
const N = Number(values.requests), C = Number(values.concurrency), BYTES = Number(values.bytes), LIMIT_MS = Number(values['time-limit']) * 1000;

const SERVER = `
import { createBroker, createDevKms } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';
const kms = await createDevKms({ signingKeys: [] });
let audited = 0;
const broker = createBroker({ kms, devMode: true, basePath: '/kms', audit: () => { audited++; } });
const s = await serve(broker, { port: 0, log: () => {} });
process.stdout.write(s.url + '\\n');
process.on('message', () => { process.send({ audited }); });
process.on('disconnect', () => s.close().then(() => process.exit(0)));
`;

const child = spawn(process.execPath, ['--input-type=module', '-e', SERVER], { cwd: new URL('..', import.meta.url), stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
const url = await new Promise((ok, ko) => {
  let buf = '';
  child.stdout.on('data', (c) => { buf += c; const m = /http:\/\/[^\s]+/.exec(buf); if (m) ok(m[0]); });
  child.once('exit', (code) => ko(new Error(`broker exited with ${code}`)));
});

const keyring = new BrokerKeyring({ endpoint: `${url}/kms`, keyId: 'alias/demo', retries: 0, timeoutMs: 10_000 });
const ec = { tenant: 'bench', purpose: 'load' };

// warm-up (connections, JIT)
await Promise.all(Array.from({ length: C }, () => keyring.generateDataKey({ encryptionContext: ec, numberOfBytes: BYTES })));

const latencies = new Float64Array(N);
/** @type {Record<string, number>} */
const errors = {};
let next = 0, done = 0;
const t0 = performance.now();
const deadline = t0 + LIMIT_MS;
async function lane() {
  while (next < N && performance.now() < deadline) {
    const i = next++;
    const s = performance.now();
    try {
      const dk = await keyring.generateDataKey({ encryptionContext: ec, numberOfBytes: BYTES });
      if (dk.plaintext.length !== BYTES) throw Object.assign(new Error('length'), { code: 'WRONG_LENGTH' });
      dk.plaintext.fill(0);
    } catch (e) {
      errors[e.code ?? e.name] = (errors[e.code ?? e.name] ?? 0) + 1;
    }
    latencies[i] = performance.now() - s;
    done++;
  }
}
await Promise.all(Array.from({ length: C }, lane));
const elapsed = (performance.now() - t0) / 1000;

const audited = await new Promise((ok) => { child.once('message', (m) => ok(m.audited)); child.send('stats'); });
child.disconnect();

const sorted = Array.from(latencies.subarray(0, done)).sort((a, b) => a - b);
const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(2);
const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
console.log(`broker-load: ${done} generate-data-key (${BYTES}-byte keys), ${C} in flight, node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
console.log(`  ${(done / elapsed).toFixed(0)} requests/s over ${elapsed.toFixed(2)} s`);
console.log(`  latency p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms, max ${sorted.at(-1).toFixed(2)} ms`);
console.log(`  errors: ${errorCount}${errorCount ? ` ${JSON.stringify(errors)}` : ''}; audit records on the broker: ${audited} (incl. ${C} warm-up)`);
if (done < N) console.log(`  stopped at the ${LIMIT_MS / 1000} s time limit after ${done} of ${N}`);
process.exitCode = errorCount || done < N ? 1 : 0;
