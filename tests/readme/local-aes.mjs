import { EnvelopeClient, RawAesKeyring, parseMessage } from 'edge-kms';

// A key made on the spot for the demo. Real apps keep wrapping keys out of client code.
const wrappingKey = crypto.getRandomValues(new Uint8Array(32));
const keyring = new RawAesKeyring({ keyNamespace: 'my-app', keyName: 'aes-2026-01', wrappingKey });
const client = new EnvelopeClient({ keyring, suite: 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY' });

const sealed = await client.encrypt('sealed locally', { encryptionContext: { purpose: 'demo' } });
const info = await parseMessage(sealed);   // no key needed, and nothing in it is authenticated yet
console.log(info.suite, info.frameLength, info.encryptedDataKeys.map((k) => k.providerId).join());

const { plaintext } = await client.decrypt(sealed, { encryptionContext: { purpose: 'demo' } });
console.log(new TextDecoder().decode(plaintext));

sealed[sealed.length - 1] ^= 1;            // one bit of the last frame's tag
await client.decrypt(sealed).catch((e) => console.log(e.code));
