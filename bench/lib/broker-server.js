// The server side of bench/broker-load.js, one per child process so that it
// has an event loop (and a heap) to itself:
//
//   node bench/lib/broker-server.js broker   the Node broker over the dev KMS (devMode, audit counted)
//   node bench/lib/broker-server.js peer     a plain node:http server answering the same JSON
//                                            (same headers, same sizes) with no crypto, no
//                                            Fetch API objects and no audit: node:http's floor
//
// Prints its URL on stdout; over IPC, 'stats' answers { requests, audited,
// cpuMicros } since the last 'stats'.
import http from 'node:http';
import { randomUUID } from 'node:crypto';

const mode = process.argv[2];
let requests = 0;
let audited = 0;
let url;
let close;

if (mode === 'broker') {
  const { createBroker, createDevKms } = await import('edge-kms/broker');
  const { serve } = await import('edge-kms/broker/node');
  const kms = await createDevKms({ signingKeys: [], encryptionKeys: [] });
  const broker = createBroker({ kms, devMode: true, basePath: '/kms', audit: () => { audited++; } });
  const s = await serve(broker, { port: 0, log: () => {} });
  s.server.on('request', () => { requests++; });
  ({ url, close } = s);
} else if (mode === 'peer') {
  const ARN = 'arn:aws:kms:us-east-1:111122223333:key/0d9e7e55-5d1f-4ac8-9c1c-2f1f2b0e3c11';
  /** @type {Map<number, string>} answers by key length: a data key of n bytes and a blob as long as the dev KMS's */
  const answers = new Map();
  const server = http.createServer((req, res) => {
    requests++;
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body;
      try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { body = null; }
      const n = body?.numberOfBytes;
      if (req.url !== '/kms/generate-data-key' || typeof body?.keyId !== 'string' || !Number.isInteger(n) || n < 1 || n > 1024) {
        res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' });
        res.end('{"error":{"code":"BadRequest","message":"bad request"}}');
        return;
      }
      let text = answers.get(n);
      if (!text) {
        text = JSON.stringify({ keyId: ARN, plaintext: Buffer.alloc(n, 7).toString('base64'), ciphertextBlob: Buffer.alloc(40 + 12 + n + 16, 9).toString('base64') });
        answers.set(n, text);
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-request-id': randomUUID(), 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`;
  close = () => new Promise((ok) => { server.closeAllConnections(); server.close(ok); });
} else {
  throw new Error(`usage: broker-server.js broker|peer (got ${mode})`);
}

process.stdout.write(`${url}\n`);
let cpu = process.cpuUsage();
process.on('message', () => {
  const c = process.cpuUsage(cpu);
  cpu = process.cpuUsage();
  process.send({ requests, audited, cpuMicros: c.user + c.system });
  requests = 0;
  audited = 0;
});
process.on('disconnect', () => close().then(() => process.exit(0)));
