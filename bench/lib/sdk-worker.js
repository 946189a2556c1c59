// The reference SDK's side of bench/envelope.bench.js, in a worker thread: its
// own V8 heap, so neither side's garbage (the SDK makes a lot) lands in the
// other's measurements. The main thread interleaves slices of both in time.
import { parentPort } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import { buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';

const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
let keyring, pt, msg, suiteId;

parentPort.on('message', async (m) => {
  if (m.cmd === 'prepare') {
    // RawAesKeyringNode zero-fills the key it is given: a fresh copy each time.
    keyring = () => new RawAesKeyringNode({ keyNamespace: 'bench', keyName: 'k', unencryptedMasterKey: new Uint8Array(m.key), wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING });
    suiteId = m.suiteId;
    pt = randomBytes(m.size);
    ({ result: msg } = await sdk.encrypt(keyring(), pt, { suiteId }));
    parentPort.postMessage({ ready: true });
    return;
  }
  const fn = m.op === 'seal' ? () => sdk.encrypt(keyring(), pt, { suiteId }) : () => sdk.decrypt(keyring(), msg);
  if (m.cmd === 'warm') { await fn(); parentPort.postMessage({ warm: true }); return; }
  globalThis.gc?.();
  let n = 0;
  const t0 = performance.now();
  while (n < 2 || performance.now() - t0 < m.ms) { await fn(); n++; }
  parentPort.postMessage({ n, ms: performance.now() - t0 });
});
