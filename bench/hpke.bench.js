// keyTransport 'hpke' (README, "Data keys sealed to the client"): what sealing
// the data key to the client costs, as a ratio against the plaintext transport
// measured in the same run. One operation = EnvelopeClient encrypt + decrypt of
// 16 bytes without a cache: one GenerateDataKey and one Decrypt round trip to
// the broker over the dev KMS. With HPKE each round trip adds, client side, a
// P-256 key pair and an ECDH + HKDF + AES-GCM open in the wasm core, and broker
// side an ephemeral key pair, an ECDH and HKDF/AES-GCM in WebCrypto.
// The client's key pair and DH: WebCrypto (engine 'auto', a non-extractable
// ECDH key) and the `ecdsa` wasm module (engine 'wasm', the fallback where
// WebCrypto has no P-256 ECDH; what the envelope core did itself before
// issue 10 moved the DH out of it), both in the same run.
// Two settings: in process (broker.fetch called directly: the crypto alone) and
// over node:http on loopback (what a client sees). Rounds alternate the two
// transports; the figure is the median of the per-round means.
import { EnvelopeClient, BrokerKeyring } from 'edge-kms';
import { createBroker, createDevKms } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';

const ROUNDS = 7;
const OPS = 60;
const kms = await createDevKms({ aliases: ['alias/demo'], signingKeys: [], encryptionKeys: [] });
const broker = createBroker({ kms, devMode: true });
const server = await serve(broker, { port: 0, log: () => {} });
const ec = { tenant: 'acme' };
const data = new Uint8Array(16);
const suite = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';

/** @param {'plaintext' | 'hpke'} keyTransport @param {boolean} http @param {'auto' | 'wasm'} [engine] */
function client(keyTransport, http, engine = 'auto') {
  const keyring = http
    ? new BrokerKeyring({ endpoint: server.url, keyId: 'alias/demo', keyTransport })
    : new BrokerKeyring({ endpoint: 'http://127.0.0.1', keyId: 'alias/demo', keyTransport, fetch: (u, i) => broker.fetch(new Request(u, i)) });
  return new EnvelopeClient({ keyring, suite, engine });
}

/** ms per operation over OPS operations. @param {EnvelopeClient} c */
async function run(c) {
  const t0 = performance.now();
  for (let i = 0; i < OPS; i++) await c.decrypt(await c.encrypt(data, { encryptionContext: ec }));
  return (performance.now() - t0) / OPS;
}
const median = (/** @type {number[]} */ xs) => xs.toSorted((a, b) => a - b)[xs.length >> 1];

for (const http of [false, true]) {
  const plain = client('plaintext', http);
  const hpke = client('hpke', http);
  const hpkeWasm = client('hpke', http, 'wasm');
  await run(plain); await run(hpke); await run(hpkeWasm); // warm-up (wasm compile, JIT, dev KMS)
  const p = [], h = [], w = [];
  for (let r = 0; r < ROUNDS; r++) { p.push(await run(plain)); h.push(await run(hpke)); w.push(await run(hpkeWasm)); }
  const mp = median(p), mh = median(h), mw = median(w);
  console.log(`${http ? 'node:http loopback' : 'in process       '}  encrypt+decrypt (2 data-key round trips)  plaintext ${mp.toFixed(2)} ms  ` +
    `hpke/WebCrypto ${mh.toFixed(2)} ms  ratio ${(mh / mp).toFixed(2)}x  (+${((mh - mp) / 2).toFixed(2)} ms per data key)  ` +
    `hpke/ecdsa module ${mw.toFixed(2)} ms  ratio ${(mw / mp).toFixed(2)}x  (+${((mw - mp) / 2).toFixed(2)} ms per data key)  WebCrypto/module ${(mh / mw).toFixed(2)}x`);
}
await server.close();
