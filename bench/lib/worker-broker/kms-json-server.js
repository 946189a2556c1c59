// A KMS-compatible endpoint for the Worker bench (a bench fixture, not a
// test double of any test): KMS's JSON protocol (POST /, x-amz-target:
// TrentService.<Operation>) in front of the development KMS (real AES-GCM,
// real key ARNs), in its own process. moto answers a few hundred requests
// a second on this machine, so behind moto every broker would measure
// moto; this answers thousands. It checks no signature.
//
//   node bench/lib/worker-broker/kms-json-server.js   prints its URL; stops on SIGTERM / disconnect
import http from 'node:http';
import { createDevKms } from 'edge-kms/broker';

const BLOBS = ['Plaintext', 'CiphertextBlob', 'Message', 'Signature'];
const kms = await createDevKms({ aliases: ['alias/bench'], signingKeys: [], encryptionKeys: [] });
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    let out, status = 200;
    try {
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const f of BLOBS) if (typeof input[f] === 'string') input[f] = new Uint8Array(Buffer.from(input[f], 'base64'));
      out = await kms.call(op, input);
      out = JSON.stringify(out, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
    } catch (e) {
      status = 400;
      out = JSON.stringify({ __type: `com.amazonaws.kms#${e?.name ?? 'InternalFailure'}`, message: 'refused' });
    }
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
});
server.keepAliveTimeout = 5000;
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
console.log(`kms on http://127.0.0.1:${server.address().port}`);
const stop = () => { server.closeAllConnections(); server.close(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.on('disconnect', stop);
