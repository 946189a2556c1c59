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
