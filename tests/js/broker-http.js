// Raw HTTP clients for the broker fault and load tests (not a test file
// itself): requests the way a misbehaving client sends them, through
// node:http and node:net rather than BrokerKeyring, so a test controls every
// byte and sees every status.
import http from 'node:http';
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * One request over a keep-alive agent. `body` is sent as is (a string or
 * bytes); the answer is parsed as JSON when it is JSON.
 * @param {http.Agent} agent @param {string} base  http://127.0.0.1:port
 * @param {{ method?: string, path: string, headers?: Record<string, string>, body?: string | Uint8Array }} req
 * @returns {Promise<{ status: number, headers: http.IncomingHttpHeaders, text: string, json: any }>}
 */
export function send(agent, base, { method = 'POST', path, headers = {}, body }) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const r = http.request({ agent, host: u.hostname, port: u.port, method, path, headers: body === undefined ? headers : { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: /** @type {number} */ (res.statusCode), headers: res.headers, text, json });
      });
    });
    r.on('error', reject);
    r.end(body);
  });
}

/** A JSON POST (content-type application/json) of `value`. */
export const postJson = (agent, base, path, value, headers = {}) => send(agent, base, { path, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) });

/**
 * A client that announces `declared` body bytes, sends `sent` of them and
 * closes the connection without waiting for an answer.
 * @param {string} base @param {string} path @param {string} body @param {number} sent
 */
export function halfBody(base, path, body, sent) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port), u.hostname, () => {
      sock.write(`POST ${path} HTTP/1.1\r\nHost: ${u.host}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`);
      sock.write(body.slice(0, sent), () => {
        // give the server a moment to start reading the body before the close
        setTimeout(() => { sock.destroy(); resolve(undefined); }, 5);
      });
    });
    sock.on('error', reject);
  });
}

/** Runs `fn(i)` for i in 0..n-1 with at most `c` in flight; resolves to the results in order. */
export async function pool(n, c, fn) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(c, n) }, async () => {
    while (next < n) { const i = next++; out[i] = await fn(i); }
  }));
  return out;
}

/** Polls `cond` every 10 ms until it holds or `ms` pass; returns whether it held. */
export async function until(cond, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((ok) => setTimeout(ok, 10));
  }
  return true;
}

/** A seeded PRNG (mulberry32): the same faults and the same mix on every run. @param {number} seed */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A full garbage collection, whether or not node ran with --expose-gc. */
export function gc() {
  if (typeof globalThis.gc === 'function') return globalThis.gc();
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc')();
}

/** The process's handles by type (TCPSocketWrap, Timeout, ...), as node lists them. */
export function handles() {
  /** @type {Record<string, number>} */
  const by = {};
  for (const t of process.getActiveResourcesInfo()) by[t] = (by[t] ?? 0) + 1;
  return by;
}
