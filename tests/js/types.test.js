// Type-level tests: the published .d.ts files compile against a consumer
// (tests/types/consumer.ts), including @ts-expect-error misuses.
import { test } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

test('tsc --noEmit accepts the consumer and rejects the marked misuses', async () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  await promisify(execFile)(`${root}node_modules/.bin/tsc`, ['-p', 'tests/types/tsconfig.json'], { cwd: root })
    .catch((e) => { throw new Error(`tsc failed:\n${e.stdout}${e.stderr}`); });
});
