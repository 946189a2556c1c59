// Seal/open page with a RawRsaKeyring (OAEP-SHA256, the default), default
// suite, and a tampered copy refused.
import { EnvelopeClient, RawRsaKeyring } from 'edge-kms';

/** @param {{ publicKey: string, privateKey: string, text: string }} input  PEM keys */
export async function run({ publicKey, privateKey, text }) {
  const keyring = new RawRsaKeyring({ keyNamespace: 'bundler-app', keyName: 'rsa', publicKey, privateKey });
  const client = new EnvelopeClient({ keyring });
  const sealed = await client.encrypt(text, { encryptionContext: { page: 'seal-rsa' } });
  const { plaintext } = await client.decrypt(sealed, { encryptionContext: { page: 'seal-rsa' } });
  const tampered = sealed.slice();
  tampered[tampered.length - 40] ^= 1;
  const tamperedCode = await client.decrypt(tampered).then(() => 'opened', (e) => e.code);
  let sealed64 = '';
  for (let i = 0; i < sealed.length; i += 4096) sealed64 += String.fromCharCode(...sealed.subarray(i, i + 4096));
  return { plaintext: new TextDecoder().decode(plaintext), tamperedCode, sealed: btoa(sealed64) };
}
