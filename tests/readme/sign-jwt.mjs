import { BrokerKeyring, signJwt, verifyJwt } from 'edge-kms';
import { createBroker, createDevKms } from 'edge-kms/broker';

// Your backend: a broker that serves Sign and lets each caller sign tokens about itself only.
// (The development KMS stands in for KMS: in production, kms: new KMSClient(…).)
const kms = await createDevKms();
const broker = createBroker({
  kms,
  keyIds: ['alias/sign-ecc-nist-p256'],
  sign: true,
  authorize: (request, operation, keyId, encryptionContext, details) =>
    operation === 'Sign' && details.sign?.jws?.payload.sub === request.headers.get('x-user'),
});

// The client holds no AWS credentials, only the broker's URL (here its handler is called directly).
const keyring = new BrokerKeyring({
  endpoint: 'https://app.example/kms',
  keyId: 'alias/sign-ecc-nist-p256',
  headers: { 'x-user': 'alice' },
  fetch: (url, init) => broker.fetch(new Request(url, init)),
});
const token = await signJwt({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 300 }, { keyring, alg: 'ES256', header: { kid: 'sign-1' } });

// Anyone with the public key verifies it: verifyJwt, jose, node:crypto.
const { PublicKey } = await kms.call('GetPublicKey', { KeyId: 'alias/sign-ecc-nist-p256' });
const { valid, payload } = await verifyJwt(token, PublicKey, { algorithms: ['ES256'] });
console.log(valid, payload?.sub);

// Claims this caller may not have: the broker's authorize saw them and refused.
await signJwt({ sub: 'admin' }, { keyring, alg: 'ES256' }).catch((e) => console.log(e.code));

// Over 4096 bytes, KMS signs a DIGEST; the broker checks it against the claims it showed authorize.
const big = await signJwt({ sub: 'alice', groups: Array.from({ length: 500 }, (_, i) => `group-${i}`) }, { keyring, alg: 'ES256' });
console.log(big.length > 4096, (await verifyJwt(big, PublicKey, { algorithms: ['ES256'] })).valid);
