// KMS signatures of NIST curves and RSA (ECDSA P-256/P-384, RSA-PSS, RSA PKCS#1 v1.5).
import { verifyKmsSignature } from 'edge-kms';

const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
globalThis.run = async ({ signatures }) => Promise.all(signatures.map((s) => verifyKmsSignature({
  publicKey: unb64(s.spki), signingAlgorithm: s.kmsAlg, message: s.message, signature: unb64(s.der),
})));
globalThis.pageReady = true;
