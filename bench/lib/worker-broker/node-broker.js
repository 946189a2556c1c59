// The Worker example's broker, configured the same, in Node (bench/worker-broker.js):
// createAws4FetchKms to the same KMS endpoint, the same session check, a token
// bucket per principal (limit raised for the load), audit records as JSON lines
// on stdout, served by edge-kms/broker/node. Prints its URL.
//
//   KMS_ENDPOINT=… SESSION_SECRET=… node bench/lib/worker-broker/node-broker.js
import { AwsClient } from 'aws4fetch';
import { createBroker, createAws4FetchKms } from 'edge-kms/broker';
import { serve, createRateLimiter } from 'edge-kms/broker/node';
import { verifySession, bearerToken } from '../../../examples/worker-broker/src/session.js';

const env = process.env;
const broker = createBroker({
  kms: createAws4FetchKms({ client: new AwsClient({ accessKeyId: 'bench', secretAccessKey: 'bench' }), region: 'us-east-1', endpoint: env.KMS_ENDPOINT }),
  keyIds: [env.KMS_KEY_IDS],
  basePath: '/kms',
  cors: { origins: ['https://app.example'] },
  authorize: async (request, operation, _keyId, encryptionContext) => {
    const session = await verifySession(bearerToken(request), env.SESSION_SECRET);
    if (!session) return { allow: false, status: 401 };
    return { allow: operation === 'GetPublicKey' || encryptionContext.tenant === session.tenant, principal: session.sub };
  },
  rateLimit: createRateLimiter({ ratePerSecond: 1e7, burst: 1e7 }),
  audit: (record) => { process.stdout.write(`${JSON.stringify({ event: 'edge-kms.audit', ...record })}\n`); },
});
const { url } = await serve(broker, { port: 0 });
console.log(`node broker on ${url}`);
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
