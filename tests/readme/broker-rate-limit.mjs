import { BrokerKeyring } from 'edge-kms';
import { createBroker, createDevKms } from 'edge-kms/broker';
import { serve, createRateLimiter } from 'edge-kms/broker/node';

// Your session check decides who the caller is; here, two fixed tokens.
const sessions = new Map([['Bearer token-ann', 'ann'], ['Bearer token-ben', 'ben']]);
const broker = createBroker({
  kms: await createDevKms(),                             // development KMS: demos and tests only
  keyIds: ['alias/demo'],
  authorize: (request) => {
    const user = sessions.get(request.headers.get('authorization') ?? '');
    return user ? { allow: true, principal: user } : { allow: false, status: 401 };
  },
  // per principal: 2 at once, then one every 2 s; at most 10,000 principals tracked
  rateLimit: createRateLimiter({ ratePerSecond: 0.5, burst: 2, maxPrincipals: 10_000 }),
});
const server = await serve(broker, { port: 0 });
const keyring = (/** @type {string} */ user) => new BrokerKeyring({
  endpoint: `${server.url}/kms`, keyId: 'alias/demo', headers: { authorization: `Bearer token-${user}` }, retries: 0,
});

await keyring('ann').generateDataKey();
await keyring('ann').generateDataKey();
const third = await keyring('ann').generateDataKey().catch((e) => e);
console.log(third.code, third.status, third.retryable);  // 429 with Retry-After: 2
console.log((await keyring('ben').generateDataKey()).plaintext.length);  // ben has his own bucket
await server.close();
