import { EnvelopeClient, RawAesKeyring, parseMessage } from 'edge-kms';

// The wrapping key being retired and its successor (demo keys made on the spot).
const key = () => crypto.getRandomValues(new Uint8Array(32));
const january = new RawAesKeyring({ keyNamespace: 'my-app', keyName: 'aes-2026-01', wrappingKey: key() });
const july = new RawAesKeyring({ keyNamespace: 'my-app', keyName: 'aes-2026-07', wrappingKey: key() });
const suite = 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY';

const client = new EnvelopeClient({ keyring: january, suite });
const sealed = await client.encrypt('rotated, not re-encrypted', { encryptionContext: { tenant: 'acme' } });

// January's key opens the data key; the whole message is authenticated; July's key wraps the same data key.
const rekeyed = await client.reEncrypt(sealed, { keyring: july, encryptionContext: { tenant: 'acme' } });

const [before, after] = [await parseMessage(sealed), await parseMessage(rekeyed)];
/** @param {Uint8Array} a @param {Uint8Array} b */
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
console.log(same(before.messageId, after.messageId), same(sealed.subarray(before.headerLength), rekeyed.subarray(after.headerLength)));

console.log(new TextDecoder().decode((await new EnvelopeClient({ keyring: july }).decrypt(rekeyed)).plaintext));
await client.decrypt(rekeyed).catch((e) => console.log(e.code));
