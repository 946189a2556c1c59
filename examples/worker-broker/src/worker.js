// edge-kms broker as a Cloudflare Worker, in front of AWS KMS.
//
// - KMS through aws4fetch (SigV4 over fetch; no AWS SDK in the bundle), with
//   the Worker's secrets AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and
//   AWS_SESSION_TOKEN), in AWS_REGION.
// - Serves the keys in KMS_KEY_IDS only (the allow-list), under /kms.
// - CORS for ALLOWED_ORIGINS.
// - authorize: a valid session token (src/session.js, SESSION_SECRET) is
//   required; a session seals and opens its own tenant's data only (the
//   encryption context's `tenant` must be the session's).
// - rateLimit: the Rate Limiting binding RATE_LIMITER, per session `sub`.
// - audit: one structured log record per operation (Workers Logs), and to
//   the Queue AUDIT_QUEUE when it is bound (awaited: a failed send fails the
//   request closed).
import { AwsClient } from 'aws4fetch';
import { createBroker, createAws4FetchKms } from 'edge-kms/broker';
import { verifySession, bearerToken } from './session.js';

/** @type {{ env: object, broker: { fetch(request: Request): Promise<Response> } } | undefined} */
let cached;

const list = (/** @type {string | undefined} */ v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** @param {Record<string, any>} env */
function brokerFor(env) {
  if (cached?.env === env) return cached.broker;
  const missing = ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'SESSION_SECRET', 'KMS_KEY_IDS'].filter((k) => !env[k]);
  if (missing.length) throw new ConfigError(`missing settings: ${missing.join(', ')}`); // names only, never values
  const period = Number(env.RATE_LIMIT_PERIOD ?? 60);
  const kms = createAws4FetchKms({
    client: new AwsClient({ accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined }),
    region: env.AWS_REGION,
    endpoint: env.KMS_ENDPOINT || undefined,
  });
  const broker = createBroker({
    kms,
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
    audit: async (record) => {
      console.log({ event: 'edge-kms.audit', ...record });
      if (env.AUDIT_QUEUE) await env.AUDIT_QUEUE.send(record);
    },
  });
  cached = { env, broker };
  return broker;
}

class ConfigError extends Error {}

export default {
  /** @param {Request} request @param {Record<string, any>} env */
  async fetch(request, env) {
    let broker;
    try {
      broker = brokerFor(env);
    } catch (e) {
      // fail closed, and say what is wrong in the Worker's log only
      // (createBroker's and createAws4FetchKms's TypeErrors name the option, never its value)
      console.error({ event: 'edge-kms.config', error: e instanceof ConfigError || e instanceof TypeError ? e.message : 'invalid broker configuration' });
      return Response.json({ error: { code: 'InternalError', message: 'the broker is not configured' } }, { status: 500, headers: { 'cache-control': 'no-store' } });
    }
    return broker.fetch(request);
  },
};
