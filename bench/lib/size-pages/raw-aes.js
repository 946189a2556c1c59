// seal/open with RawAesKeyring, default suite, 1 KiB and 1 MiB.
import { EnvelopeClient, RawAesKeyring } from 'edge-kms';

globalThis.run = async () => {
  const keyring = new RawAesKeyring({ keyNamespace: 'app', keyName: 'aes', wrappingKey: crypto.getRandomValues(new Uint8Array(32)) });
  const client = new EnvelopeClient({ keyring });
  const ok = [];
  for (const size of [1024, 1 << 20]) {
    const data = new Uint8Array(size).map((_, i) => i * 7);
    const { plaintext } = await client.decrypt(await client.encrypt(data, { encryptionContext: { app: 'x' } }));
    ok.push(plaintext.length === size && plaintext.every((b, i) => b === data[i]));
  }
  return ok;
};
globalThis.pageReady = true;
