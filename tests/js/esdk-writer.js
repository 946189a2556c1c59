// Review helper: writes AWS Encryption SDK v2 messages byte by byte (node:crypto),
// so that tests can forge what an attacker holding a data key (and maybe a
// signing key of its own) can write.
import { createCipheriv, createDecipheriv, hkdfSync, createHash, generateKeyPairSync, sign as nodeSign, createPublicKey } from 'node:crypto';

const u16 = (n) => Buffer.from([n >> 8, n & 0xff]);
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; };

export function serializeContext(ctx) {
  const keys = Object.keys(ctx).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  if (keys.length === 0) return Buffer.alloc(0);
  const parts = [u16(keys.length)];
  for (const k of keys) { const kb = Buffer.from(k), vb = Buffer.from(ctx[k]); parts.push(u16(kb.length), kb, u16(vb.length), vb); }
  return Buffer.concat(parts);
}

export function derive(dataKey, messageId, suiteId) {
  const key = Buffer.from(hkdfSync('sha512', dataKey, messageId, Buffer.concat([u16(suiteId), Buffer.from('DERIVEKEY')]), 32));
  const commit = Buffer.from(hkdfSync('sha512', dataKey, messageId, Buffer.from('COMMITKEY'), 32));
  return { key, commit };
}

/** Unwraps a raw AES keyring EDK (what an attacker who may decrypt can do). */
export function rawAesUnwrap(wrappingKey, edk, ctx) {
  const info = Buffer.from(edk.providerInfo);
  const iv = info.subarray(info.length - 12);
  const ct = Buffer.from(edk.ciphertext);
  const d = createDecipheriv('aes-256-gcm', wrappingKey, iv);
  d.setAAD(serializeContext(ctx));
  d.setAuthTag(ct.subarray(ct.length - 16));
  return Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]);
}

export function rawAesWrap(wrappingKey, keyNamespace, keyName, dataKey, ctx, iv) {
  const c = createCipheriv('aes-256-gcm', wrappingKey, iv);
  c.setAAD(serializeContext(ctx));
  const ct = Buffer.concat([c.update(dataKey), c.final(), c.getAuthTag()]);
  return { providerId: Buffer.from(keyNamespace), providerInfo: Buffer.concat([Buffer.from(keyName), u32(128), u32(12), iv]), ciphertext: ct };
}

/** A P-384 key pair of the writer: { privateKey, compressedB64 }. */
export function p384() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const jwk = publicKey.export({ format: 'jwk' });
  const y = Buffer.from(jwk.y, 'base64url');
  const compressed = Buffer.concat([Buffer.from([y[y.length - 1] & 1 ? 3 : 2]), Buffer.from(jwk.x, 'base64url')]);
  return { privateKey, publicKey, compressedB64: compressed.toString('base64'), uncompressed: Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), y]) };
}

/**
 * Writes a framed v2 message. opts: { suiteId, dataKey, messageId, ctx, edks, frameLength, plaintext,
 *   signer (node KeyObject) | undefined, corruptFinalTag, corruptFrameTag }
 */
export function writeMessage(o) {
  const { suiteId, dataKey, messageId, ctx, edks, frameLength, plaintext } = o;
  const { key, commit } = derive(dataKey, messageId, suiteId);
  const ec = serializeContext(ctx);
  const parts = [Buffer.from([2]), u16(suiteId), messageId, u16(ec.length), ec, u16(edks.length)];
  for (const e of edks) parts.push(u16(e.providerId.length), Buffer.from(e.providerId), u16(e.providerInfo.length), Buffer.from(e.providerInfo), u16(e.ciphertext.length), Buffer.from(e.ciphertext));
  parts.push(Buffer.from([2]), u32(frameLength), commit);
  const headerBody = Buffer.concat(parts);
  const c = createCipheriv('aes-256-gcm', key, Buffer.alloc(12));
  c.setAAD(headerBody); c.final();
  const header = Buffer.concat([headerBody, c.getAuthTag()]);
  const body = [];
  const pt = Buffer.from(plaintext);
  let seq = 1;
  let at = 0;
  for (;;) {
    const last = pt.length - at <= frameLength;
    const chunk = pt.subarray(at, last ? pt.length : at + frameLength);
    const iv = Buffer.concat([Buffer.alloc(8), u32(seq)]);
    const aad = Buffer.concat([messageId, Buffer.from(last ? 'AWSKMSEncryptionClient Final Frame' : 'AWSKMSEncryptionClient Frame'), u32(seq), u64(chunk.length)]);
    const e = createCipheriv('aes-256-gcm', key, iv);
    e.setAAD(aad);
    const ct = Buffer.concat([e.update(chunk), e.final()]);
    const tag = e.getAuthTag();
    if ((last && o.corruptFinalTag) || (!last && o.corruptFrameTag === seq)) tag[0] ^= 1;
    if (last) body.push(u32(0xffffffff), u32(seq), iv, u32(chunk.length), ct, tag);
    else body.push(u32(seq), iv, ct, tag);
    if (last) break;
    at += frameLength; seq++;
  }
  const signed = Buffer.concat([header, ...body]);
  if (!o.signer) return new Uint8Array(signed);
  const der = nodeSign('sha384', signed, { key: o.signer, dsaEncoding: 'der' });
  return new Uint8Array(Buffer.concat([signed, u16(der.length), der]));
}
