// Seal/open page: a RawAesKeyring round trip with the default (signed) suite,
// and a tampered copy refused. Imports only what a seal/open page imports.
import { EnvelopeClient, RawAesKeyring } from 'edge-kms';

const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** @param {{ wrappingKey: string, text: string }} input */
export async function run({ wrappingKey, text }) {
  const keyring = new RawAesKeyring({ keyNamespace: 'bundler-app', keyName: 'aes', wrappingKey: unb64(wrappingKey) });
  const client = new EnvelopeClient({ keyring });
  const sealed = await client.encrypt(text, { encryptionContext: { page: 'seal' } });
  const { plaintext } = await client.decrypt(sealed, { encryptionContext: { page: 'seal' } });
  const tampered = sealed.slice();
  tampered[tampered.length - 40] ^= 1;
  const tamperedCode = await client.decrypt(tampered).then(() => 'opened', (e) => e.code);
  let sealed64 = '';
  for (let i = 0; i < sealed.length; i += 4096) sealed64 += String.fromCharCode(...sealed.subarray(i, i + 4096));
  return { plaintext: new TextDecoder().decode(plaintext), tamperedCode, sealed: btoa(sealed64)};
}
