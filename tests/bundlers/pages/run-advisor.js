// Advisor page: what the docs page's advisor, cost estimator and key-identifier
// explainer call.
import { recommendKeyType, estimateCost, parseKeyIdentifier } from 'edge-kms';

export async function run() {
  const rec = await recommendKeyType({ needKeyControl: true, purpose: 'sign', automaticRotation: true });
  const cost = await estimateCost({ keys: 2, requestsPerMonth: 1_000_000, cacheHitRatio: 0.5 });
  const id = await parseKeyIdentifier('arn:aws:kms:eu-west-1:111122223333:alias/my-key');
  const bad = await parseKeyIdentifier('not a key').then(() => 'parsed', (e) => e.code);
  return { keyType: rec.keyType, conflictCodes: rec.conflictCodes, totalUsd: cost.totalUsd, requestsSavedByCache: cost.requestsSavedByCache, region: id.region, account: id.account, bad };
}
