import { EnvelopeClient, BrokerKeyring, KmsRsaPublicKeyring } from 'edge-kms';
import { createBroker, createDevKms } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';

// Your backend: the broker (here over the development KMS, which has an RSA_2048 encryption key).
const server = await serve(createBroker({ kms: await createDevKms(), devMode: true, basePath: '/kms' }), { port: 0 });
const broker = new BrokerKeyring({ endpoint: `${server.url}/kms`, keyId: 'alias/encrypt-rsa-2048' });

// Fetch the public half once (it is public: ship it with your app if you like), then seal with no backend call.
const { keyId, keySpec, publicKey } = await broker.getPublicKey();
const suite = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';   // the only suite this keyring allows
const sealer = new EnvelopeClient({ suite, keyring: new KmsRsaPublicKeyring({ keyId, publicKey }) });
const sealed = await sealer.encrypt('sealed offline', { encryptionContext: { tenant: 'acme' } });
console.log(keySpec, await sealer.decrypt(sealed).catch((e) => e.code));

// Opening needs the private half, which never leaves KMS: KMS Decrypt (RSAES_OAEP_SHA_256) through the broker.
const opener = new EnvelopeClient({ suite, keyring: new KmsRsaPublicKeyring({ keyId, publicKey, kms: broker }) });
console.log(new TextDecoder().decode((await opener.decrypt(sealed, { encryptionContext: { tenant: 'acme' } })).plaintext));
await server.close();
