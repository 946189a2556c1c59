import { EnvelopeClient, BrokerKeyring } from 'edge-kms';
import { createBroker, createDevKms } from 'edge-kms/broker';

// A broker that hands out data keys only sealed to the client (development KMS: demos and tests only).
const broker = createBroker({ kms: await createDevKms(), devMode: true, keyTransport: 'hpke' });
/** @type {string[]} what a TLS-terminating proxy would record of the broker's answers */
const seen = [];
/** @type {(url: string, init: RequestInit) => Promise<Response>} */
const fetch = async (url, init) => {
  const res = await broker.fetch(new Request(url, init));
  seen.push(await res.clone().text());
  return res;
};

const keyring = new BrokerKeyring({ endpoint: 'http://localhost', keyId: 'alias/demo', fetch, keyTransport: 'hpke' });
const client = new EnvelopeClient({ keyring });
const sealed = await client.encrypt('sealed to the client', { encryptionContext: { tenant: 'acme' } });
console.log(new TextDecoder().decode((await client.decrypt(sealed)).plaintext));
console.log(seen.map((body) => Object.keys(JSON.parse(body)).join(',')).join(' | '));

// A client that asks for plaintext data keys is refused.
const plain = new BrokerKeyring({ endpoint: 'http://localhost', keyId: 'alias/demo', fetch });
await new EnvelopeClient({ keyring: plain }).encrypt('x').catch((e) => console.log(e.code, e.kmsCode));
