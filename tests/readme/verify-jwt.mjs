import { verifyJwt, KmsPublicKey } from 'edge-kms';
import { createDevKms } from 'edge-kms/broker';

// Your backend signs a JWT with a KMS RSA key (here the development KMS stands in for KMS).
const kms = await createDevKms();
const b64url = (/** @type {string | Uint8Array} */ data) => Buffer.from(data).toString('base64url');
const signingInput = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${b64url(JSON.stringify({ sub: 'user-42', exp: Math.floor(Date.now() / 1000) + 300 }))}`;
const { Signature } = await kms.call('Sign', { KeyId: 'alias/sign-rsa-2048', Message: new TextEncoder().encode(signingInput), MessageType: 'RAW', SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256' });
const token = `${signingInput}.${b64url(Signature)}`;
const key = await KmsPublicKey.from((await kms.call('GetPublicKey', { KeyId: 'alias/sign-rsa-2048' })).PublicKey);

const { valid, payload } = await verifyJwt(token, key, { algorithms: ['RS256'] });
console.log(valid, payload?.sub);

const forged = token.replace(/\.[^.]+\./, `.${b64url(JSON.stringify({ sub: 'admin', exp: 9999999999 }))}.`);
console.log(await verifyJwt(forged, key, { algorithms: ['RS256'] }).then((r) => [r.valid, r.payload]));

await verifyJwt(token, key, { algorithms: ['RS256'], currentDate: new Date(Date.now() + 3_600_000) }).catch((e) => console.log(e.code));
await verifyJwt(token, key, { algorithms: ['ES256'] }).catch((e) => console.log(e.code));
