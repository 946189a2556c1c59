import { verifyKmsSignature, KmsPublicKey } from 'edge-kms';
import { createDevKms } from 'edge-kms/broker';

// Stand-in for AWS KMS (Sign and GetPublicKey answer with KMS's shapes); in production these come from KMS.
const kms = await createDevKms();
const message = new TextEncoder().encode('invoice 1234: 99.00 EUR');
const { Signature } = await kms.call('Sign', { KeyId: 'alias/sign-ecc-nist-p256', Message: message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' });
const { PublicKey } = await kms.call('GetPublicKey', { KeyId: 'alias/sign-ecc-nist-p256' });

// Offline, anywhere: the public key as GetPublicKey returns it (DER), or base64 or PEM of it.
console.log(await verifyKmsSignature({ publicKey: PublicKey, signingAlgorithm: 'ECDSA_SHA_256', message, signature: Signature }));

// Many signatures by one key: parse it once.
const key = await KmsPublicKey.from(PublicKey);
const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', message));
console.log(key.keySpec, await key.verify({ signingAlgorithm: 'ECDSA_SHA_256', message: digest, messageType: 'DIGEST', signature: Signature }));
console.log(key.verifySync({ signingAlgorithm: 'ECDSA_SHA_256', message: 'invoice 1234: 9900.00 EUR', signature: Signature }));

// A wrong signature is `false`; a question KMS would refuse throws.
await key.verify({ signingAlgorithm: 'ECDSA_SHA_384', message, signature: Signature }).catch((e) => console.log(e.code));
