import { EnvelopeClient, MultiKeyring, RawAesKeyring, RawRsaKeyring, parseMessage } from 'edge-kms';

// Demo keys made on the spot. Real apps keep wrapping keys out of client code.
const rsa = await crypto.subtle.generateKey({ name: 'RSA-OAEP', modulusLength: 3072, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['encrypt', 'decrypt']);
const publicKey = new Uint8Array(await crypto.subtle.exportKey('spki', rsa.publicKey));    // DER; PEM text works too
const privateKey = new Uint8Array(await crypto.subtle.exportKey('pkcs8', rsa.privateKey));

// Every message is wrapped twice: by the AES key (generator) and by the public half of an escrow RSA key.
const keyring = new MultiKeyring({
  generator: new RawAesKeyring({ keyNamespace: 'my-app', keyName: 'aes-2026-01', wrappingKey: crypto.getRandomValues(new Uint8Array(32)) }),
  children: [new RawRsaKeyring({ keyNamespace: 'escrow', keyName: 'rsa-1', publicKey, padding: 'OAEP_SHA256' })],
});
const sealed = await new EnvelopeClient({ keyring }).encrypt('for the app and the escrow');
console.log((await parseMessage(sealed)).encryptedDataKeys.map((k) => k.providerId).join());

// The escrow opens it with the private half alone.
const escrow = new EnvelopeClient({ keyring: new RawRsaKeyring({ keyNamespace: 'escrow', keyName: 'rsa-1', privateKey }) });
console.log(new TextDecoder().decode((await escrow.decrypt(sealed)).plaintext));
