#!/usr/bin/env node
// The demo backend: the edge-kms broker over the DEVELOPMENT KMS on
// 127.0.0.1:${PORT:-8787} at /kms/*, plus the docs page (www/ at /) and the
// built package (pkg/ at /pkg/), so the page's BrokerKeyring talks to a
// same-origin broker. Development only: local key material, every caller
// allowed (devMode), loopback only.
//
//   node pkg-scripts/demo-server.js [--www DIR] [--pkg DIR] [--key-file FILE | --in-memory] [--cors ORIGIN]...
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { createBroker, createDevKms } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: opt } = parseArgs({
  options: {
    www: { type: 'string', default: resolve(root, 'www') },
    pkg: { type: 'string', default: resolve(root, 'pkg') },
    'key-file': { type: 'string', default: resolve(root, '.dev-kms.json') },
    'in-memory': { type: 'boolean', default: false },
    cors: { type: 'string', multiple: true, default: [] },
    quiet: { type: 'boolean', default: false },
  },
});
const port = Number(process.env.PORT ?? 8787);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${process.env.PORT}`);

const kms = await createDevKms({ file: opt['in-memory'] ? undefined : opt['key-file'], aliases: ['alias/demo', 'alias/demo-next'] }); // demo-next: the playground's re-key target
const broker = createBroker({
  kms,
  devMode: true,
  basePath: '/kms',
  cors: opt.cors.length ? { origins: opt.cors } : undefined,
  audit: opt.quiet ? undefined : (r) => {
    // The audit record never holds key material; print a one-line summary.
    console.log(`audit ${r.time} ${r.operation} ${r.keyId ?? '-'} ${r.outcome} ${r.status}${r.errorCode ? ` ${r.errorCode}` : ''} ${r.durationMs}ms`);
  },
});

/** @type {Record<string, string>} */
const staticDirs = {};
if (existsSync(opt.pkg)) staticDirs['/pkg/'] = opt.pkg;
else console.warn(`demo-server: ${opt.pkg} does not exist (run pkg-scripts/build); /pkg/ is not served`);
if (existsSync(opt.www)) staticDirs['/'] = opt.www;
else console.warn(`demo-server: ${opt.www} does not exist; / is not served`);

const server = await serve(broker, { port, host: '127.0.0.1', staticDirs, log: () => {} });
const bar = '!'.repeat(78);
console.error(bar);
console.error('!! edge-kms DEVELOPMENT KMS, NOT FOR PRODUCTION: local key material, no key policy,');
console.error('!! every caller is allowed (devMode). It listens on loopback only.');
console.error(`!! key file: ${kms.file ?? '(in memory)'}`);
console.error(bar);
console.log(`edge-kms demo on ${server.url}/  (broker at ${server.url}/kms, package at ${server.url}/pkg/)`);
console.log(`keys: ${Object.entries(kms.aliases()).map(([a, arn]) => `${a} → ${arn}`).join('\n      ')}`);

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, async () => {
    await server.close();
    await kms.flush();
    process.exit(0);
  });
}
