// Types of the Worker broker pieces (issue 12): createAws4FetchKms takes aws4fetch's own
// AwsClient; a RateLimit function fits createBroker's rateLimit (createRateLimiter, from
// edge-kms/broker/node, which needs Node's types, is type-checked with the README examples).
import { AwsClient } from 'aws4fetch';
import { createBroker, createAws4FetchKms, type RateLimit } from 'edge-kms/broker';

const kms = createAws4FetchKms({ client: new AwsClient({ accessKeyId: 'a', secretAccessKey: 'b' }), region: 'eu-west-1' });
const rl: RateLimit = async (principal) => (principal ? true : { retryAfterSeconds: 2 });
createBroker({ kms, keyIds: ['alias/x'], rateLimit: () => false });
createBroker({ kms, keyIds: ['alias/x'], rateLimit: rl });
// @ts-expect-error a string is not a limiter
createBroker({ kms, keyIds: ['alias/x'], rateLimit: 'no' });
// @ts-expect-error the client is required
createAws4FetchKms({ region: 'eu-west-1' });
const region: string = kms.region;
export { region };
