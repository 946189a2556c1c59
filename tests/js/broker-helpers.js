// Helpers shared by the broker tests (not a test file itself).
import { createServer } from 'node:http';
import assert from 'node:assert/strict';

/**
 * A programmable HTTP server on 127.0.0.1 standing in for a broker:
 * `handler(req, body, n)` answers the n-th request (from 1).
 * @param {(req: import('node:http').IncomingMessage, body: string, n: number, res: import('node:http').ServerResponse) => any} handler
 */
export async function fakeBroker(handler) {
  const seen = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { body += c; });
    req.on('end', async () => {
      seen.push({ url: req.url, headers: req.headers, body });
      const r = await handler(req, body, seen.length, res);
      if (r === undefined || res.headersSent) return; // the handler answered itself (or hangs on purpose)
      const { status = 200, json, text, headers = {} } = r;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(text ?? JSON.stringify(json));
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((ok) => { server.closeAllConnections(); server.close(() => ok(undefined)); }),
  };
}

/** Awaits `p` and checks it rejects with an EdgeKmsError of `code`; returns the error. */
export async function rejectsCode(p, code) {
  let err;
  try { await (typeof p === 'function' ? p() : p); } catch (e) { err = e; }
  assert.ok(err, `expected ${code}, but it resolved`);
  assert.equal(err.name, 'EdgeKmsError', `expected EdgeKmsError ${code}, got ${err.name}: ${err.message}`);
  assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
  return err;
}

/**
 * Everything written through console.* and to stderr while `fn` runs.
 * (stdout is left alone: node --test uses it to report results.)
 */
export async function captureOutput(fn) {
  const lines = [];
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug, err: process.stderr.write };
  for (const k of ['log', 'info', 'warn', 'error', 'debug']) console[k] = (...a) => lines.push(a.map(String).join(' '));
  process.stderr.write = (c, ...rest) => { lines.push(String(c)); return true; };
  try {
    await fn();
  } finally {
    Object.assign(console, { log: saved.log, info: saved.info, warn: saved.warn, error: saved.error, debug: saved.debug });
    process.stderr.write = saved.err;
  }
  return lines.join('\n');
}

/** POSTs JSON (or `raw` text) to a broker's fetch handler and returns status, headers and parsed body. */
export async function post(broker, path, body, { headers = {}, raw, method = 'POST' } = {}) {
  const res = await broker.fetch(new Request(`http://127.0.0.1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: method === 'GET' || method === 'HEAD' ? undefined : (raw ?? JSON.stringify(body)),
  }));
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, json, text };
}

export const b64 = (u8) => Buffer.from(u8).toString('base64');
