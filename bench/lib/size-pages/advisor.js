// The docs page's advisor, cost estimator and key-identifier explainer.
import { recommendKeyType, estimateCost, parseKeyIdentifier } from 'edge-kms';

globalThis.run = async () => {
  const rec = await recommendKeyType({ needKeyControl: true, purpose: 'encrypt', automaticRotation: true });
  const cost = await estimateCost({ keys: 2, requestsPerMonth: 1_000_000, cacheHitRatio: 0.5 });
  const id = await parseKeyIdentifier('arn:aws:kms:eu-west-1:111122223333:alias/my-key');
  return [rec.keyType === 'customer-managed', cost.totalUsd > 0, id.region === 'eu-west-1'];
};
globalThis.pageReady = true;
