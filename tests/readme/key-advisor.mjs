import { recommendKeyType, estimateCost } from 'edge-kms';

// Our own key, for the broker's data keys, used from a second account, rotated by KMS.
const rec = await recommendKeyType({ needKeyControl: true, crossAccount: true, purpose: 'encrypt', automaticRotation: true,
  alias: 'alias/my-app-key', requestsPerMonth: 1_000_000 });
console.log(rec.keyType, rec.keySpec, rec.keyUsage, rec.rotation, `$${rec.monthlyCostUsd}/month`);
console.log(rec.cli.filter((line) => !line.startsWith('#')).length, 'aws kms commands, and a key policy:', rec.keyPolicy !== null);

// Requirements KMS cannot meet together: the advisor says what gave way, with a stable code each.
const signing = await recommendKeyType({ needKeyControl: true, purpose: 'sign', automaticRotation: true });
console.log(signing.keySpec, signing.conflictCodes);

// What a data-key cache saves: 10 million messages a month, 90 % of them served from the cache.
const cost = await estimateCost({ keys: 1, requestsPerMonth: 10_000_000, cacheHitRatio: 0.9 });
console.log(`$${cost.totalUsd} instead of $${cost.totalWithoutCacheUsd} (${cost.kmsRequests} KMS requests)`);
