// edge-kms/broker/node: serves a broker (or any `{ fetch(request) }`) with
// node:http, plus optional static directories. Binds 127.0.0.1 by default;
// a broker over the development KMS may bind loopback only.
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8', '.map': 'application/json', '.ts': 'text/plain; charset=utf-8',
};
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * @param {{ fetch: (request: Request) => Response | Promise<Response>, isDev?: boolean }} broker
 * @param {import('./node.js').ServeOptions} [options]
 * @returns {Promise<import('./node.js').Served>}
 */
export async function serve(broker, options = {}) {
  const { port = 8787, host = '127.0.0.1', staticDirs = {}, log = (/** @type {string} */ m) => process.stderr.write(`${m}\n`) } = options;
  if (!broker || typeof broker.fetch !== 'function') throw new TypeError('serve: broker must have a fetch(request) method');
  if (broker.isDev && !LOOPBACK.has(host)) {
    throw new TypeError(`serve: a broker over the development KMS binds loopback only (got host ${host})`);
  }
  const statics = Object.entries(staticDirs)
    .map(([prefix, dir]) => /** @type {[string, string]} */ ([prefix.endsWith('/') ? prefix : `${prefix}/`, resolve(dir)]))
    .sort((a, b) => b[0].length - a[0].length);

  const server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if ((req.method === 'GET' || req.method === 'HEAD') && statics.length) {
        const file = await staticFile(statics, path);
        if (file) {
          res.writeHead(200, {
            'content-type': TYPES[/** @type {keyof typeof TYPES} */ (extname(file.path))] ?? 'application/octet-stream',
            'content-length': file.body.length,
            'cache-control': 'no-cache',
            'x-content-type-options': 'nosniff',
            'cross-origin-opener-policy': 'same-origin',
          });
          res.end(req.method === 'HEAD' ? undefined : file.body);
          return;
        }
      }
      await send(res, await broker.fetch(toRequest(req, res, host, port)), req.method === 'HEAD');
    } catch {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'InternalError', message: 'internal server error' } }));
    }
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  await new Promise((ok, ko) => {
    server.once('error', ko);
    server.listen(port, host, () => { server.off('error', ko); ok(undefined); });
  });
  const addr = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  if (broker.isDev) {
    log(`edge-kms broker on ${url}: DEVELOPMENT KMS, NOT FOR PRODUCTION (local key material, every caller allowed in devMode)`);
  }
  return {
    url,
    port: addr.port,
    server,
    close() {
      return new Promise((ok) => {
        server.close(() => ok(undefined));
        server.closeAllConnections?.();
      });
    },
  };
}

/**
 * node:http request → Fetch API Request. The body streams through, so the
 * broker's maxBodyBytes cuts off an oversized body without buffering it.
 * Its signal aborts when the client goes away before the answer is out
 * (mid-body or while KMS is called), so the broker abandons the KMS call and
 * audits a ClientClosedRequest.
 * @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res @param {string} host @param {number} port
 */
function toRequest(req, res, host, port) {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const authority = req.headers.host ?? `${host}:${port}`;
  const controller = new AbortController();
  // not req's 'close': that fires once the body is read, client or no client
  res.on('close', () => { if (!res.writableFinished) controller.abort(); });
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(`http://${authority}${req.url ?? '/'}`, {
    method: req.method,
    headers,
    body: hasBody ? /** @type {any} */ (Readable.toWeb(req)) : undefined,
    // @ts-ignore: Node's fetch needs duplex for a streamed body
    duplex: hasBody ? 'half' : undefined,
    signal: controller.signal,
  });
}

/**
 * The file under one of the static directories that `path` names, or null.
 * Refuses anything that escapes its directory.
 * @param {[string, string][]} statics @param {string} path
 */
async function staticFile(statics, path) {
  let decoded;
  try { decoded = decodeURIComponent(path); } catch { return null; }
  if (decoded.includes('\0')) return null;
  for (const [prefix, dir] of statics) {
    if (!decoded.startsWith(prefix) && decoded !== prefix.slice(0, -1)) continue;
    let full = resolve(join(dir, decoded.slice(prefix.length)));
    if (full !== dir && !full.startsWith(dir + sep)) return null;
    try {
      if ((await stat(full)).isDirectory()) full = join(full, 'index.html');
      return { path: full, body: await readFile(full) };
    } catch {
      // try a shorter prefix
    }
  }
  return null;
}
/**
 * Writes a Fetch API Response to node:http. A body that comes in one piece
 * (every broker answer) goes out with its Content-Length in one write
 * (chunked encoding would cost a second write per answer); a longer stream
 * goes out chunked, as it comes.
 * @param {import('node:http').ServerResponse} res @param {Response} response @param {boolean} head
 */
async function send(res, response, head) {
  /** @type {Record<string, string>} */
  const headers = {};
  response.headers.forEach((v, k) => { headers[k] = v; });
  if (!response.body || head) {
    response.body?.cancel().catch(() => {});
    res.writeHead(response.status, headers);
    res.end();
    return;
  }
  const reader = response.body.getReader();
  const first = await reader.read();
  const second = first.done ? first : await reader.read();
  if (second.done) {
    const body = first.value ?? new Uint8Array(0);
    headers['content-length'] ??= String(body.length);
    res.writeHead(response.status, headers);
    res.end(body);
    return;
  }
  res.writeHead(response.status, headers);
  async function* rest() {
    yield /** @type {Uint8Array} */ (first.value);
    yield second.value;
    for (let r = await reader.read(); !r.done; r = await reader.read()) yield r.value;
  }
  Readable.from(rest()).on('error', () => res.destroy()).pipe(res);
}
