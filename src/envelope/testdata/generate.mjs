// Regenerates sdk_vectors.json: one message per algorithm suite written by the
// reference SDK (@aws-crypto/client-node) with a raw AES-256 key of bytes 0..31,
// namespace "vectors", name "aes-256". The Rust tests open each one, which checks
// our KDF, commitment and signature code per suite against an independent writer.
// Run from the repository root: node src/envelope/testdata/generate.mjs
import { writeFileSync } from 'node:fs';
import { buildClient, CommitmentPolicy, AlgorithmSuiteIdentifier as S, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';

const keyring = () => new RawAesKeyringNode({ keyNamespace: 'vectors', keyName: 'aes-256', unencryptedMasterKey: new Uint8Array(32).map((_, i) => i), wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING });
const plaintext = 'an ESDK test vector: seventy bytes of plaintext over three 32-byte fr.';
const out = [];
for (const [name, id] of Object.entries(S).filter(([k]) => k.startsWith('ALG_'))) {
  const client = buildClient(id >= 0x0478 ? CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT : CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);
  const { result } = await client.encrypt(keyring(), plaintext, { suiteId: id, frameLength: 32, encryptionContext: { vector: name } });
  out.push({ suite: id, name, plaintext, message: Buffer.from(result).toString('hex') });
}
writeFileSync(new URL('./sdk_vectors.json', import.meta.url), JSON.stringify(out, null, 1) + '\n');
console.log(`wrote ${out.length} vectors`);
