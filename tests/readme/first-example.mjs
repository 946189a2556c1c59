import { EnvelopeClient, BrokerKeyring } from 'edge-kms';
import { createBroker, createDevKms } from 'edge-kms/broker';
import { serve } from 'edge-kms/broker/node';

// Your backend: the broker in front of KMS (here the development KMS, in memory, on loopback).
const server = await serve(createBroker({ kms: await createDevKms(), devMode: true, basePath: '/kms' }), { port: 0 });

// Your client (browser, Worker, Node, Deno): no AWS credentials, only the broker's URL.
const client = new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint: `${server.url}/kms`, keyId: 'alias/demo' }) });
const sealed = await client.encrypt('hello, world', { encryptionContext: { tenant: 'acme' } });
const { plaintext } = await client.decrypt(sealed, { encryptionContext: { tenant: 'acme' } });
console.log(new TextDecoder().decode(plaintext), `(a ${sealed.length}-byte AWS Encryption SDK message)`);
await server.close();
