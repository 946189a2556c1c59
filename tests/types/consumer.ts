// Type-level tests: compiled with `tsc --noEmit` against the built package.
// Each `@ts-expect-error` is an assertion that the types reject a misuse.
import { EdgeKmsError, ERROR_CODES, init, type EdgeKmsErrorCode } from 'edge-kms';

await init();

const code: EdgeKmsErrorCode = 'TAMPERED';
const all: readonly EdgeKmsErrorCode[] = ERROR_CODES;
void all;

try {
  await init();
} catch (e) {
  if (e instanceof EdgeKmsError) {
    const c: EdgeKmsErrorCode = e.code;
    void c;
  }
}

// @ts-expect-error: not a code edge-kms ever throws
const bad: EdgeKmsErrorCode = 'SOMETHING_ELSE';
void bad;
void code;

// KMS concepts: identifiers and the key-type advisor.
import { parseKeyIdentifier, recommendKeyType, estimateCost, type KeyType } from 'edge-kms';
const id = await parseKeyIdentifier('arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab');
const region: string | null = id.region;
void region;
const rec = await recommendKeyType({ needKeyControl: true, multiRegion: true });
const kt: KeyType = rec.keyType;
void kt;
// @ts-expect-error: purpose is 'encrypt' | 'sign' | 'hmac'
await recommendKeyType({ purpose: 'decrypt' });
const cost = await estimateCost({ keys: 2, requestsPerMonth: 1_000_000, cacheHitRatio: 0.9 });
const total: number = cost.totalUsd;
void total;
