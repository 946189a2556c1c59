// Peer for seal/open: jose JWE, the data key wrapped with AES-GCM (A256GCMKW), content A256GCM; 1 KiB and 1 MiB.
import { CompactEncrypt, compactDecrypt } from 'jose';

globalThis.run = async () => {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const ok = [];
  for (const size of [1024, 1 << 20]) {
    const data = new Uint8Array(size).map((_, i) => i * 7);
    const jwe = await new CompactEncrypt(data).setProtectedHeader({ alg: 'A256GCMKW', enc: 'A256GCM' }).encrypt(key);
    const { plaintext } = await compactDecrypt(jwe, key);
    ok.push(plaintext.length === size && plaintext.every((b, i) => b === data[i]));
  }
  return ok;
};
globalThis.pageReady = true;
