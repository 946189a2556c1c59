// Differential test of the message reader against the reference AWS Encryption
// SDKs: @aws-crypto/client-node (JS) and aws_encryption_sdk 3.3.1 (Python).
//
// Threat model: the forger knows the data key of a message (a reader allowed to
// decrypt it, or its writer) and may hold a P-384 key of its own, so every
// message below carries a VALID header tag, key commitment, frame tags and
// footer signature for the bytes it has: each structural mutation is made
// BEFORE the message is authenticated (`forge` below re-derives and re-signs).
// The wrapping key of the raw AES keyring is the one thing the forger lacks;
// its encrypted data key binds the encryption context as the legitimate writer
// serialized it (canonical, UTF-8 byte order), unless a case says otherwise.
//
// Each case states what every reader does: edge-kms (decrypt on the wasm,
// native and auto engines; decryptStream on each engine in several chunkings;
// reEncrypt and reEncryptStream; and, for signed messages, decrypt while a KMS
// keyring waits, which checks the footer early), the JS SDK's decrypt and the
// Python SDK's decrypt. The references' verdicts are asserted too, so a
// forger's mistake cannot pass for a refusal; the baselines show the forger's
// unmutated messages open everywhere. A message that edge-kms opens must open,
// to the same plaintext and context, in at least one reference, unless
// COMPLIANCE.md documents the difference (the case names the row).
//
// Labels: [COMPLIANCE.md X] a documented difference, asserted as documented.
// Written by a review (helper-52, 2026-12-04), whose one finding is fixed: a
// signed message whose aws-crypto-public-key was an UNCOMPRESSED point opened
// here on every path, while both references refuse it (the key is serialized
// compressed: framework/algorithm-suites.md, TR-5); those cases failed before
// the fix and assert the refusal now.
//
// Stream APIs may release frames before the footer verifies (COMPLIANCE.md
// DEC-35, DEC-42): for streams only whether the stream ENDS without error, and
// then with the same plaintext, is judged.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createCipheriv, createECDH, createHash, createPrivateKey, hkdfSync, sign as nodeSign } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';
import { EnvelopeClient, MultiKeyring, RawAesKeyring } from 'edge-kms';
import { pythonRawAesKeys } from './python-sdk.js';

const run = promisify(execFile);

// ---------------------------------------------------------------------------
// Determinism: every key, message id, IV and plaintext comes from one seeded
// counter-mode SHA-256 stream, drawn in case order. (ECDSA nonces are the one
// random input: every signature mutation below is valid whatever r and s are.)
let drawn = 0;
const det = (n, label = '') => {
  const parts = [];
  for (let have = 0; have < n; have += 32) parts.push(createHash('sha256').update(`edge-kms/esdk-differential/${label}/${drawn++}`).digest());
  return Buffer.concat(parts).subarray(0, n);
};

const u8 = (n) => Buffer.from([n & 0xff]);
const u16 = (n) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; };
const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; };
const B = (x) => (Buffer.isBuffer(x) ? x : Buffer.from(x));

// ---------------------------------------------------------------------------
// Algorithm suites (framework/algorithm-suites.md): the crypto a forger uses.
const SUITES = {
  0x0014: { v: 1, keyLen: 16 }, 0x0046: { v: 1, keyLen: 24 }, 0x0078: { v: 1, keyLen: 32 },
  0x0114: { v: 1, keyLen: 16, hash: 'sha256' }, 0x0146: { v: 1, keyLen: 24, hash: 'sha256' }, 0x0178: { v: 1, keyLen: 32, hash: 'sha256' },
  0x0214: { v: 1, keyLen: 16, hash: 'sha256', curve: 'P-256' },
  0x0346: { v: 1, keyLen: 24, hash: 'sha384', curve: 'P-384' }, 0x0378: { v: 1, keyLen: 32, hash: 'sha384', curve: 'P-384' },
  0x0478: { v: 2, keyLen: 32, hash: 'sha512', commit: true },
  0x0578: { v: 2, keyLen: 32, hash: 'sha512', commit: true, curve: 'P-384' },
};
const CURVES = {
  'P-256': { ecdh: 'prime256v1', n: BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'), len: 32, hash: 'sha256' },
  'P-384': { ecdh: 'secp384r1', n: BigInt('0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973'), len: 48, hash: 'sha384' },
};

/** The message key (and v2 commitment key) of `suiteId` for `dataKey` and `messageId`. */
function deriveKeys(suiteId, dataKey, messageId, kdfIdLen) {
  const s = SUITES[suiteId];
  if (s.commit) {
    return {
      key: Buffer.from(hkdfSync('sha512', dataKey, messageId, Buffer.concat([u16(suiteId), Buffer.from('DERIVEKEY')]), 32)),
      commit: Buffer.from(hkdfSync('sha512', dataKey, messageId, Buffer.from('COMMITKEY'), 32)),
    };
  }
  if (!s.hash) return { key: Buffer.from(dataKey), commit: Buffer.alloc(0) };
  return { key: Buffer.from(hkdfSync(s.hash, dataKey, Buffer.alloc(0), Buffer.concat([u16(suiteId), messageId.subarray(0, kdfIdLen ?? messageId.length)]), s.keyLen)), commit: Buffer.alloc(0) };
}

function gcmSeal(key, iv, aad, pt) {
  const c = createCipheriv(`aes-${key.length * 8}-gcm`, key, iv);
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(pt), c.final()]);
  return { ct, tag: c.getAuthTag() };
}

// ---------------------------------------------------------------------------
// Encryption context bytes (data-format/message-header.md, AAD).
const byteOrder = (a, b) => Buffer.compare(B(a[0]), B(b[0]));
/** Pairs (array of [key, value], strings or Buffers) serialized in the order given. */
function pairsBytes(pairs) {
  if (pairs.length === 0) return Buffer.alloc(0);
  return Buffer.concat([u16(pairs.length), ...pairs.flatMap(([k, v]) => [u16(B(k).length), B(k), u16(B(v).length), B(v)])]);
}
const canonical = (pairs) => pairsBytes([...pairs].sort(byteOrder));

// ---------------------------------------------------------------------------
// Keys. The raw AES wrapping key all three readers share; the forger's signing keys.
const WRAPPING_KEY = det(32, 'wrapping');
const NS = 'ns', KEY_NAME = 'k';

/** A raw AES keyring EDK of `dataKey` bound to `aad` (the serialized context). */
function rawAesEdk(dataKey, aad, { name = KEY_NAME, ns = NS, wrappingKey = WRAPPING_KEY } = {}) {
  const iv = det(12, 'edk-iv');
  const { ct, tag } = gcmSeal(wrappingKey, iv, aad, dataKey);
  return { providerId: Buffer.from(ns), providerInfo: Buffer.concat([Buffer.from(name), u32(128), u32(12), iv]), ciphertext: Buffer.concat([ct, tag]) };
}

/** A signing key of `curve` from the seeded stream: { privateKey, compressed, uncompressed }. */
function signingKey(curve) {
  const c = CURVES[curve];
  for (;;) {
    const d = det(c.len, `sign-${curve}`);
    if (BigInt(`0x${d.toString('hex')}`) >= c.n || d.every((x) => x === 0)) continue;
    const ecdh = createECDH(c.ecdh);
    ecdh.setPrivateKey(d);
    const uncompressed = ecdh.getPublicKey();
    const compressed = ecdh.getPublicKey(null, 'compressed');
    const x = uncompressed.subarray(1, 1 + c.len), y = uncompressed.subarray(1 + c.len);
    const privateKey = createPrivateKey({ key: { kty: 'EC', crv: curve, d: d.toString('base64url'), x: x.toString('base64url'), y: y.toString('base64url') }, format: 'jwk' });
    return { curve, privateKey, compressed, uncompressed };
  }
}
const SIGNERS = { 'P-384': signingKey('P-384'), 'P-256': signingKey('P-256') };
const OTHER_P384 = signingKey('P-384');

// DER ECDSA-Sig-Value helpers: strict encoding, and the pieces mutations need.
const bigOf = (b) => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);
const bytesOf = (n, len) => Buffer.from(n.toString(16).padStart(len * 2, '0'), 'hex');
function derInt(v) {
  let b = Buffer.from(v);
  while (b.length > 1 && b[0] === 0) b = b.subarray(1);
  if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return Buffer.concat([Buffer.from([0x02, b.length]), b]);
}
const derSeq = (body) => Buffer.concat([Buffer.from([0x30, body.length]), body]);
const strictDer = (r, s) => derSeq(Buffer.concat([derInt(r), derInt(s)]));

// ---------------------------------------------------------------------------
// The forger. Every field of the format can be set; the defaults make a valid
// message. Mutations happen before the header tag, frame tags and footer
// signature are computed, so they test the reader's parsing, not the tags.
const FRAME_STR = 'AWSKMSEncryptionClient Frame', FINAL_STR = 'AWSKMSEncryptionClient Final Frame', SINGLE_STR = 'AWSKMSEncryptionClient Single Block';

/**
 * @param {object} o
 *  suiteId (written), cryptoSuite (whose keys and layout are used; default suiteId), version,
 *  pairs ([k, v] of the caller's context), publicKey ('compressed' | 'uncompressed' | Buffer | string | null = absent),
 *  order ('canonical' | 'as-given'), ctxBytes (raw field), ctxLen (length field), edkAad (what the EDK binds),
 *  edks ((real) => [...]), edkCount, contentType, frameLength, reserved, ivLen, msgType, headerIv,
 *  suiteData (v2, default the commitment key), kdfIdLen (message id bytes in a v1 KDF's info), badHeaderTag, plaintext, frames ((pt) => [...]),
 *  nonFramed ({ iv, lenField }), signer (curve name, or null for none), der ((r, s, n) => Buffer),
 *  footer ((der) => Buffer), trailing (Buffer), headerMutate ((headerBody) => headerBody), expectContext
 * @returns {{ msg: Buffer, plaintext: Buffer, context: Record<string,string> }}
 */
function forge(o) {
  const suiteId = o.suiteId;
  const cryptoSuite = o.cryptoSuite ?? suiteId;
  const cs = SUITES[cryptoSuite];
  const version = o.version ?? cs.v;
  const dataKey = det(cs.keyLen, 'data-key');
  const messageId = o.messageId ?? det(version === 1 ? 16 : 32, 'message-id');
  const { key, commit } = deriveKeys(cryptoSuite, dataKey, messageId, o.kdfIdLen);
  const curve = o.signer === null ? undefined : (o.signer ?? cs.curve);
  const signer = curve && SIGNERS[curve];

  // Encryption context.
  const pairs = [...(o.pairs ?? [['tenant', 'acme'], ['purpose', 'differential']])];
  const keyOf = { compressed: signer?.compressed, uncompressed: signer?.uncompressed };
  const pk = o.publicKey === undefined ? (signer ? 'compressed' : null) : o.publicKey;
  if (pk !== null) {
    const v = typeof pk === 'string' && keyOf[pk] ? keyOf[pk].toString('base64') : Buffer.isBuffer(pk) ? pk.toString('base64') : pk;
    pairs.push(['aws-crypto-public-key', v]);
  }
  const ctxBytes = o.ctxBytes ?? (o.order === 'as-given' ? pairsBytes(pairs) : canonical(pairs));
  const edkAad = o.edkAad ?? canonical(pairs);
  const real = () => rawAesEdk(dataKey, edkAad);
  const edks = o.edks ? o.edks(real, dataKey) : [real()];

  // Header body.
  const contentType = o.contentType ?? (o.nonFramed ? 1 : 2);
  const frameLength = o.frameLength ?? (contentType === 1 ? 0 : 64);
  const edkBytes = edks.flatMap((e) => [u16(B(e.providerId).length), B(e.providerId), u16(B(e.providerInfo).length), B(e.providerInfo), u16(B(e.ciphertext).length), B(e.ciphertext)]);
  const head = version === 1
    ? [u8(1), u8(o.msgType ?? 0x80), u16(suiteId), messageId]
    : [u8(version), u16(suiteId), messageId];
  const tailFields = version === 1
    ? [u8(contentType), u32(o.reserved ?? 0), u8(o.ivLen ?? 12), u32(frameLength)]
    : [u8(contentType), u32(frameLength), o.suiteData ?? commit];
  let headerBody = Buffer.concat([...head, u16(o.ctxLen ?? ctxBytes.length), ctxBytes, u16(o.edkCount ?? edks.length), ...edkBytes, ...tailFields]);
  if (o.headerMutate) headerBody = o.headerMutate(headerBody);
  const headerIv = version === 1 ? (o.headerIv ?? det(12, 'header-iv')) : Buffer.alloc(12);
  const { tag: headerTag } = gcmSeal(key, headerIv, headerBody, Buffer.alloc(0));
  if (o.badHeaderTag) headerTag[0] ^= 1;
  const header = Buffer.concat([headerBody, ...(version === 1 ? [headerIv] : []), headerTag]);

  // Body.
  const plaintext = o.plaintext ?? det(150, 'plaintext');
  const body = [];
  const aad = (str, seq, len) => Buffer.concat([messageId, Buffer.from(str), u32(seq), u64(len)]);
  if (o.nonFramed) {
    const iv = o.nonFramed.iv ?? det(12, 'nonframed-iv');
    const { ct, tag } = gcmSeal(key, iv, aad(SINGLE_STR, 1, plaintext.length), plaintext);
    body.push(iv, u64(o.nonFramed.lenField ?? plaintext.length), ct, tag);
  } else {
    const frames = o.frames ? o.frames(plaintext, frameLength) : planFrames(plaintext, frameLength);
    for (const f of frames) {
      const iv = f.iv ?? Buffer.concat([Buffer.alloc(8), u32(f.seq)]);
      const str = f.str ?? (f.final ? FINAL_STR : FRAME_STR);
      const { ct, tag } = gcmSeal(key, iv, aad(str, f.aadSeq ?? f.seq, f.aadLen ?? f.pt.length), f.pt);
      if (f.final) body.push(u32(f.marker ?? 0xffffffff), u32(f.seq), iv, u32(f.lenField ?? f.pt.length), ct, tag);
      else body.push(u32(f.seq), iv, ct, tag);
    }
  }
  const signed = Buffer.concat([header, ...body]);

  // Footer.
  let footer = Buffer.alloc(0);
  if (signer && o.footer !== null) {
    const c = CURVES[curve];
    const rs = nodeSign(c.hash, signed, { key: signer.privateKey, dsaEncoding: 'ieee-p1363' });
    const r = rs.subarray(0, c.len), s = rs.subarray(c.len);
    const der = o.der ? o.der(r, s, c) : strictDer(r, s);
    footer = o.footer ? o.footer(der) : Buffer.concat([u16(der.length), der]);
  }
  const msg = Buffer.concat([signed, footer, o.trailing ?? Buffer.alloc(0)]);
  const context = Object.fromEntries(pairs.map(([k, v]) => [B(k).toString(), B(v).toString()]));
  return { msg, plaintext, context: o.expectContext ?? context };
}

/** Whole frames of `frameLength`, then a final frame with the rest (empty for an exact multiple). */
function planFrames(pt, frameLength) {
  const frames = [];
  let seq = 1, at = 0;
  while (pt.length - at >= frameLength && frameLength > 0) {
    frames.push({ seq: seq++, pt: pt.subarray(at, at + frameLength) });
    at += frameLength;
  }
  frames.push({ seq, final: true, pt: pt.subarray(at) });
  return frames;
}


// ---------------------------------------------------------------------------
// Readers.
const EDGE_ENGINES = ['wasm', 'native', 'auto'];
const POLICY = { strict: 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT', allow: 'REQUIRE_ENCRYPT_ALLOW_DECRYPT' };
const edgeKeyring = new RawAesKeyring({ keyNamespace: NS, keyName: KEY_NAME, wrappingKey: WRAPPING_KEY });
/** A KMS keyring that opens nothing, slowly: a signed message's footer is then checked while it waits (native.js, earlyFooter). */
const waitingKms = {
  isKmsKeyring: true,
  keyId: 'alias/differential',
  async generateDataKey() { throw new Error('not used'); },
  async decryptDataKey() {
    await new Promise((ok) => setTimeout(ok, 1));
    throw Object.assign(new Error('AccessDeniedException'), { code: 'ACCESS_DENIED' });
  },
};
const KMS_EDK = { providerId: 'aws-kms', providerInfo: 'arn:aws:kms:us-east-1:111122223333:key/differential', ciphertext: Buffer.alloc(64, 7) };

const codeOf = (e) => e?.code ?? `${e?.name ?? 'Error'}: ${e?.message ?? e}`;
const edgeClient = (c, engine, keyring = edgeKeyring) => new EnvelopeClient({
  keyring, engine, commitmentPolicy: POLICY[c.policy ?? 'strict'],
  ...(c.maxEdks ? { maxEncryptedDataKeys: c.maxEdks } : {}), ...(c.edgeOptions ?? {}),
});

/** decrypt: { ok, plaintext, context } or { ok: false, code }. */
async function edgeDecrypt(client, msg) {
  try {
    const { plaintext, encryptionContext } = await client.decrypt(new Uint8Array(msg));
    return { ok: true, plaintext: Buffer.from(plaintext), context: { ...encryptionContext } };
  } catch (e) {
    return { ok: false, code: codeOf(e) };
  }
}

/** Writes `msg` through a TransformStream in chunks of `n` bytes: { ok, out } or { ok: false, code }. */
async function through(ts, msg, n) {
  const out = [];
  let error;
  const w = ts.writable.getWriter();
  const reading = (async () => { for await (const x of ts.readable) out.push(x); })().catch((e) => { error ??= e; });
  try {
    for (let i = 0; i < msg.length; i += n) await w.write(new Uint8Array(msg.subarray(i, i + n)));
    await w.close();
  } catch (e) {
    error ??= e;
  }
  await reading;
  return error ? { ok: false, code: codeOf(error) } : { ok: true, out: Buffer.concat(out) };
}

/**
 * Every edge-kms reading of one case. `decrypt/*` and `stream/*` are judged
 * against the case's expectation; `rekey/*` (reEncrypt, reEncryptStream) must
 * refuse what decrypt refuses, and what they write must open (edge-kms and the
 * JS SDK) to the same plaintext; `kms-wait/*` opens the case's message with an
 * `aws-kms` EDK first, so its footer is checked while a KMS keyring waits.
 */
async function edgeAll(c, msg, kmsVariant) {
  const res = {};
  for (const engine of EDGE_ENGINES) res[`decrypt/${engine}`] = await edgeDecrypt(edgeClient(c, engine), msg);
  const chunkings = [msg.length, 1000, 13, ...(msg.length <= 2048 ? [1] : [])];
  for (const engine of EDGE_ENGINES) {
    for (const n of chunkings) {
      const r = await through(edgeClient(c, engine).decryptStream(), msg, n);
      res[`stream/${engine}/${n === msg.length ? 'whole' : n}`] = r.ok ? { ok: true, plaintext: r.out } : r;
    }
  }
  for (const engine of EDGE_ENGINES) {
    try {
      res[`rekey/oneshot/${engine}`] = { ok: true, rekeyed: Buffer.from(await edgeClient(c, engine).reEncrypt(new Uint8Array(msg), { keyring: edgeKeyring })) };
    } catch (e) {
      res[`rekey/oneshot/${engine}`] = { ok: false, code: codeOf(e) };
    }
  }
  for (const engine of ['wasm', 'native']) {
    const r = await through(edgeClient(c, engine).reEncryptStream({ keyring: edgeKeyring }), msg, 1000);
    res[`rekey/stream/${engine}`] = r.ok ? { ok: true, rekeyed: r.out } : r;
  }
  if (kmsVariant) {
    for (const engine of ['native', 'auto']) {
      res[`kms-wait/${engine}`] = { ...await edgeDecrypt(edgeClient(c, engine, new MultiKeyring({ children: [waitingKms, edgeKeyring] })), kmsVariant.msg), want: kmsVariant };
    }
  }
  return res;
}

const jsClients = {};
const jsClient = (policy, maxEdks) => (jsClients[`${policy}/${maxEdks}`] ??= buildClient({ commitmentPolicy: policy === 'allow' ? CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT : CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT, ...(maxEdks ? { maxEncryptedDataKeys: maxEdks } : {}) }));
// RawAesKeyringNode zero-fills the key it is given: a copy each time. utf8Sorting:
// bind the context in UTF-8 byte order, as the specification (and the forger) does.
const jsKeyring = (utf8Sorting = true) => new RawAesKeyringNode({ keyNamespace: NS, keyName: KEY_NAME, unencryptedMasterKey: new Uint8Array(WRAPPING_KEY), wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING, utf8Sorting });

async function jsDecrypt(c, msg) {
  try {
    const { plaintext, messageHeader } = await jsClient(c.policy, c.maxEdks).decrypt(jsKeyring(c.jsUtf8Sorting ?? true), msg);
    return { ok: true, plaintext: Buffer.from(plaintext), context: { ...messageHeader.encryptionContext } };
  } catch (e) {
    return { ok: false, code: String(e?.message ?? e).slice(0, 160) };
  }
}

// The Python SDK decrypts every case's message in one process.
const PYTHON = pythonRawAesKeys({ providerId: 'ns', keyName: 'k', dirArg: 1 }) + String.raw`
out = {}
for item in json.load(open(d + '/manifest.json')):
    policy = CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT if item['policy'] == 'allow' else CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
    kw = {'max_encrypted_data_keys': item['maxEdks']} if item['maxEdks'] else {}
    client = aws_encryption_sdk.EncryptionSDKClient(commitment_policy=policy, **kw)
    try:
        pt, header = client.decrypt(source=open(d + '/' + item['name'], 'rb').read(), key_provider=keys)
        out[item['name']] = {'ok': True, 'plaintext': base64.b64encode(pt).decode(), 'context': header.encryption_context}
    except Exception as e:
        out[item['name']] = {'ok': False, 'code': (type(e).__name__ + ': ' + str(e))[:160]}
print(json.dumps(out))
`;

let pythonAvailable = false;
try {
  execFileSync('python3', ['-c', 'import aws_encryption_sdk'], { stdio: 'ignore' });
  pythonAvailable = true;
} catch { /* the Python column is skipped */ }

async function pythonDecryptAll(items) {
  const dir = await mkdtemp(join(tmpdir(), 'edge-kms-diff-'));
  try {
    await writeFile(join(dir, 'key'), WRAPPING_KEY);
    const manifest = [];
    for (const [i, { c, msg }] of items.entries()) {
      const name = `m${i}.bin`;
      await writeFile(join(dir, name), msg);
      manifest.push({ name, policy: c.policy ?? 'strict', maxEdks: c.maxEdks ?? null });
    }
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const { stdout } = await run('python3', ['-c', PYTHON, dir], { maxBuffer: 1 << 26, env: { ...process.env, PYTHONHASHSEED: '0' } });
    const got = JSON.parse(stdout);
    return manifest.map(({ name }) => {
      const r = got[name];
      return r.ok ? { ok: true, plaintext: Buffer.from(r.plaintext, 'base64'), context: r.context } : r;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const sortedEntries = (o) => Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const sameContext = (a, b) => JSON.stringify(sortedEntries(a)) === JSON.stringify(sortedEntries(b));
const withoutKey = (o) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'aws-crypto-public-key'));

// ---------------------------------------------------------------------------
// Cases. `expect`: 'ok' (every reader opens it), an edge-kms error code (every
// reader refuses it), or E(edge, js, py) for readers that differ ('ok', 'fail',
// 'any'; edge: 'ok', a code, or the codes its engines may give). Options:
// policy ('strict' default, 'allow'), maxEdks, edgeOptions, jsUtf8Sorting,
// doc (the COMPLIANCE.md row that documents a difference).
const CASES = [];
const E = (edge, js, py) => ({ edge, js, py });
const M = 'MALFORMED_MESSAGE', T = 'TAMPERED', NO_KEY = 'NO_DECRYPTABLE_DATA_KEY';
const kase = (name, spec, expect, opts = {}) => CASES.push({ name, spec, expect: typeof expect === 'string' ? (expect === 'ok' ? E('ok', 'ok', 'ok') : E(expect, 'fail', 'fail')) : expect, ...opts });
const hex4 = (n) => `0x${n.toString(16).padStart(4, '0')}`;
const V2 = [0x0478, 0x0578];
const BIG = { frameLength: 4096, plaintext: det(9000, 'big-plaintext') }; // auto opens these with WebCrypto
const CTX = [['tenant', 'acme'], ['purpose', 'differential']];
const P384 = SIGNERS['P-384'], P256 = SIGNERS['P-256'];

// --- Baselines: the forger's unmutated messages open everywhere (each case below is one mutation away).
for (const s of V2) kase(`baseline ${hex4(s)}`, { suiteId: s }, 'ok');
for (const s of V2) kase(`baseline ${hex4(s)}, 4096-byte frames`, { suiteId: s, ...BIG }, 'ok');
for (const s of [0x0014, 0x0046, 0x0078, 0x0114, 0x0146, 0x0178, 0x0214, 0x0346, 0x0378]) kase(`baseline v1 ${hex4(s)} (allow policy)`, { suiteId: s }, 'ok', { policy: 'allow' });
for (const s of [0x0178, 0x0378]) kase(`v1 ${hex4(s)} under the default policy`, { suiteId: s }, 'COMMITMENT_POLICY_VIOLATION');

// --- Header: version, message type, suite ids and the layouts (message id lengths) they imply.
kase('version byte 3', { suiteId: 0x0478, headerMutate: (h) => Buffer.concat([u8(3), h.subarray(1)]) }, M);
kase('version byte 0x41 (base64 text)', { suiteId: 0x0478, headerMutate: (h) => Buffer.concat([u8(0x41), h.subarray(1)]) }, M);
kase('unknown suite id 0x0000', { suiteId: 0x0000, cryptoSuite: 0x0478 }, 'UNSUPPORTED_ALGORITHM');
kase('unknown suite id 0x0479', { suiteId: 0x0479, cryptoSuite: 0x0478 }, 'UNSUPPORTED_ALGORITHM');
kase('v2 layout (32-byte id), v1 suite 0x0178, no suite data (strict)', { suiteId: 0x0178, version: 2, suiteData: Buffer.alloc(0), kdfIdLen: 16 }, M);
// The Python SDK reads a v2 header with a v1 suite, and derives its key from the id's first 16 bytes.
kase('v2 layout (32-byte id), v1 suite 0x0178, no suite data (allow)', { suiteId: 0x0178, version: 2, suiteData: Buffer.alloc(0), kdfIdLen: 16 }, E(M, 'fail', 'ok'), { policy: 'allow', doc: 'HDR-4' });
kase('v2 layout (32-byte id), v1 suite 0x0178, 32 bytes of suite data (allow)', { suiteId: 0x0178, version: 2, suiteData: det(32), kdfIdLen: 16 }, M, { policy: 'allow' });
for (const policy of ['strict', 'allow']) kase(`v1 layout (16-byte id), v2 suite 0x0478 (${policy})`, { suiteId: 0x0478, version: 1 }, M, { policy });
kase('0x0478 relabelled 0x0578: no public key, no footer', { suiteId: 0x0578, signer: null, publicKey: null }, M);
kase('0x0578 relabelled 0x0478: public key and footer kept (signature stripping)', { suiteId: 0x0478, signer: 'P-384' }, T, { doc: 'CMM-7' });
// The references stop at the final frame and ignore what follows an unsigned message (BODY-8, DEC-13: MUST fail).
kase('0x0578 relabelled 0x0478: footer kept, no public key', { suiteId: 0x0478, signer: 'P-384', publicKey: null }, E(M, 'ok', 'ok'), { doc: 'DEC-13' });
kase('0x0378 relabelled 0x0178 (v1): footer kept, no public key', { suiteId: 0x0178, signer: 'P-384', publicKey: null }, E(M, 'ok', 'ok'), { policy: 'allow', doc: 'DEC-13' });
kase('v1 message type 0x81', { suiteId: 0x0178, msgType: 0x81 }, M, { policy: 'allow' });
kase('v1 reserved bytes 00 00 00 01', { suiteId: 0x0178, reserved: 1 }, M, { policy: 'allow' });
for (const ivLen of [0, 16]) kase(`v1 IV length field ${ivLen}`, { suiteId: 0x0178, ivLen }, M, { policy: 'allow' });
kase('v1 header IV all zero', { suiteId: 0x0178, headerIv: Buffer.alloc(12) }, 'ok', { policy: 'allow' });
kase('v1 0x0378 with random frame IVs', { suiteId: 0x0378, frames: (pt, fl) => planFrames(pt, fl).map((f) => ({ ...f, iv: det(12) })) }, 'ok', { policy: 'allow', doc: 'DEC-32' });
kase('v1 non-framed 0x0178', { suiteId: 0x0178, nonFramed: {} }, 'ok', { policy: 'allow' });
kase('v1 non-framed 0x0378 (signed)', { suiteId: 0x0378, nonFramed: {} }, 'ok', { policy: 'allow' });
kase('header tag wrong (control)', { suiteId: 0x0478, badHeaderTag: true }, T);
kase('commitment key wrong (control)', { suiteId: 0x0478, suiteData: det(32) }, T);
kase('v2 suite data 33 bytes', { suiteId: 0x0478, headerMutate: (h) => Buffer.concat([h, u8(0)]) }, T);

// --- Encryption context.
for (const s of V2) kase(`context: no pairs (an empty field) ${hex4(s)}`, { suiteId: s, pairs: [] }, 'ok');
kase('context: a count of 0 in a 2-byte field', { suiteId: 0x0478, pairs: [], ctxBytes: u16(0) }, 'ok', { doc: 'STR-3' });
kase('context: a count of 0 in a 2-byte field, signed (so no public key)', { suiteId: 0x0578, pairs: [], ctxBytes: u16(0) }, M);
kase('context: duplicate key, same value', { suiteId: 0x0478, pairs: [...CTX, ['tenant', 'acme']], order: 'as-given' }, M);
kase('context: duplicate key, other value', { suiteId: 0x0478, pairs: [['tenant', 'acme'], ['tenant', 'evil']], order: 'as-given', edkAad: canonical([['tenant', 'acme']]) }, M);
kase('context: keys not sorted (the EDK binds the sorted bytes)', { suiteId: 0x0478, pairs: [['z', '1'], ['a', '2'], ['m', '3']], order: 'as-given' }, 'ok', { doc: 'STR-5' });
kase('context: keys not sorted, signed', { suiteId: 0x0578, pairs: [['z', '1'], ['a', '2'], ['m', '3']], order: 'as-given' }, 'ok', { doc: 'STR-5' });
kase('context: empty key and empty value', { suiteId: 0x0478, pairs: [['', 'empty key'], ['z', '']] }, 'ok');
kase('context: one trailing byte inside the field', { suiteId: 0x0478, ctxBytes: Buffer.concat([canonical(CTX), u8(0)]) }, M);
kase('context: count one more than the pairs', { suiteId: 0x0478, ctxBytes: (() => { const b = Buffer.from(canonical(CTX)); b.writeUInt16BE(3); return b; })() }, M);
kase('context: count one less than the pairs', { suiteId: 0x0478, ctxBytes: (() => { const b = Buffer.from(canonical(CTX)); b.writeUInt16BE(1); return b; })() }, M);
kase('context: length field one more', { suiteId: 0x0478, ctxLen: canonical(CTX).length + 1 }, M);
kase('context: length field one less', { suiteId: 0x0478, ctxLen: canonical(CTX).length - 1 }, M);
kase('context: a value that is not UTF-8 (0xFF)', { suiteId: 0x0478, pairs: [['tenant', Buffer.from([0x61, 0xff])]] }, M);
kase('context: a key that is not UTF-8 (a surrogate, ED A0 80)', { suiteId: 0x0478, pairs: [[Buffer.from([0xed, 0xa0, 0x80]), 'x']] }, M);
// The JS SDK decodes ill-formed UTF-8 to U+FFFD, so a header with 0xFF opens under an EDK that binds U+FFFD there.
kase('context: 0xFF in the header where the EDK binds U+FFFD', { suiteId: 0x0478, pairs: [['tenant', Buffer.from([0x61, 0xff])]], edkAad: canonical([['tenant', 'a\uFFFD']]), expectContext: { tenant: 'a\uFFFD' } }, E(M, 'ok', 'fail'), { doc: 'STR-6' });
kase('context: aws-crypto-public-key on the unsigned suite 0x0478', { suiteId: 0x0478, publicKey: P384.compressed }, T, { doc: 'CMM-7' });
kase('context: aws-crypto-public-key on the unsigned v1 suite 0x0178', { suiteId: 0x0178, publicKey: P384.compressed }, T, { policy: 'allow', doc: 'CMM-7' });
kase('context: signed 0x0578 without aws-crypto-public-key', { suiteId: 0x0578, publicKey: null }, M, { doc: 'DCMM-8' });
kase('context: aws-crypto-public-key twice', { suiteId: 0x0578, pairs: [...CTX, ['aws-crypto-public-key', P384.compressed.toString('base64')]], order: 'as-given' }, M);
kase('context: another aws-crypto- key', { suiteId: 0x0478, pairs: [...CTX, ['aws-crypto-other', 'x']] }, 'ok');
// count, then `big` and its value, then aws-crypto-public-key and its 68 base64 characters: 65535 bytes.
kase('context: a field of exactly 65535 bytes', { suiteId: 0x0578, pairs: [['big', 'x'.repeat(65535 - 2 - (2 + 3 + 2) - (2 + 21 + 2 + 68))]] }, 'ok');
kase('context: pairs of 65539 bytes (the length field wraps to 3)', { suiteId: 0x0478, pairs: [['big', 'x'.repeat(65535 - 2 - (2 + 3 + 2))], ['a', 'b']] }, M);
// The JS SDK (utf8Sorting false, its default) binds localeCompare order; edge-kms tries that order too.
kase('context: EDK binds localeCompare order, header canonical', { suiteId: 0x0478, pairs: [['B', '1'], ['a', '2']], edkAad: pairsBytes([['a', '2'], ['B', '1']]) }, E('ok', 'ok', 'fail'), { jsUtf8Sorting: false, doc: 'AES-16' });
kase('context: EDK binds and header carries localeCompare order (as the JS SDK writes)', { suiteId: 0x0478, pairs: [['a', '2'], ['B', '1']], order: 'as-given', edkAad: pairsBytes([['a', '2'], ['B', '1']]) }, E('ok', 'ok', 'fail'), { jsUtf8Sorting: false, doc: 'AES-16' });
// edge-kms also tries the header's bytes as the EDK's AAD: same pairs, so the same context.
kase('context: EDK binds and header carries an order no SDK writes', { suiteId: 0x0478, pairs: [['m', '1'], ['z', '2'], ['a', '3']], order: 'as-given', edkAad: pairsBytes([['m', '1'], ['z', '2'], ['a', '3']]) }, E('ok', 'fail', 'fail'), { jsUtf8Sorting: false, doc: 'AES-16' });
kase('context: EDK bound to another context (control)', { suiteId: 0x0478, edkAad: canonical([['tenant', 'other']]) }, NO_KEY);

// --- The signer's public key (aws-crypto-public-key): SEC 1 forms, other points, base64 forms.
const b64 = (b) => Buffer.from(b).toString('base64');
const flipParity = (c) => Buffer.concat([u8(c[0] ^ 1), c.subarray(1)]);
const P384_P = BigInt('0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff');
const P384_B = BigInt('0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef');
const isSquare = (x) => { const p = P384_P; const alpha = ((x ** 3n - 3n * x + P384_B) % p + p) % p; let r = 1n, b = alpha, e = (p - 1n) / 2n; for (; e > 0n; e >>= 1n, b = b * b % p) if (e & 1n) r = r * b % p; return r === 1n; };
let smallX = 1n; while (!isSquare(smallX)) smallX++;
let offX = 1n; while (isSquare(offX)) offX++;
const A64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const pk64 = b64(P384.compressed);
const nonCanonical = pk64.slice(0, -3) + A64[A64.indexOf(pk64.at(-3)) | 1] + pk64.slice(-2);
for (const [tag, sz] of [['', {}], [', 4096-byte frames', BIG]]) {
  kase(`public key uncompressed (04 ‖ x ‖ y), 0x0578${tag}`, { suiteId: 0x0578, publicKey: 'uncompressed', ...sz }, M);
}
kase('public key uncompressed, v1 0x0378', { suiteId: 0x0378, publicKey: 'uncompressed' }, M, { policy: 'allow' });
kase('public key uncompressed, v1 0x0214 (P-256)', { suiteId: 0x0214, publicKey: 'uncompressed' }, M, { policy: 'allow' });
kase('public key: compressed with the other parity', { suiteId: 0x0578, publicKey: flipParity(P384.compressed) }, T);
kase('public key: hybrid form 06/07', { suiteId: 0x0578, publicKey: Buffer.concat([u8(P384.uncompressed.at(-1) & 1 ? 7 : 6), P384.uncompressed.subarray(1)]) }, M);
kase('public key: uncompressed, y off the curve', { suiteId: 0x0578, publicKey: (() => { const u = Buffer.from(P384.uncompressed); u[u.length - 1] ^= 1; return u; })() }, M);
kase('public key: uncompressed point at infinity', { suiteId: 0x0578, publicKey: Buffer.concat([u8(4), Buffer.alloc(96)]) }, M);
kase('public key: the single byte 00 (infinity)', { suiteId: 0x0578, publicKey: Buffer.alloc(1) }, M);
kase('public key: x not on the curve', { suiteId: 0x0578, publicKey: Buffer.concat([u8(2), bytesOf(offX, 48)]) }, M);
kase('public key: x + p for a point with a small x', { suiteId: 0x0578, publicKey: Buffer.concat([u8(2), bytesOf(smallX + P384_P, 48)]) }, M);
kase('public key: a P-256 key in a P-384 suite', { suiteId: 0x0578, publicKey: P256.compressed }, M);
kase('public key: empty value', { suiteId: 0x0578, publicKey: '' }, M);
// Node's Buffer.from(…, 'base64') reads nearly anything; Python's b64decode drops characters outside
// the alphabet and ignores the padding bits. edge-kms reads canonical padded base64 only.
const i1 = { doc: 'TR-5' }; // "The footer key, strictly"
kase('public key: base64 without padding', { suiteId: 0x0578, publicKey: pk64.replace(/=+$/, '') }, E(M, 'ok', 'fail'), i1);
kase('public key: base64 with non-zero padding bits', { suiteId: 0x0578, publicKey: nonCanonical }, E(M, 'ok', 'ok'), i1);
kase('public key: base64 with a line break', { suiteId: 0x0578, publicKey: `${pk64.slice(0, 32)}\n${pk64.slice(32)}` }, E(M, 'ok', 'ok'), i1);
kase('public key: base64 with a leading space', { suiteId: 0x0578, publicKey: ` ${pk64}` }, E(M, 'ok', 'ok'), i1);
kase('public key: base64url alphabet', { suiteId: 0x0578, publicKey: pk64.replace(/\+/g, '-').replace(/\//g, '_') }, E(M, 'ok', 'fail'), i1);

// --- Encrypted data keys.
const foreign = (i) => ({ providerId: `other-${i}`, providerInfo: `info-${i}`, ciphertext: det(48) });
const eleven = (real) => [...Array.from({ length: 10 }, (_, i) => foreign(i)), real()];
kase('EDKs: count 0', { suiteId: 0x0478, edks: () => [] }, M);
kase('EDKs: count field 2, one EDK', { suiteId: 0x0478, edkCount: 2 }, M);
kase('EDKs: count field 0, one EDK', { suiteId: 0x0478, edkCount: 0 }, M);
kase('EDKs: 11 (each reader\'s default limit)', { suiteId: 0x0478, edks: eleven }, E('TOO_MANY_ENCRYPTED_DATA_KEYS', 'ok', 'ok'), { doc: 'CL-3' });
kase('EDKs: 11, every reader allowing 11', { suiteId: 0x0478, edks: eleven }, 'ok', { maxEdks: 11 });
kase('EDKs: 11, every reader allowing 10', { suiteId: 0x0478, edks: eleven }, 'TOO_MANY_ENCRYPTED_DATA_KEYS', { maxEdks: 10 });
// The JS SDK refuses an EDK with empty fields ("Malformed encrypted data key").
kase('EDKs: one with empty provider id, info and ciphertext first', { suiteId: 0x0478, edks: (real) => [{ providerId: '', providerInfo: '', ciphertext: '' }, real()] }, E('ok', 'fail', 'ok'));
kase('EDKs: the same EDK twice', { suiteId: 0x0478, edks: (real) => { const e = real(); return [e, e]; } }, 'ok');
// The Python SDK keeps EDKs in a set (an order of its hash seed) and stops at the first of its key that fails to unwrap.
kase('EDKs: ns/k with a garbage ciphertext first', { suiteId: 0x0478, edks: (real) => [{ ...real(), ciphertext: det(48) }, real()] }, E('ok', 'ok', 'any'));
kase('EDKs: ns/k with an 11-byte IV in its info first', { suiteId: 0x0478, edks: (real) => { const e = real(); return [{ ...e, providerInfo: e.providerInfo.subarray(0, -1) }, e]; } }, 'ok');
kase('EDKs: ns/k with a 96-bit tag length in its info first', { suiteId: 0x0478, edks: (real) => { const e = real(); const i = Buffer.from(e.providerInfo); i.writeUInt32BE(96, 1); return [{ ...e, providerInfo: i }, e]; } }, 'ok');
kase('EDKs: ns/k with IV length 16 (and 16 bytes) in its info first', { suiteId: 0x0478, edks: (real) => [{ ...real(), providerInfo: Buffer.concat([Buffer.from('k'), u32(128), u32(16), det(16)]) }, real()] }, 'ok');
kase('EDKs: ns/k with a 16-byte ciphertext first', { suiteId: 0x0478, edks: (real) => [{ ...real(), ciphertext: det(16) }, real()] }, E('ok', 'ok', 'any'));
kase('EDKs: a provider id that is not UTF-8 first', { suiteId: 0x0478, edks: (real) => [{ providerId: Buffer.from([0xff, 0xfe]), providerInfo: 'x', ciphertext: det(48) }, real()] }, E(M, 'ok', 'fail'), { doc: 'HDR-8' });
kase('EDKs: an aws-kms EDK first', { suiteId: 0x0478, edks: (real) => [KMS_EDK, real()] }, 'ok');
kase('EDKs: 300, the real one last, every reader allowing 65535', { suiteId: 0x0478, edks: (real) => [...Array.from({ length: 299 }, (_, i) => foreign(i)), real()] }, 'ok', { maxEdks: 65535 });
kase('EDKs: ns/k wrapping a 16-byte data key', { suiteId: 0x0478, edks: (real, dk) => [rawAesEdk(dk.subarray(0, 16), canonical(CTX))] }, NO_KEY);

// --- Content type and frame length.
for (const ct of [0, 3]) kase(`content type ${ct}`, { suiteId: 0x0478, contentType: ct }, M);
for (const s of V2) kase(`non-framed v2 ${hex4(s)}`, { suiteId: s, nonFramed: {} }, 'ok');
kase('non-framed v2, 4096 plaintext bytes, signed', { suiteId: 0x0578, nonFramed: {}, plaintext: det(9000) }, 'ok');
kase('non-framed v2, empty plaintext', { suiteId: 0x0478, nonFramed: {}, plaintext: Buffer.alloc(0) }, 'ok');
kase('non-framed with frame length 64', { suiteId: 0x0478, nonFramed: {}, frameLength: 64 }, E(M, 'ok', 'fail'), { doc: 'HDR-13' });
kase('non-framed, content length field one more', { suiteId: 0x0478, nonFramed: { lenField: 151 } }, M);
kase('non-framed, content length field 2^36', { suiteId: 0x0478, nonFramed: { lenField: 2 ** 36 } }, M);
kase('framed, frame length 0, one empty final frame', { suiteId: 0x0478, frameLength: 0, plaintext: Buffer.alloc(0) }, E(M, 'ok', 'fail'), { doc: 'HDR-13' });
kase('framed, frame length 0, an empty regular frame then an empty final frame', { suiteId: 0x0478, frameLength: 0, plaintext: Buffer.alloc(0), frames: () => [{ seq: 1, pt: Buffer.alloc(0) }, { seq: 2, final: true, pt: Buffer.alloc(0) }] }, E(M, 'ok', 'fail'), { doc: 'HDR-13' });
kase('frame length 2^31, one small final frame', { suiteId: 0x0478, frameLength: 2 ** 31 }, E('LIMIT_EXCEEDED', 'ok', 'fail'), { doc: 'BODY-3' });
kase('frame length 100 MiB, one small final frame', { suiteId: 0x0478, frameLength: 100 << 20 }, E('LIMIT_EXCEEDED', 'ok', 'ok'), { doc: 'BODY-3' });
kase('frame length 100 MiB, one small final frame, maxBodySize 2^30', { suiteId: 0x0478, frameLength: 100 << 20 }, 'ok', { edgeOptions: { maxBodySize: 2 ** 30 } });
kase('frame length 1', { suiteId: 0x0478, frameLength: 1, plaintext: det(5) }, 'ok');
for (const s of V2) kase(`frame length 1, 200 frames (the native engine opens them a window at a time), ${hex4(s)}`, { suiteId: s, frameLength: 1, plaintext: det(200) }, 'ok');

// --- Frames: sequence numbers, the final frame, IVs, AAD.
const seqs = (list) => (pt, fl) => planFrames(pt, fl).map((f, i) => ({ ...f, seq: list[i] }));
for (const s of V2) {
  kase(`frames: sequence starts at 0, ${hex4(s)}`, { suiteId: s, frames: seqs([0, 1, 2]) }, M);
  kase(`frames: sequence skips 2, ${hex4(s)}`, { suiteId: s, frames: seqs([1, 3, 4]) }, M);
  kase(`frames: sequence repeats 1, ${hex4(s)}`, { suiteId: s, frames: seqs([1, 1, 2]) }, M);
  kase(`frames: two frames swapped, ${hex4(s)}`, { suiteId: s, frames: (pt, fl) => { const f = planFrames(pt, fl); return [f[1], f[0], f[2]]; } }, M);
  kase(`frames: final frame numbered one too many, ${hex4(s)}`, { suiteId: s, frames: seqs([1, 2, 4]) }, M);
  kase(`frames: final frame numbered 1 after two frames, ${hex4(s)}`, { suiteId: s, frames: seqs([1, 2, 1]) }, M);
}
kase('frames: final frame longer than the frame length (65 of 64)', { suiteId: 0x0478, plaintext: det(65), frames: (pt) => [{ seq: 1, final: true, pt }] }, M);
const fullFinal = (pt) => [{ seq: 1, pt: pt.subarray(0, 64) }, { seq: 2, final: true, pt: pt.subarray(64) }];
kase('frames: final frame as long as the frame length', { suiteId: 0x0478, plaintext: det(128), frames: fullFinal }, E('ok', 'ok', 'fail'), { doc: 'BODY-10' });
kase('frames: final frame as long as the frame length, signed', { suiteId: 0x0578, plaintext: det(128), frames: fullFinal }, E('ok', 'ok', 'fail'), { doc: 'BODY-10' });
kase('frames: exact multiple, empty final frame', { suiteId: 0x0578, plaintext: det(128) }, 'ok');
kase('frames: empty plaintext, one empty final frame', { suiteId: 0x0578, plaintext: Buffer.alloc(0) }, 'ok');
kase('frames: no final frame', { suiteId: 0x0478, plaintext: det(128), frames: (pt) => [{ seq: 1, pt: pt.subarray(0, 64) }, { seq: 2, pt: pt.subarray(64) }] }, M);
kase('frames: no final frame, signed', { suiteId: 0x0578, plaintext: det(128), frames: (pt) => [{ seq: 1, pt: pt.subarray(0, 64) }, { seq: 2, pt: pt.subarray(64) }] }, M);
kase('frames: a second final frame', { suiteId: 0x0478, frames: (pt, fl) => [...planFrames(pt, fl), { seq: 4, final: true, pt: Buffer.from('more') }] }, E(M, 'ok', 'ok'), { doc: 'BODY-8' });
kase('frames: a second final frame, signed', { suiteId: 0x0578, frames: (pt, fl) => [...planFrames(pt, fl), { seq: 4, final: true, pt: Buffer.from('more') }] }, M);
kase('frames: a regular frame after the final frame', { suiteId: 0x0478, frames: (pt, fl) => [...planFrames(pt, fl), { seq: 4, pt: det(64) }] }, E(M, 'ok', 'ok'), { doc: 'BODY-8' });
for (const s of V2) kase(`frames: random IVs, ${hex4(s)}`, { suiteId: s, frames: (pt, fl) => planFrames(pt, fl).map((f) => ({ ...f, iv: det(12) })) }, 'ok', { doc: 'DEC-32' });
kase('frames: one IV for every frame', { suiteId: 0x0478, frames: (pt, fl) => { const iv = det(12); return planFrames(pt, fl).map((f) => ({ ...f, iv })); } }, 'ok', { doc: 'DEC-32' });
kase('frames: random IVs, 4096-byte frames, signed', { suiteId: 0x0578, ...BIG, frames: (pt, fl) => planFrames(pt, fl).map((f) => ({ ...f, iv: det(12) })) }, 'ok', { doc: 'DEC-32' });
kase('frames: final marker 0xFFFFFFFE', { suiteId: 0x0478, frames: (pt, fl) => planFrames(pt, fl).map((f) => (f.final ? { ...f, marker: 0xfffffffe } : f)) }, M);
kase('frames: final frame sealed with the regular-frame AAD string', { suiteId: 0x0478, frames: (pt, fl) => planFrames(pt, fl).map((f) => (f.final ? { ...f, str: FRAME_STR } : f)) }, T);
kase('frames: regular frame sealed with the final-frame AAD string', { suiteId: 0x0478, frames: (pt, fl) => planFrames(pt, fl).map((f) => (f.final ? f : { ...f, str: FINAL_STR })) }, T);
kase('frames: AAD sequence number differs from the field', { suiteId: 0x0478, frames: (pt, fl) => planFrames(pt, fl).map((f) => (f.seq === 2 ? { ...f, aadSeq: 3 } : f)) }, T);
kase('frames: final frame AAD length = frame length', { suiteId: 0x0478, frames: (pt, fl) => planFrames(pt, fl).map((f) => (f.final ? { ...f, aadLen: fl } : f)) }, T);
// The native engine plans the frames before it decrypts any: it finds the 4 bytes left over first.
kase('frames: final frame content length field shorter than its ciphertext', { suiteId: 0x0478, frames: (pt, fl) => planFrames(pt, fl).map((f) => (f.final ? { ...f, lenField: f.pt.length - 4 } : f)) }, E([T, M], 'fail', 'fail'));

// --- Footer: length field, DER encodings, signature values.
const lowHigh = (s, c) => { const v = bigOf(s), w = c.n - v; return { low: bytesOf(v < w ? v : w, c.len), high: bytesOf(v < w ? w : v, c.len) }; };
/** s or n − s, whichever has its top bit set. */
const topBitS = (s, c) => { const v = bigOf(s), w = c.n - v; return bytesOf((v >> BigInt(c.len * 8 - 1)) ? v : w, c.len); };
kase('footer: absent', { suiteId: 0x0578, footer: () => Buffer.alloc(0) }, M);
kase('footer: length field 0, the signature after it', { suiteId: 0x0578, footer: (der) => Buffer.concat([u16(0), der]) }, T);
kase('footer: length field 0, nothing after it', { suiteId: 0x0578, footer: () => u16(0) }, T);
kase('footer: length field one more', { suiteId: 0x0578, footer: (der) => Buffer.concat([u16(der.length + 1), der]) }, M);
kase('footer: length field one less', { suiteId: 0x0578, footer: (der) => Buffer.concat([u16(der.length - 1), der]) }, T);
// The Python SDK reads the footer and stops: what follows it is never looked at.
kase('footer: one byte after it', { suiteId: 0x0578, trailing: u8(0) }, E(M, 'fail', 'ok'), { doc: 'DEC-13' });
kase('footer: a second footer after it', { suiteId: 0x0578, footer: (der) => Buffer.concat([u16(der.length), der, u16(der.length), der]) }, E(M, 'fail', 'ok'), { doc: 'DEC-13' });
for (const [tag, sz] of [['', {}], [', 4096-byte frames', BIG]]) {
  kase(`DER: low S${tag}`, { suiteId: 0x0578, ...sz, der: (r, s, c) => strictDer(r, lowHigh(s, c).low) }, 'ok');
  kase(`DER: high S${tag}`, { suiteId: 0x0578, ...sz, der: (r, s, c) => strictDer(r, lowHigh(s, c).high) }, 'ok');
  kase(`DER: r with a needless leading zero${tag}`, { suiteId: 0x0578, ...sz, der: (r, s) => { const ri = derInt(r); return derSeq(Buffer.concat([Buffer.from([2, ri[1] + 1, 0]), ri.subarray(2), derInt(s)])); } }, T);
  kase(`DER: SEQUENCE length in long form${tag}`, { suiteId: 0x0578, ...sz, der: (r, s) => { const body = Buffer.concat([derInt(r), derInt(s)]); return Buffer.concat([Buffer.from([0x30, 0x81, body.length]), body]); } }, T);
  kase(`DER: a byte inside the SEQUENCE after s${tag}`, { suiteId: 0x0578, ...sz, der: (r, s) => derSeq(Buffer.concat([derInt(r), derInt(s), u8(0)])) }, T);
  kase(`DER: a byte after the SEQUENCE, inside the footer${tag}`, { suiteId: 0x0578, ...sz, der: (r, s) => Buffer.concat([strictDer(r, s), u8(0)]) }, T);
  kase(`DER: s negative (its 00 pad dropped)${tag}`, { suiteId: 0x0578, ...sz, der: (r, s, c) => { const t = topBitS(s, c); return derSeq(Buffer.concat([derInt(r), Buffer.from([2, t.length]), t])); } }, T);
}
kase('DER: integer length in long form', { suiteId: 0x0578, der: (r, s) => { const ri = derInt(r); return derSeq(Buffer.concat([Buffer.from([2, 0x81, ri[1]]), ri.subarray(2), derInt(s)])); } }, T);
kase('DER: indefinite length (BER)', { suiteId: 0x0578, der: (r, s) => Buffer.concat([Buffer.from([0x30, 0x80]), derInt(r), derInt(s), Buffer.from([0, 0])]) }, T);
kase('DER: r ‖ s (P1363) instead of DER', { suiteId: 0x0578, der: (r, s) => Buffer.concat([r, s]) }, T);
kase('DER: r and s swapped', { suiteId: 0x0578, der: (r, s) => strictDer(s, r) }, T);
kase('DER: r = 0', { suiteId: 0x0578, der: (r, s) => strictDer(Buffer.alloc(1), s) }, T);
kase('DER: s = n', { suiteId: 0x0578, der: (r, s, c) => strictDer(r, bytesOf(c.n, c.len)) }, T);
kase('DER: r + n', { suiteId: 0x0578, der: (r, s, c) => strictDer(bytesOf(bigOf(r) + c.n, c.len + 1), s) }, T);
kase('DER: SET instead of SEQUENCE', { suiteId: 0x0578, der: (r, s) => Buffer.concat([u8(0x31), strictDer(r, s).subarray(1)]) }, T);
kase('footer: signed by a key other than the context\'s (control)', { suiteId: 0x0578, publicKey: OTHER_P384.compressed }, T);
kase('DER: high S, v1 0x0214 (P-256)', { suiteId: 0x0214, der: (r, s, c) => strictDer(r, lowHigh(s, c).high) }, 'ok', { policy: 'allow' });
kase('DER: a byte after the SEQUENCE, v1 0x0378', { suiteId: 0x0378, der: (r, s) => Buffer.concat([strictDer(r, s), u8(0)]) }, T, { policy: 'allow' });

// --- Bytes after the body of an unsigned message (BODY-8, DEC-13: MUST fail; both references ignore them).
for (const [s, policy] of [[0x0478, 'strict'], [0x0178, 'allow']]) {
  kase(`unsigned ${hex4(s)}: one byte after the final frame`, { suiteId: s, trailing: u8(0) }, E(M, 'ok', 'ok'), { policy, doc: 'DEC-13' });
  kase(`unsigned ${hex4(s)}: a footer-shaped tail after the final frame`, { suiteId: s, trailing: Buffer.concat([u16(8), Buffer.from([0x30, 6, 2, 1, 1, 2, 1, 1])]) }, E(M, 'ok', 'ok'), { policy, doc: 'DEC-13' });
}
kase('unsigned non-framed 0x0478: one byte after the body', { suiteId: 0x0478, nonFramed: {}, trailing: u8(0) }, E(M, 'ok', 'ok'), { doc: 'DEC-13' });

// ---------------------------------------------------------------------------
// The tests.
const isSigned = (spec) => !!(spec.signer === undefined ? SUITES[spec.cryptoSuite ?? spec.suiteId]?.curve : spec.signer);
const built = CASES.map((c) => {
  const m = forge(c.spec);
  const kmsVariant = isSigned(c.spec) && !c.spec.edks ? forge({ ...c.spec, edks: (real) => [KMS_EDK, real()] }) : undefined;
  return { c, ...m, kmsVariant };
});
let py = [];
before(async () => {
  if (pythonAvailable) py = await pythonDecryptAll(built);
});

const verdict = (r) => (r.ok ? 'ok' : 'fail');
test('the Python SDK is here to compare with', { skip: !pythonAvailable && 'python3 -c "import aws_encryption_sdk" fails: the Python column is not checked' }, () => {
  assert.equal(py.length, built.length);
});

for (const [i, { c, msg, plaintext, context, kmsVariant }] of built.entries()) {
  const label = `${c.name}${c.doc ? ` [COMPLIANCE.md ${c.doc}]` : ''}`;
  test(label, async () => {
    const { expect: x } = c;
    const edge = await edgeAll(c, msg, kmsVariant);
    const js = await jsDecrypt(c, msg);
    const p = py[i];
    const report = () => JSON.stringify({ edge: Object.fromEntries(Object.entries(edge).map(([k, r]) => [k, r.ok ? 'ok' : r.code])), js: js.ok ? 'ok' : js.code, py: p ? (p.ok ? 'ok' : p.code) : 'n/a' }, null, 1);

    // The references, as this case says (so a forger's mistake cannot pass for a refusal).
    assert.equal(verdict(js), x.js, `JS SDK: ${report()}`);
    if (p && x.py !== 'any') assert.equal(verdict(p), x.py, `Python SDK: ${report()}`);
    for (const [who, r] of [['JS SDK', js], ['Python SDK', p]]) {
      if (!r?.ok) continue;
      assert.ok(r.plaintext.equals(plaintext), `${who} plaintext`);
      assert.ok(sameContext(r.context, context), `${who} context ${JSON.stringify(r.context)}`);
    }

    // edge-kms: every engine, one-shot and streamed, gives the same verdict (and one-shot the same code).
    for (const [k, r] of Object.entries(edge)) {
      if (k.startsWith('rekey/')) continue;
      const want = r.want ?? { plaintext, context };
      if (x.edge === 'ok') {
        assert.ok(r.ok, `${k} refused: ${report()}`);
        assert.ok(r.plaintext.equals(want.plaintext), `${k}: another plaintext`);
        if (r.context) assert.ok(sameContext(r.context, want.context), `${k}: another context ${JSON.stringify(r.context)}`);
      } else {
        assert.ok(!r.ok, `${k} opened it: ${report()}`);
        if (!k.startsWith('stream/')) assert.ok([x.edge].flat().includes(r.code), `${k}: ${report()}`);
      }
    }

    // The property under test: what edge-kms opens, a reference opens too, unless COMPLIANCE.md says otherwise.
    // (Without Python, its verdict is the one this case states.)
    if (x.edge === 'ok' && !c.doc) assert.ok(js.ok || (p ? p.ok : x.py === 'ok'), `edge-kms alone opens it: ${report()}`);

    // Re-keying authenticates the original as decrypt does: it refuses what decrypt refuses, and
    // what it writes opens (here and in the JS SDK) to the same plaintext and context.
    const rekeyable = (SUITES[c.spec.cryptoSuite ?? c.spec.suiteId]?.v ?? 2) === 2 && !c.spec.nonFramed && c.spec.version !== 1;
    for (const [k, r] of Object.entries(edge).filter(([k]) => k.startsWith('rekey/'))) {
      if (x.edge !== 'ok') {
        assert.ok(!r.ok, `${k} re-keyed a message decrypt refuses: ${report()}`);
        continue;
      }
      if (!rekeyable) {
        assert.equal(r.code, 'UNSUPPORTED_ALGORITHM', `${k}: ${report()}`);
        continue;
      }
      assert.ok(r.ok, `${k} refused: ${report()}`);
      const back = await edgeDecrypt(edgeClient({ ...c, policy: 'strict' }, 'wasm'), r.rekeyed);
      assert.ok(back.ok && back.plaintext.equals(plaintext) && sameContext(withoutKey(back.context), withoutKey(context)), `${k}: the re-keyed message opens to the original`);
      const sdk = await jsDecrypt({ ...c, maxEdks: undefined, jsUtf8Sorting: true }, r.rekeyed);
      assert.ok(sdk.ok && sdk.plaintext.equals(plaintext), `${k}: the JS SDK opens the re-keyed message: ${sdk.code}`);
    }
  });
}
