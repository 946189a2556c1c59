// Verify page: KMS signatures (ECDSA P-256 over SHA-256, RSA-PSS over SHA-256),
// each also with a changed message, which must not verify.
import { verifyKmsSignature } from 'edge-kms';

const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** @param {{ signatures: { publicKey: string, signingAlgorithm: string, message: string, signature: string }[] }} input */
export async function run({ signatures }) {
  const out = [];
  for (const s of signatures) {
    const args = { publicKey: unb64(s.publicKey), signingAlgorithm: s.signingAlgorithm, signature: unb64(s.signature) };
    out.push({
      signingAlgorithm: s.signingAlgorithm,
      valid: await verifyKmsSignature({ ...args, message: s.message }),
      changedMessage: await verifyKmsSignature({ ...args, message: `${s.message}!` }),
    });
  }
  return out;
}
