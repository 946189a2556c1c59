#!/usr/bin/env node
// `edge-kms` (`npx edge-kms`): the command line of edge-kms. Encrypts and
// decrypts AWS Encryption SDK messages (files or stdin/stdout, streamed in
// constant memory) through a broker or with raw keys from files, inspects a
// message without a key, and verifies KMS signatures offline. It is a thin
// layer over the package's public API (`import … from 'edge-kms'`): every
// decision is the library's. README.md ("Command line") documents it; the exit
// codes are in ./exit-codes.js.
import { parseArgs } from 'node:util';
import { open, readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Duplex, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  EnvelopeClient, BrokerKeyring, RawAesKeyring, RawRsaKeyring, MultiKeyring, KmsPublicKey, parseMessage,
  EdgeKmsError, WASM_MAX_BYTES, DEFAULT_FRAME_LENGTH,
} from 'edge-kms';
import { EXIT, classOf } from './exit-codes.js';
import { atomicFile, progress, removePendingSync } from './output.js';

class CliError extends Error {
  /** @param {'USAGE' | 'IO'} code @param {string} message */
  constructor(code, message) { super(message); this.code = code; }
}
const usage = (/** @type {string} */ message) => new CliError('USAGE', message);

const HELP = `edge-kms — AWS Encryption SDK messages and KMS signatures from the command line

Usage:
  edge-kms encrypt    [-i FILE] [-o FILE] KEYS [-c key=value]... [--suite S] [--frame-length N] [--json]
  edge-kms decrypt    [-i FILE] [-o FILE] KEYS [-c key=value]... [--require-signature] [--max-body-size N] [--json]
  edge-kms re-encrypt [-i FILE] [-o FILE] KEYS --to-KEYS [-c key=value]... [--require-signature] [--json]
  edge-kms inspect    [-i FILE] [--json]
  edge-kms verify     --public-key FILE --signing-algorithm ALG --signature FILE [--message FILE]
                      [--message-type RAW|DIGEST|EXTERNAL_MU | --prehash] [--json]

Input and output:
  -i, --input FILE           read FILE (default, or "-": stdin)
  -o, --output FILE          write FILE, only if the command succeeds (default, or "-": stdout)
      --json                 print a JSON summary (or error) on stdout; needs -o FILE for encrypt/decrypt
      --no-progress          no progress line (it is shown only when stderr is a terminal)

KEYS, one or more (the first makes the data key, the others wrap it too):
      --broker URL --key-id ID    a broker (edge-kms/broker) and the KMS key: key id, ARN or alias
      --header 'Name: value'      a request header for the broker (repeatable), e.g. 'Authorization: Bearer …'
      --headers-file FILE         headers from FILE, one 'Name: value' a line (keeps tokens out of ps)
      --timeout MS, --retries N   the broker calls' deadline (default 10000) and retries (default 2)
      --aes-key FILE              a raw AES key: FILE holds exactly 16, 24 or 32 bytes
      --rsa-public-key FILE       a raw RSA key (PEM or DER): the public half encrypts,
      --rsa-private-key FILE        the private half decrypts
      --rsa-padding P             OAEP_SHA256 (default), OAEP_SHA1, OAEP_SHA384, OAEP_SHA512, PKCS1
      --key-namespace NS --key-name NAME   the raw key's namespace and name (as in the AWS Encryption SDK)

re-encrypt (EnvelopeClient#reEncrypt): the same data key and frames under new keys. KEYS open the original
(decrypt's options apply to it); the new keys are KEYS' options prefixed with to-: --to-broker URL
--to-key-id ID --to-header …, --to-aes-key FILE, --to-rsa-public-key FILE, --to-key-namespace NS,
--to-key-name NAME. The whole original authenticates first. It holds the message in memory (at most 4 GiB).

Message options (the EnvelopeClient options of the same names):
  -c, --encryption-context key=value   encrypt: the context; decrypt: pairs the message must hold
      --suite S                  AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384 (default) or
                                 AES_256_GCM_HKDF_SHA512_COMMIT_KEY (no signature)
      --frame-length N           plaintext bytes per frame (default 1048576)
      --max-body-size N          decrypt: largest frame accepted (default 67108864)
      --max-header-size N        decrypt: largest header accepted (default 4194304)
      --max-encrypted-data-keys N   default 10
      --require-signature        decrypt: refuse unsigned messages
      --commitment-policy P      REQUIRE_ENCRYPT_REQUIRE_DECRYPT (default) or REQUIRE_ENCRYPT_ALLOW_DECRYPT
      --engine E                 auto (default), wasm or native

verify (offline, no AWS call):
      --public-key FILE          the key as KMS GetPublicKey returns it: DER, base64 of it, or PEM
      --signing-algorithm ALG    KMS's name, e.g. ECDSA_SHA_256, RSASSA_PSS_SHA_256, ML_DSA_SHAKE_256
      --signature FILE           the signature bytes as KMS Sign returns them (DER for ECDSA)
      --signature-base64 B64     or the signature as base64 text (KMS's JSON API, aws kms sign)
      --message FILE             the message (default, or "-": stdin); RAW: at most 4096 bytes
      --message-type T           RAW (default), DIGEST (FILE holds the hash) or EXTERNAL_MU
      --prehash                  hash FILE (any size, streamed) with the algorithm's hash and verify as DIGEST

Exit codes: 0 ok, 1 signature does not verify, 2 usage, 3 file I/O, 4 bad input, 5 tampered,
6 policy (context, signature, commitment), 7 no key opens it, 8 KMS/broker refused,
9 broker/KMS unavailable (retry), 10 internal, 130 interrupted.
`;

/** Options every command understands. */
const COMMON = /** @type {const} */ ({
  input: { type: 'string', short: 'i' },
  output: { type: 'string', short: 'o' },
  json: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
});
const KEYS = /** @type {const} */ ({
  broker: { type: 'string' },
  'key-id': { type: 'string' },
  header: { type: 'string', multiple: true },
  'headers-file': { type: 'string' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  'aes-key': { type: 'string' },
  'rsa-public-key': { type: 'string' },
  'rsa-private-key': { type: 'string' },
  'rsa-padding': { type: 'string' },
  'key-namespace': { type: 'string' },
  'key-name': { type: 'string' },
});
const MESSAGE = /** @type {const} */ ({
  'encryption-context': { type: 'string', short: 'c', multiple: true },
  suite: { type: 'string' },
  'frame-length': { type: 'string' },
  'max-body-size': { type: 'string' },
  'max-header-size': { type: 'string' },
  'max-encrypted-data-keys': { type: 'string' },
  'require-signature': { type: 'boolean' },
  'commitment-policy': { type: 'string' },
  engine: { type: 'string' },
});
const ENCRYPT_ONLY = ['suite', 'frame-length'];
const DECRYPT_ONLY = ['max-body-size', 'max-header-size', 'require-signature', 'commitment-policy'];
const VERIFY = /** @type {const} */ ({
  'public-key': { type: 'string' },
  'signing-algorithm': { type: 'string' },
  signature: { type: 'string' },
  'signature-base64': { type: 'string' },
  message: { type: 'string' },
  'message-type': { type: 'string' },
  prehash: { type: 'boolean' },
  engine: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
});

/** A whole number option, or undefined. @param {string | undefined} v @param {string} name */
function integer(v, name) {
  if (v === undefined) return undefined;
  if (!/^\d{1,16}$/.test(v)) throw usage(`--${name} must be a whole number`);
  return Number(v);
}

/** `key=value` pairs into an object. @param {string[] | undefined} pairs */
function encryptionContext(pairs) {
  /** @type {Record<string, string>} */
  const ec = {};
  for (const p of pairs ?? []) {
    const at = p.indexOf('=');
    if (at <= 0) throw usage('--encryption-context takes key=value');
    const k = p.slice(0, at);
    if (Object.hasOwn(ec, k)) throw usage(`--encryption-context names "${k}" twice`);
    ec[k] = p.slice(at + 1);
  }
  return ec;
}

/** 'Name: value' lines into header pairs. @param {string[]} lines */
function headerPairs(lines) {
  /** @type {[string, string][]} */
  const out = [];
  for (const line of lines) {
    const at = line.indexOf(':');
    const name = line.slice(0, at).trim();
    if (at <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw usage('--header takes \'Name: value\'');
    out.push([name, line.slice(at + 1).trim()]);
  }
  return out;
}

/** Reads a file given on the command line; a missing file is an I/O error. @param {string} path @param {string} what */
async function readArgFile(path, what) {
  try {
    // The file's own buffer, not a copy: a caller that wipes a key wipes the only copy this process made.
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw new CliError('IO', `cannot read ${what} ${path}: ${/** @type {any} */ (e).code ?? 'error'}`);
  }
}

/** The keyring the key options describe. @param {Record<string, any>} v @param {'encrypt' | 'decrypt'} command */
async function keyringFrom(v, command) {
  const keyrings = [];
  if (v.broker !== undefined || v['key-id'] !== undefined) {
    if (v.broker === undefined || v['key-id'] === undefined) throw usage('--broker and --key-id go together');
    const lines = [...(v.header ?? [])];
    if (v['headers-file'] !== undefined) {
      const text = new TextDecoder().decode(await readArgFile(v['headers-file'], 'headers file'));
      lines.push(...text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#')));
    }
    const timeoutMs = integer(v.timeout, 'timeout');
    const retries = integer(v.retries, 'retries');
    keyrings.push(new BrokerKeyring({
      endpoint: v.broker, keyId: v['key-id'], headers: headerPairs(lines),
      ...(timeoutMs === undefined ? {} : { timeoutMs }), ...(retries === undefined ? {} : { retries }),
    }));
  } else if (v.header !== undefined || v['headers-file'] !== undefined || v.timeout !== undefined || v.retries !== undefined) {
    throw usage('--header, --headers-file, --timeout and --retries need --broker');
  }
  const aes = v['aes-key'] !== undefined;
  const rsa = v['rsa-public-key'] !== undefined || v['rsa-private-key'] !== undefined;
  if (aes && rsa) throw usage('one raw key at a time: --aes-key or --rsa-*-key');
  if (aes || rsa) {
    const keyNamespace = v['key-namespace'], keyName = v['key-name'];
    if (keyNamespace === undefined || keyName === undefined) throw usage('a raw key needs --key-namespace and --key-name');
    if (aes) {
      const wrappingKey = await readArgFile(v['aes-key'], 'AES key file');
      try {
        keyrings.push(new RawAesKeyring({ keyNamespace, keyName, wrappingKey }));
      } finally {
        wrappingKey.fill(0); // the keyring holds its own copy
      }
    } else {
      const publicKey = v['rsa-public-key'] === undefined ? undefined : await readArgFile(v['rsa-public-key'], 'RSA public key file');
      const privateKey = v['rsa-private-key'] === undefined ? undefined : await readArgFile(v['rsa-private-key'], 'RSA private key file');
      try {
        keyrings.push(new RawRsaKeyring({
          keyNamespace, keyName, ...(publicKey ? { publicKey } : {}), ...(privateKey ? { privateKey } : {}),
          ...(v['rsa-padding'] === undefined ? {} : { padding: v['rsa-padding'] }),
        }));
      } finally {
        privateKey?.fill(0);
      }
    }
  } else if (v['key-namespace'] !== undefined || v['key-name'] !== undefined || v['rsa-padding'] !== undefined) {
    throw usage('--key-namespace, --key-name and --rsa-padding need --aes-key or --rsa-*-key');
  }
  if (keyrings.length === 0) throw usage(`${command} needs a key: --broker URL --key-id ID, --aes-key FILE, or --rsa-public-key/--rsa-private-key FILE`);
  if (keyrings.length === 1) return keyrings[0];
  return command === 'encrypt' ? new MultiKeyring({ generator: keyrings[0], children: keyrings.slice(1) }) : new MultiKeyring({ children: keyrings });
}

/** The EnvelopeClient the options describe. @param {Record<string, any>} v @param {'encrypt' | 'decrypt'} command */
async function clientFrom(v, command) {
  for (const name of command === 'encrypt' ? DECRYPT_ONLY : ENCRYPT_ONLY) {
    if (v[name] !== undefined) throw usage(`--${name} is not an option of ${command}`);
  }
  const keyring = await keyringFrom(v, command);
  /** @type {Record<string, unknown>} */
  const options = { keyring };
  const set = (/** @type {string} */ api, /** @type {unknown} */ value) => { if (value !== undefined) options[api] = value; };
  set('suite', v.suite);
  set('frameLength', integer(v['frame-length'], 'frame-length'));
  set('maxBodySize', integer(v['max-body-size'], 'max-body-size'));
  set('maxHeaderSize', integer(v['max-header-size'], 'max-header-size'));
  set('maxEncryptedDataKeys', integer(v['max-encrypted-data-keys'], 'max-encrypted-data-keys'));
  set('requireSignature', v['require-signature']);
  set('commitmentPolicy', v['commitment-policy']);
  set('engine', v.engine);
  return new EnvelopeClient(/** @type {any} */ (options));
}

/**
 * The input: stdin or an open file, with its size when known.
 * @param {string | undefined} path
 */
async function openInput(path) {
  if (path === undefined || path === '-') return { stream: process.stdin, size: undefined, name: 'stdin', close: async () => {} };
  let handle;
  try {
    handle = await open(path, 'r');
    const s = await handle.stat();
    if (s.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    const h = handle;
    return {
      stream: h.createReadStream({ highWaterMark: 1 << 20, autoClose: false }),
      size: s.isFile() ? s.size : undefined,
      name: path,
      close: () => h.close(),
    };
  } catch (e) {
    await handle?.close();
    throw new CliError('IO', `cannot read ${path}: ${/** @type {any} */ (e).code ?? 'error'}`);
  }
}

/** Counts the bytes that pass. @param {(n: number) => void} onBytes */
const counter = (onBytes) => new Transform({
  transform(chunk, _enc, done) { onBytes(chunk.length); done(null, chunk); },
});

/**
 * encrypt / decrypt: input → encryptStream or decryptStream → output, in constant memory.
 * @param {'encrypt' | 'decrypt'} command @param {string[]} args @param {AbortSignal} signal
 */
async function seal(command, args, signal) {
  const { values: v } = parseArgs({ args, options: { ...COMMON, ...KEYS, ...MESSAGE }, strict: true, allowPositionals: false });
  if (v.help) { process.stdout.write(HELP); return EXIT.OK; }
  const toStdout = v.output === undefined || v.output === '-';
  if (v.json && toStdout) throw usage('--json prints the summary on stdout: give the data an -o FILE');
  if (command === 'encrypt' && toStdout && process.stdout.isTTY) throw usage('not writing an encrypted message to a terminal: use -o FILE or a pipe');
  const ec = encryptionContext(v['encryption-context']);
  const client = await clientFrom(v, command);
  // The input and the output first (a file that cannot be read or written fails before any
  // KMS call: encryptStream asks for its data key as soon as it is made), then the stream
  // (a bad context fails there, and the temporary file goes).
  const input = await openInput(v.input);
  /** @type {Awaited<ReturnType<typeof atomicFile>> | undefined} */
  let file;
  let transform;
  try {
    if (!toStdout) {
      try {
        // Plaintext is never readable by others, not even while it is written.
        file = await atomicFile(/** @type {string} */ (v.output), { mode: command === 'decrypt' ? 0o600 : 0o666 });
      } catch (e) {
        throw new CliError('IO', `cannot write ${v.output}: ${/** @type {any} */ (e).code ?? 'error'}`);
      }
    }
    transform = command === 'encrypt'
      ? client.encryptStream({ encryptionContext: ec, signal })
      : client.decryptStream({ encryptionContext: ec, signal });
  } catch (e) {
    await file?.discard();
    await input.close();
    throw e;
  }
  const t0 = Date.now();
  let inBytes = 0, outBytes = 0;
  const bar = progress(process.stderr, { total: input.size, label: command === 'encrypt' ? 'encrypting' : 'decrypting', enabled: !v['no-progress'] });
  try {
    await pipeline(
      input.stream,
      counter((n) => { inBytes += n; bar.add(n); }),
      Duplex.fromWeb(/** @type {any} */ (transform)),
      counter((n) => { outBytes += n; }),
      file ? file.stream : process.stdout,
      { signal, end: !toStdout },
    );
    bar.end();
    await file?.commit();
  } catch (e) {
    bar.end();
    await file?.discard();
    throw e;
  } finally {
    await input.close();
  }
  if (v.json) {
    const seconds = (Date.now() - t0) / 1000;
    const summary = command === 'encrypt'
      ? { command, input: input.name, output: v.output, plaintextBytes: inBytes, messageBytes: outBytes, suite: v.suite ?? 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384', frameLength: integer(v['frame-length'], 'frame-length') ?? DEFAULT_FRAME_LENGTH, encryptionContext: ec, seconds }
      : { command, input: input.name, output: v.output, messageBytes: inBytes, plaintextBytes: outBytes, requiredEncryptionContext: ec, seconds };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  }
  return EXIT.OK;
}

const hex = (/** @type {Uint8Array} */ b) => Buffer.from(b).toString('hex');
const b64 = (/** @type {Uint8Array} */ b) => Buffer.from(b).toString('base64');
/** UTF-8 text if the bytes are printable UTF-8, else null. @param {Uint8Array} b */
function text(b) {
  try {
    const s = new TextDecoder('utf-8', { fatal: true }).decode(b);
    return /^[\x20-\x7e\u00a0-\uffff]*$/.test(s) ? s : null;
  } catch {
    return null;
  }
}

/** inspect: the structure of a message, no key, nothing authenticated. @param {string[]} args */
async function inspect(args) {
  const { values: v } = parseArgs({ args, options: { ...COMMON }, strict: true, allowPositionals: false });
  if (v.help) { process.stdout.write(HELP); return EXIT.OK; }
  if (v.output !== undefined && v.output !== '-') throw usage('inspect writes to stdout');
  const input = await openInput(v.input);
  // parseMessage walks the whole message in the core, so the message is read
  // whole: refused before reading past WASM_MAX_BYTES (1 GiB).
  if (input.size !== undefined && input.size > WASM_MAX_BYTES) {
    await input.close();
    throw new EdgeKmsError('LIMIT_EXCEEDED', `inspect reads the whole message, at most ${WASM_MAX_BYTES} bytes`);
  }
  const chunks = [];
  let length = 0;
  try {
    for await (const chunk of input.stream) {
      length += chunk.length;
      if (length > WASM_MAX_BYTES) throw new EdgeKmsError('LIMIT_EXCEEDED', `inspect reads the whole message, at most ${WASM_MAX_BYTES} bytes`);
      chunks.push(chunk);
    }
  } finally {
    await input.close();
  }
  const info = await parseMessage(Buffer.concat(chunks, length));
  const edks = info.encryptedDataKeys.map((k) => ({
    providerId: k.providerId, providerInfo: text(k.providerInfo), providerInfoBase64: b64(k.providerInfo),
    ciphertextLength: k.ciphertext.length, ciphertextBase64: b64(k.ciphertext),
  }));
  const out = {
    authenticated: false, version: info.version, suite: info.suite, suiteId: `0x${info.suiteId.toString(16).padStart(4, '0')}`,
    messageId: hex(info.messageId), encryptionContext: info.encryptionContext, encryptedDataKeys: edks,
    framed: info.framed, frameLength: info.frameLength, frameCount: info.frameCount, committing: info.committing,
    signed: info.signed, hasSignature: info.hasSignature, headerLength: info.headerLength, length: info.length,
    trailingBytes: info.trailingBytes,
  };
  if (v.json) {
    process.stdout.write(`${JSON.stringify(out)}\n`);
    return EXIT.OK;
  }
  const lines = [
    'nothing below is authenticated: decrypt checks it',
    `version           ${out.version}`,
    `suite             ${out.suite} (${out.suiteId})`,
    `message id        ${out.messageId}`,
    `committing        ${out.committing ? 'yes' : 'no'}`,
    `signed            ${out.signed ? `yes, footer ${out.hasSignature ? 'present' : 'missing'}` : 'no'}`,
    `body              ${out.framed ? `framed, ${out.frameCount} frames of ${out.frameLength} bytes` : 'non-framed'}`,
    `length            ${out.length} bytes (header ${out.headerLength})${out.trailingBytes ? `, ${out.trailingBytes} trailing bytes` : ''}`,
  ];
  const ctx = Object.entries(out.encryptionContext);
  lines.push(`encryption context${ctx.length ? '' : ' (empty)'}`);
  for (const [k, val] of ctx) lines.push(`  ${JSON.stringify(k)}: ${JSON.stringify(val)}`);
  lines.push(`encrypted data keys (${edks.length})`);
  for (const k of edks) lines.push(`  ${k.providerId}  ${k.providerInfo ?? `base64:${k.providerInfoBase64}`}  (${k.ciphertextLength}-byte ciphertext)`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.OK;
}

/** The hash a signing algorithm uses, for --prehash. @param {string} alg */
function hashOf(alg) {
  const m = /^(?:RSASSA_PKCS1_V1_5|RSASSA_PSS|ECDSA|ED25519_PH)_SHA_(256|384|512)$/.exec(alg);
  if (!m) throw usage(`--prehash needs an algorithm that takes a DIGEST (RSA, ECDSA, ED25519_PH_SHA_512), not ${alg}`);
  return `sha${m[1]}`;
}

/** verify: a KMS signature, offline. @param {string[]} args */
async function verify(args) {
  const { values: v } = parseArgs({ args, options: VERIFY, strict: true, allowPositionals: false });
  if (v.help) { process.stdout.write(HELP); return EXIT.OK; }
  const alg = v['signing-algorithm'];
  if (v['public-key'] === undefined || alg === undefined) throw usage('verify needs --public-key FILE and --signing-algorithm ALG');
  if ((v.signature === undefined) === (v['signature-base64'] === undefined)) throw usage('verify needs one of --signature FILE or --signature-base64 B64');
  if (v.prehash && v['message-type'] !== undefined) throw usage('--prehash verifies a DIGEST: leave out --message-type');
  let signature;
  if (v.signature !== undefined) signature = await readArgFile(v.signature, 'signature file');
  else {
    const s = /** @type {string} */ (v['signature-base64']);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw usage('--signature-base64 is not base64');
    signature = new Uint8Array(Buffer.from(s, 'base64'));
  }
  const keyBytes = await readArgFile(v['public-key'], 'public key file');
  // PEM or base64 text goes in as text, DER as bytes (the API takes all three).
  const asText = text(keyBytes);
  const publicKey = await KmsPublicKey.from(asText !== null && /^[\sA-Za-z0-9+/=-]*$/.test(asText) ? asText.trim() : keyBytes);

  const input = await openInput(v.message);
  let message;
  try {
    if (v.prehash) {
      const hash = createHash(hashOf(alg));
      for await (const chunk of input.stream) hash.update(chunk);
      message = new Uint8Array(hash.digest());
    } else {
      // RAW is at most 4096 bytes and digests are shorter: read a little more than that, so the API says what is wrong.
      const chunks = [];
      let n = 0;
      for await (const chunk of input.stream) {
        chunks.push(chunk);
        n += chunk.length;
        if (n > 1 << 16) break;
      }
      message = new Uint8Array(Buffer.concat(chunks));
    }
  } finally {
    await input.close();
  }
  const messageType = v.prehash ? 'DIGEST' : (v['message-type'] ?? 'RAW');
  const valid = await publicKey.verify({
    signingAlgorithm: alg, message, messageType: /** @type {any} */ (messageType), signature,
    ...(v.engine === undefined ? {} : { engine: /** @type {any} */ (v.engine) }),
  });
  if (v.json) process.stdout.write(`${JSON.stringify({ command: 'verify', valid, keySpec: publicKey.keySpec, signingAlgorithm: alg, messageType })}\n`);
  else process.stdout.write(`${valid ? 'valid' : 'INVALID'}: ${alg} signature, ${publicKey.keySpec} key, ${messageType} message\n`);
  return valid ? EXIT.OK : EXIT.INVALID_SIGNATURE;
}

/** The most `re-encrypt` reads: it holds the message (one-shot `reEncrypt`), at most 4 GiB − 1 as the API. */
const REENCRYPT_MAX_BYTES = 2 ** 32 - 1;

/**
 * re-encrypt: `EnvelopeClient#reEncrypt`. The keys (unprefixed options) open the data key; the `--to-…` keys wrap
 * it in the new message. The whole original authenticates first; nothing is written otherwise.
 * @param {string[]} args @param {AbortSignal} signal
 */
async function reEncrypt(args, signal) {
  const to = /** @type {Record<`to-${keyof typeof KEYS}`, (typeof KEYS)[keyof typeof KEYS]>} */ (Object.fromEntries(Object.entries(KEYS).map(([k, o]) => [`to-${k}`, o])));
  const { values: v } = parseArgs({ args, options: { ...COMMON, ...KEYS, ...to, ...MESSAGE }, strict: true, allowPositionals: false });
  if (v.help) { process.stdout.write(HELP); return EXIT.OK; }
  const toStdout = v.output === undefined || v.output === '-';
  if (v.json && toStdout) throw usage('--json prints the summary on stdout: give the data an -o FILE');
  const ec = encryptionContext(v['encryption-context']);
  /** @type {Record<string, any>} */ const from = {};
  /** @type {Record<string, any>} */ const next = {};
  for (const [k, val] of Object.entries(v)) {
    if (k.startsWith('to-')) next[k.slice(3)] = val;
    else from[k] = val;
  }
  if (Object.keys(next).length === 0) throw usage('re-encrypt needs the new keys: --to-broker URL --to-key-id ID, --to-aes-key FILE, or --to-rsa-public-key FILE');
  const client = await clientFrom(from, 'decrypt');
  let keyring;
  try {
    keyring = await keyringFrom(next, 'encrypt');
  } catch (e) {
    if (e instanceof CliError) e.message = `the new keys (--to-…): ${e.message}`;
    throw e;
  }
  const input = await openInput(v.input);
  if (input.size !== undefined && input.size > REENCRYPT_MAX_BYTES) {
    await input.close();
    throw new EdgeKmsError('LIMIT_EXCEEDED', `re-encrypt holds the message in memory: at most ${REENCRYPT_MAX_BYTES} bytes`);
  }
  const chunks = [];
  let length = 0;
  try {
    for await (const chunk of input.stream) {
      length += chunk.length;
      if (length > REENCRYPT_MAX_BYTES) throw new EdgeKmsError('LIMIT_EXCEEDED', `re-encrypt holds the message in memory: at most ${REENCRYPT_MAX_BYTES} bytes`);
      chunks.push(chunk);
    }
  } finally {
    await input.close();
  }
  const t0 = Date.now();
  const message = await client.reEncrypt(Buffer.concat(chunks, length), {
    keyring, encryptionContext: ec, signal, ...(v['require-signature'] ? { requireSignature: true } : {}),
  });
  if (toStdout) {
    await new Promise((ok, fail) => process.stdout.write(message, (e) => (e ? fail(e) : ok(undefined))));
  } else {
    let file;
    try {
      file = await atomicFile(/** @type {string} */ (v.output), { mode: 0o666 });
    } catch (e) {
      throw new CliError('IO', `cannot write ${v.output}: ${/** @type {any} */ (e).code ?? 'error'}`);
    }
    try {
      await pipeline([message], file.stream);
      await file.commit();
    } catch (e) {
      await file.discard();
      throw e;
    }
  }
  if (v.json) {
    process.stdout.write(`${JSON.stringify({ command: 're-encrypt', input: input.name, output: v.output, messageBytes: length, newMessageBytes: message.length, requiredEncryptionContext: ec, seconds: (Date.now() - t0) / 1000 })}\n`);
  }
  return EXIT.OK;
}

/** The error's code: the library's, the command line's, or IO for a system error. @param {any} e */
function codeOf(e) {
  if (e instanceof EdgeKmsError || e?.name === 'EdgeKmsError') return e.code;
  if (e instanceof CliError) return e.code;
  if (typeof e?.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) return 'USAGE';
  if (e?.name === 'AbortError') return 'ABORTED';
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) return 'IO'; // EPIPE, ENOSPC, EACCES, …
  return 'INTERNAL';
}

/** @param {string[]} argv */
export async function main(argv) {
  const [command, ...args] = argv;
  const ac = new AbortController();
  const interrupted = (/** @type {number} */ status) => () => {
    ac.abort();
    removePendingSync();
    process.exit(status);
  };
  process.once('SIGINT', interrupted(EXIT.INTERRUPTED));
  process.once('SIGTERM', interrupted(143));
  const json = args.includes('--json');
  try {
    switch (command) {
      case 'encrypt': case 'decrypt': return await seal(command, args, ac.signal);
      case 're-encrypt': return await reEncrypt(args, ac.signal);
      case 'inspect': return await inspect(args);
      case 'verify': return await verify(args);
      case '--version': case '-v': {
        const pkg = JSON.parse(await readFile(createRequire(import.meta.url).resolve('edge-kms/package.json'), 'utf8'));
        process.stdout.write(`edge-kms ${pkg.version}\n`);
        return EXIT.OK;
      }
      case undefined: case '--help': case '-h': case 'help':
        process.stdout.write(HELP);
        return command === undefined ? EXIT.USAGE : EXIT.OK;
      default:
        throw usage(`unknown command "${command}" (encrypt, decrypt, re-encrypt, inspect, verify)`);
    }
  } catch (e) {
    const code = codeOf(e);
    const exitCode = EXIT[classOf(code)];
    // Library messages never hold key material or plaintext; an unexpected error is reported by its name only.
    const message = code === 'INTERNAL' && !(e instanceof EdgeKmsError) ? `unexpected ${/** @type {any} */ (e)?.name ?? 'error'}` : String(/** @type {any} */ (e)?.message ?? e);
    process.stderr.write(`edge-kms ${command ?? ''}: ${code}: ${message}\n`);
    if (json) process.stdout.write(`${JSON.stringify({ command, error: { code, exitCode, message } })}\n`);
    return exitCode;
  }
}

process.exitCode = await main(process.argv.slice(2));
