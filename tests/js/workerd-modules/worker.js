// A Worker that imports only 'edge-kms' (tests/js/workerd-modules.test.js
// bundles it with `wrangler deploy --dry-run`): each route calls one API and
// answers its result or its error code and message.
import {
  EnvelopeClient, RawAesKeyring, RawRsaKeyring, verifyKmsSignature, verifyJwt, KmsPublicKey, recommendKeyType, init,
} from 'edge-kms';

const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

const routes = {
  /** seal + open 1 KiB, default suite, RawAesKeyring; and a stream of the default suite */
  async seal({ wrappingKey, text }) {
    const client = new EnvelopeClient({ keyring: new RawAesKeyring({ keyNamespace: 'w', keyName: 'aes', wrappingKey: bytes(wrappingKey) }) });
    const sealed = await client.encrypt(text, { encryptionContext: { route: 'seal' } });
    const { plaintext } = await client.decrypt(sealed, { encryptionContext: { route: 'seal' } });
    const streamed = await new Response(new Blob([text]).stream().pipeThrough(client.encryptStream({ encryptionContext: { route: 'stream' } }))).arrayBuffer();
    const opened = await new Response(new Blob([streamed]).stream().pipeThrough(client.decryptStream())).text();
    return { text: new TextDecoder().decode(plaintext), streamed: opened };
  },
  /** ECDSA P-256 over a RAW message (WebCrypto) and over its DIGEST (the `ecdsa` module) */
  async verify({ publicKey, message, digest, signature }) {
    const raw = await verifyKmsSignature({ publicKey: bytes(publicKey), signingAlgorithm: 'ECDSA_SHA_256', message: bytes(message), signature: bytes(signature) });
    const key = new KmsPublicKey(bytes(publicKey));
    const byDigest = await key.verify({ signingAlgorithm: 'ECDSA_SHA_256', messageType: 'DIGEST', message: bytes(digest), signature: bytes(signature) });
    return { raw, byDigest, sync: key.verifySync({ signingAlgorithm: 'ECDSA_SHA_256', messageType: 'DIGEST', message: bytes(digest), signature: bytes(signature) }) };
  },
  async init() {
    await init();
    return true;
  },
  async 'init-rsa'() {
    await init(['rsa']);
    return true;
  },
  async rsa({ publicKey, privateKey, text }) {
    const client = new EnvelopeClient({ keyring: new RawRsaKeyring({ keyNamespace: 'w', keyName: 'rsa', publicKey, privateKey }) });
    const { plaintext } = await client.decrypt(await client.encrypt(text));
    return new TextDecoder().decode(plaintext);
  },
  async jwt({ token, publicKey }) {
    const { valid, payload } = await verifyJwt(token, bytes(publicKey), { algorithms: ['ES256'] });
    return { valid, sub: payload?.sub };
  },
  async kms() {
    return (await recommendKeyType({ purpose: 'sign' })).keyType;
  },
};

export default {
  async fetch(request) {
    const route = routes[new URL(request.url).pathname.slice(1)];
    if (!route) return new Response('not found', { status: 404 });
    try {
      return Response.json({ ok: true, value: await route(await request.json()) });
    } catch (e) {
      return Response.json({ ok: false, code: e?.code ?? null, message: String(e?.message ?? e) });
    }
  },
};
