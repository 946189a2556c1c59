// edge-kms/broker/node: serves a broker (or any `{ fetch(request) }`) with
// node:http, plus optional static directories. Binds 127.0.0.1 by default;
// a broker over the development KMS may bind loopback only and answers only
// requests addressed to a loopback host from no or a loopback origin (DNS
// rebinding).
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
 * @param {{ fetch: (request: Request) => Response | Promise<Response>, isDev?: boolean, allowsOrigin?: (origin: string) => boolean }} broker
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
      if (broker.isDev) {
        const refusal = foreignRequest(req, (o) => typeof broker.allowsOrigin === 'function' && broker.allowsOrigin(o) === true);
        if (refusal) {
          // not a broker operation, so not audited; the body is not read
          res.writeHead(403, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', connection: 'close' });
          res.end(JSON.stringify({ error: refusal }));
          return;
        }
      }
      const target = requestTarget(req.url);
      if (target === null) {
        res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
        res.end(JSON.stringify({ error: { code: 'BadRequest', message: 'the request target must be a path' } }));
        return;
      }
      const path = new URL(`http://localhost${target}`).pathname;
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
      await send(res, await broker.fetch(toRequest(req, res, target)), req.method === 'HEAD');
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
 * The path and query of a request target, starting with '/'. Origin-form
 * (`/kms/decrypt?x`) as is; absolute-form (`http://host/kms/decrypt`, which proxies send) reduced
 * to its path; anything else (`*`, authority-form) null.
 * @param {string | undefined} url
 */
function requestTarget(url) {
  if (url === undefined || url === '') return '/';
  if (url.startsWith('/')) return url;
  if (!/^https?:\/\//i.test(url)) return null;
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return null;
  }
}

/** `127.0.0.0/8`, `localhost` or `[::1]`, with or without a port. @param {string} authority */
function isLoopbackAuthority(authority) {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(authority);
  if (!m) return false;
  if (m[3] !== undefined && Number(m[3]) > 65535) return false;
  if (m[1] !== undefined) return m[1] === '::1' || /^0{0,4}(:0{0,4}){2,6}:0{0,3}1$/.test(m[1]);
  const host = /** @type {string} */ (m[2]).toLowerCase();
  if (host === 'localhost') return true;
  const ip = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return ip !== null && ip.slice(1).every((o) => Number(o) <= 255);
}

/**
 * For a broker over the dev KMS: a request that a web page under another name
 * could have sent (DNS rebinding: the page's name resolves to 127.0.0.1, so
 * the browser sends that name as Host), or that a foreign page sends across
 * origins. Refused unless exactly one Host header names a loopback host and
 * any Origin is a loopback http(s) origin or one the broker's `cors` names
 * exactly (not `'*'`). Returns the error to answer, or null.
 * @param {import('node:http').IncomingMessage} req @param {(origin: string) => boolean} listed
 */
function foreignRequest(req, listed) {
  const hosts = [];
  const origins = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    if (name === 'host') hosts.push(req.rawHeaders[i + 1]);
    else if (name === 'origin') origins.push(req.rawHeaders[i + 1]);
  }
  if (hosts.length !== 1 || !isLoopbackAuthority(hosts[0])) {
    return { code: 'ForbiddenHost', message: 'a broker over the development KMS answers only requests addressed to a loopback host (127.0.0.1, localhost, [::1])' };
  }
  if (origins.length > 1 || (origins.length === 1 && !isLoopbackOrigin(origins[0]) && !listed(origins[0]))) {
    return { code: 'ForbiddenOrigin', message: 'a broker over the development KMS answers only pages served from a loopback origin' };
  }
  return null;
}

/** @param {string} origin */
function isLoopbackOrigin(origin) {
  const m = /^https?:\/\/([^/?#@]+)$/i.exec(origin);
  return m !== null && isLoopbackAuthority(/** @type {string} */ (m[1]));
}

/**
 * node:http request → Fetch API Request. The URL has a fixed authority: the
 * Host header never decides which path (and so which operation) is asked
 * for. The body streams through, so the broker's maxBodyBytes cuts off an
 * oversized body without buffering it. Its signal aborts when the client
 * goes away before the answer is out (mid-body or while KMS is called), so
 * the broker abandons the KMS call and audits a ClientClosedRequest.
 * @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res @param {string} target  the request's path and query
 */
function toRequest(req, res, target) {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const controller = new AbortController();
  // not req's 'close': that fires once the body is read, client or no client
  res.on('close', () => { if (!res.writableFinished) controller.abort(); });
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  // `target` starts with '/', so the authority is always localhost (`//x/...` is a path here)
  return new NodeRequest(`http://localhost${target}`, {
    method: req.method,
    headers,
    body: hasBody ? bodyStream(req, res) : undefined,
    // @ts-ignore: Node's fetch needs duplex for a streamed body
    duplex: hasBody ? 'half' : undefined,
  }, controller.signal);
}

/**
 * A Request whose `signal` is the adapter's own. Node's Request, given a
 * `signal`, follows it with a signal of its own and a FinalizationRegistry
 * entry per request; under 50 in flight that cost the broker 4-7 % of its
 * CPU per request and a quarter of its p99 (BENCHMARKS.md, "Broker under load").
 * Still a Request (`instanceof Request`) for `authorize` and the broker.
 */
class NodeRequest extends Request {
  /** @type {AbortSignal} */ #signal;
  /** @param {string} url @param {RequestInit} init @param {AbortSignal} signal */
  constructor(url, init, signal) {
    super(url, init);
    this.#signal = signal;
  }

  // @ts-ignore: an accessor where lib.dom declares a property
  get signal() { return this.#signal; }
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
 * The request body as a web ReadableStream: what Readable.toWeb(req) gives,
 * with less machinery per request (~195 vs ~210 us of the broker's CPU per
 * request in interleaved runs at 50 in flight). Up to 16 KiB
 * wait for the reader, then the socket pauses. A body that breaks off (the
 * client hung up) errors the stream. Whatever the broker leaves unread (it
 * cancels past maxBodyBytes, or answers without reading) is drained and
 * dropped once the answer is out, as node:http does with an unread body, so
 * the answer arrives and the connection stays usable.
 * @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res
 * @returns {ReadableStream<Uint8Array>}
 */
function bodyStream(req, res) {
  let open = true;
  const drop = () => { open = false; req.resume(); };
  res.once('finish', () => { if (open) drop(); });
  return new ReadableStream({
    start(controller) {
      req.on('data', (/** @type {Buffer} */ chunk) => {
        if (!open) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
        if (/** @type {number} */ (controller.desiredSize) <= 0) req.pause();
      });
      req.once('end', () => { if (open) { open = false; controller.close(); } });
      req.once('close', () => { if (open) { open = false; controller.error(new Error('the request body broke off')); } });
      req.on('error', () => {}); // reported by 'close' above
    },
    pull() { req.resume(); },
    cancel() { drop(); },
  }, { highWaterMark: 16 * 1024, size: (chunk) => chunk.byteLength });
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

/**
 * A token bucket per principal, for `createBroker({ rateLimit })` in one
 * process: `burst` requests at once, refilled at `ratePerSecond`. Memory is
 * bounded: at most `maxPrincipals` buckets, the least recently used dropped
 * first (a dropped principal starts again with a full bucket, so the limit is
 * exact only while fewer principals than that are active within
 * `burst / ratePerSecond` seconds). Requests without a principal share one
 * bucket. Several instances behind a load balancer each keep their own.
 * @param {import('./node.js').RateLimiterOptions} options
 * @returns {import('./node.js').RateLimiter}
 */
export function createRateLimiter(options) {
  const { ratePerSecond, burst = Math.max(1, ratePerSecond), maxPrincipals = 10_000, now = Date.now } = options ?? /** @type {any} */ ({});
  if (!(Number.isFinite(ratePerSecond) && ratePerSecond > 0)) throw new TypeError('createRateLimiter: ratePerSecond must be a positive number');
  if (!(Number.isFinite(burst) && burst >= 1)) throw new TypeError('createRateLimiter: burst must be a number >= 1');
  if (!(Number.isInteger(maxPrincipals) && maxPrincipals >= 1)) throw new TypeError('createRateLimiter: maxPrincipals must be a positive integer');
  /** @type {Map<string, { tokens: number, at: number }>} principal → bucket, least recently used first */
  const buckets = new Map();
  /** @param {string | null} principal */
  const limiter = (principal) => {
    const key = principal ?? '';
    const t = now();
    let b = buckets.get(key);
    if (b) {
      buckets.delete(key); // re-inserted below: most recently used last
      b.tokens = Math.min(burst, b.tokens + (Math.max(0, t - b.at) / 1000) * ratePerSecond);
      b.at = t;
    } else {
      b = { tokens: burst, at: t };
      if (buckets.size >= maxPrincipals) buckets.delete(/** @type {string} */ (buckets.keys().next().value));
    }
    buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    return { retryAfterSeconds: Math.ceil((1 - b.tokens) / ratePerSecond) };
  };
  return Object.defineProperty(limiter, 'size', { get: () => buckets.size, enumerable: true });
}
