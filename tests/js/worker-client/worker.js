// Seals and opens through the broker Worker, with the package's public entry.
import { EnvelopeClient, BrokerKeyring } from 'edge-kms';

const b64 = (u8) => { let s = ''; for (const b of u8) s += String.fromCharCode(b); return btoa(s); };
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

export default {
  async fetch(request, env) {
    const { token, keyId, tenant, text, open } = await request.json();
    const client = new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint: `${env.BROKER_URL}/kms`, keyId, headers: { authorization: `Bearer ${token}` }, timeoutMs: 10_000 }) });
    const out = {};
    try {
      const sealed = await client.encrypt(text, { encryptionContext: { tenant } });
      out.sealed = b64(sealed);
      out.text = new TextDecoder().decode((await client.decrypt(sealed, { encryptionContext: { tenant } })).plaintext);
      if (open) out.opened = new TextDecoder().decode((await client.decrypt(unb64(open), { encryptionContext: { tenant } })).plaintext);
    } catch (e) {
      out.error = e.code ?? e.name;
    }
    return Response.json(out);
  },
};
