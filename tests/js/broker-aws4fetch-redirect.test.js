// createAws4FetchKms must not follow redirects: @aws-sdk/client-kms does not
// (a 3xx is an error to it), but fetch does by default, and workerd re-sends
// a 307's POST — body and SigV4 Authorization header included — to wherever
// it points. A KMS endpoint that redirects (a misconfigured or hijacked
// proxy in front of KMS, an open redirect on a KMS-compatible service) would
// then get the broker's signed request (an Encrypt carries a plaintext data
// key) sent to another host, and that host's answer (a GenerateDataKey
// plaintext of its choosing) taken as KMS's.
//
// createAws4FetchKms runs where it is meant to, in workerd (Miniflare, the
// Worker bundled as wrangler does); two loopback node:http servers stand in
// for the endpoint and the redirect target (a real KMS never redirects, so
// moto cannot show this). About 2 s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { mkdir, readFile } from 'node:fs/promises';
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';

const outdir = fileURLToPath(new URL('../artifacts/aws4fetch-redirect/', import.meta.url));
const WORKER = `
import { AwsClient } from 'aws4fetch';
import { createAws4FetchKms } from 'edge-kms/broker';
export default {
  async fetch(request) {
    const { endpoint, operation, input } = await request.json();
    const kms = createAws4FetchKms({ client: new AwsClient({ accessKeyId: 'testing', secretAccessKey: 'testing', region: 'us-east-1' }), endpoint });
    if (input.Plaintext) input.Plaintext = new Uint8Array(input.Plaintext);
    try {
      const out = await kms.call(operation, input);
      return Response.json({ answered: true, keyId: out.KeyId ?? null });
    } catch (e) {
      return Response.json({ answered: false, name: e.name });
    }
  },
};`;

let mf, url, endpoint, target;
const received = [];

function listen(handler) {
  return new Promise((resolve) => {
    const s = http.createServer(handler);
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

before(async () => {
  target = await listen((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString(), authorization: req.headers.authorization ?? null });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ KeyId: 'arn:aws:kms:us-east-1:111122223333:key/chosen-elsewhere', Plaintext: Buffer.alloc(32, 0x41).toString('base64'), CiphertextBlob: Buffer.alloc(64, 1).toString('base64') }));
    });
  });
  endpoint = await listen((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(307, { location: `http://127.0.0.1:${target.address().port}/` });
      res.end();
    });
  });
  await mkdir(outdir, { recursive: true });
  await esbuild.build({
    stdin: { contents: WORKER, resolveDir: fileURLToPath(new URL('./', import.meta.url)), sourcefile: 'redirect-worker.js', loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    external: ['@aws-sdk/client-kms'],
    outfile: `${outdir}/worker.js`,
    logLevel: 'error',
  });
  mf = new Miniflare({
    modules: [{ type: 'ESModule', path: `${outdir}/worker.js`, contents: await readFile(`${outdir}/worker.js`, 'utf8') }],
    compatibilityDate: '2025-09-01',
    host: '127.0.0.1',
    port: 0,
  });
  url = (await mf.ready).toString().replace(/\/$/, '');
});

after(async () => {
  await mf?.dispose();
  await new Promise((r) => endpoint?.close(r));
  await new Promise((r) => target?.close(r));
});

const call = async (operation, input) => (await fetch(url, {
  method: 'POST',
  body: JSON.stringify({ endpoint: `http://127.0.0.1:${endpoint.address().port}/`, operation, input }),
})).json();

test('in workerd, a redirecting KMS endpoint: nothing is re-sent elsewhere and no answer from elsewhere is taken', async () => {
  const enc = await call('Encrypt', { KeyId: 'alias/k', Plaintext: [...new Uint8Array(32).fill(7)] });
  const gen = await call('GenerateDataKey', { KeyId: 'alias/k', NumberOfBytes: 32 });
  assert.equal(received.length, 0, 'the signed request (an Encrypt carries a plaintext data key) went to the redirect target');
  assert.deepEqual([enc.answered, gen.answered], [false, false], "the redirect target's answer was taken as KMS's");
});
