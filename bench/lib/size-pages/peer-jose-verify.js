// Peer for verify: jose, JWS signatures of the same keys (ES256, ES384, PS256, RS256), keys from SPKI PEM.
import { compactVerify, importSPKI } from 'jose';

globalThis.run = async ({ signatures }) => Promise.all(signatures.map(async (s) => {
  const key = await importSPKI(s.pem, s.joseAlg);
  return compactVerify(s.jws, key).then(() => true, () => false);
}));
globalThis.pageReady = true;
