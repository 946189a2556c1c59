// examples/worker-broker/src/worker.js with KMSClient from @aws-sdk/client-kms
// in place of createAws4FetchKms; everything else the same.
import { KMSClient } from '@aws-sdk/client-kms';
import { createBroker } from 'edge-kms/broker';
import { verifySession, bearerToken } from '../../../examples/worker-broker/src/session.js';

let cached;
const list = (v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

function brokerFor(env) {
  if (cached?.env === env) return cached.broker;
  const period = Number(env.RATE_LIMIT_PERIOD ?? 60);
  const broker = createBroker({
    kms: new KMSClient({
      region: env.AWS_REGION,
      endpoint: env.KMS_ENDPOINT || undefined,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined },
      maxAttempts: 1, // one attempt, as the aws4fetch client: BrokerKeyring retries
    }),
    keyIds: list(env.KMS_KEY_IDS),
    basePath: '/kms',
    cors: { origins: list(env.ALLOWED_ORIGINS) },
    authorize: async (request, operation, _keyId, encryptionContext) => {
      const session = await verifySession(bearerToken(request), env.SESSION_SECRET);
      if (!session) return { allow: false, status: 401 };
      if (operation === 'GetPublicKey') return { allow: true, principal: session.sub };
      return { allow: encryptionContext.tenant === session.tenant, principal: session.sub };
    },
    rateLimit: env.RATE_LIMITER
      ? async (principal) => ((await env.RATE_LIMITER.limit({ key: principal ?? 'anonymous' })).success ? true : { retryAfterSeconds: period })
      : undefined,
    audit: async (record) => { console.log({ event: 'edge-kms.audit', ...record }); },
  });
  cached = { env, broker };
  return broker;
}

export default { fetch: (request, env) => brokerFor(env).fetch(request) };
