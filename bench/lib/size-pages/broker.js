// seal/open with BrokerKeyring (the broker on the page's own origin), default suite, 1 KiB and 1 MiB.
import { EnvelopeClient, BrokerKeyring } from 'edge-kms';

globalThis.run = async () => {
  const client = new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint: `${location.origin}/kms`, keyId: 'alias/demo' }) });
  const ok = [];
  for (const size of [1024, 1 << 20]) {
    const data = new Uint8Array(size).map((_, i) => i * 7);
    const { plaintext } = await client.decrypt(await client.encrypt(data, { encryptionContext: { app: 'x' } }));
    ok.push(plaintext.length === size && plaintext.every((b, i) => b === data[i]));
  }
  return ok;
};
globalThis.pageReady = true;
