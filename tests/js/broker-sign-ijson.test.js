// The broker's Sign shows `authorize` the decoded claims of a JWS signing input
// and refuses inputs that verifiers could read differently (sign-jwt.test.js:
// duplicates, lenient base64, crit/b64). These are the JSON readings that
// differ between JSON.parse (what authorize sees) and other verifiers'
// readers, refused as I-JSON (RFC 7493) refuses them:
// - integers beyond 2^53 (JSON.parse rounds them; Python, Go int64 and Rust
//   serde_json keep them exact: authorize would approve `uid` 2^53 while
//   those verifiers read 2^53 + 1), shown first against python3's json;
// - a member named `__proto__` (JSON.parse makes it an own property, so
//   authorize sees no `admin` claim; a consumer that copies the claims with
//   Object.assign gets `admin: true` through the prototype);
// - lone surrogate escapes (JS keeps them, Go reads U+FFFD, serde_json refuses);
// - members whose names differ only in case (Go's encoding/json fills a
//   struct field from the last case-insensitive match: golang-jwt reads
//   `{"sub":"alice","SUB":"admin"}` as sub "admin").
// A python3 on PATH (pkg-scripts/setup) shows the Python readings. About 1 s.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { BrokerKeyring } from 'edge-kms';
import { createBroker, createDevKms, signingAlias } from 'edge-kms/broker';
import { rejectsCode } from './broker-helpers.js';

const b64url = (s) => Buffer.from(s).toString('base64url');
const enc = (s) => new TextEncoder().encode(s);
const H = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT' }));

let dev;
before(async () => {
  dev = await createDevKms({ signingKeys: ['ECC_NIST_P256'], encryptionKeys: [] });
});

function setup() {
  const seen = [], signs = [];
  const port = { call: (op, input) => { if (op === 'Sign') signs.push(input); return dev.call(op, input); } };
  const broker = createBroker({
    kms: port,
    keyIds: [signingAlias('ECC_NIST_P256')],
    sign: true,
    authorize: (_request, _operation, _keyId, _ec, details) => { seen.push(details); return true; },
  });
  const keyring = new BrokerKeyring({
    endpoint: 'https://broker.test/kms', keyId: signingAlias('ECC_NIST_P256'), retries: 0,
    fetch: (url, init) => broker.fetch(new Request(url, init)),
  });
  return { keyring, seen, signs };
}

test('the cases are real differentials: python3 json and Object.assign read other claims than JSON.parse', () => {
  const big = '{"uid":9007199254740993}';
  assert.equal(JSON.parse(big).uid, 9007199254740992);
  const py = execFileSync('python3', ['-c', 'import json,sys; print(json.loads(sys.argv[1])["uid"])', big], { encoding: 'utf8' }).trim();
  assert.equal(py, '9007199254740993');
  const proto = JSON.parse('{"sub":"alice","__proto__":{"admin":true}}');
  assert.equal(proto.admin, undefined); // what authorize would see
  assert.equal(Object.assign({}, proto).admin, true); // what a consumer copying the claims sees
});

test('integers JSON.parse cannot hold exactly, __proto__ members, case-insensitive duplicates and lone surrogates are refused before authorize and KMS', async () => {
  const { keyring, seen, signs } = setup();
  const cases = {
    'integer 2^53 + 1': `${H}.${b64url('{"sub":"alice","uid":9007199254740993}')}`,
    'negative integer beyond 2^53': `${H}.${b64url('{"sub":"alice","uid":-9007199254740993}')}`,
    'nested 20-digit integer': `${H}.${b64url('{"sub":"alice","ids":[1,{"n":12345678901234567890}]}')}`,
    '__proto__ claim': `${H}.${b64url('{"sub":"alice","__proto__":{"admin":true}}')}`,
    'escaped __proto__ claim': `${H}.${b64url('{"sub":"alice","\\u005f_proto__":{"admin":true}}')}`,
    'nested __proto__': `${H}.${b64url('{"sub":"alice","ctx":{"__proto__":{"role":"admin"}}}')}`,
    '__proto__ in the header': `${b64url('{"alg":"ES256","__proto__":{"crit":["exp"]}}')}.${b64url('{"sub":"alice"}')}`,
    // Go's encoding/json fills a struct field from any case-insensitive match of its
    // name, the last one winning (golang/go#43664): golang-jwt's RegisteredClaims reads sub "admin"
    'case-insensitive duplicate claim': `${H}.${b64url('{"sub":"alice","SUB":"admin"}')}`,
    'Unicode-folded duplicate claim (ſ is s to Go)': `${H}.${b64url('{"sub":"alice","\u017fub":"admin"}')}`,
    'nested case-insensitive duplicate': `${H}.${b64url('{"sub":"alice","ctx":{"role":"user","Role":"admin"}}')}`,
    'lone high surrogate': `${H}.${b64url('{"sub":"alice\\ud800"}')}`,
    'lone low surrogate in a name': `${H}.${b64url('{"sub":"alice","r\\udc00":1}')}`,
  };
  for (const [what, input] of Object.entries(cases)) {
    const err = await rejectsCode(keyring.sign({ message: enc(input), signingAlgorithm: 'ECDSA_SHA_256' }), 'BAD_REQUEST');
    assert.equal(err.kmsCode, 'BadRequest', what);
  }
  assert.equal(seen.length, 0, 'authorize was never asked');
  assert.equal(signs.length, 0, 'KMS signed nothing');
});

test('a header part with characters outside base64 is still a JWS to lenient readers: refused, not opaque', async () => {
  const { keyring, seen, signs } = setup();
  const body = b64url('{"sub":"admin"}');
  const cases = {
    '"!" inside the header part': `${H.slice(0, 4)}!${H.slice(4)}.${body}`,
    'a leading "~"': `~${H}.${body}`,
    'a non-ASCII letter': `${H.slice(0, 8)}é${H.slice(8)}`.concat(`.${body}`),
    'JSON whitespace before the header object': `${b64url(' {"alg":"ES256"}')}!.${body}`,
  };
  // Python's base64 skips the stray characters too, and its json reads UTF-16 with a BOM (PyJWT's decoding)
  // (36 bytes: 48 characters, and four stray ones keep PyJWT's padding arithmetic whole)
  const utf16 = `${Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"alg":"ES256"}  ', 'utf16le')]).toString('base64url')}!!!!.${body}`;
  const py = execFileSync('python3', ['-c', 'import base64,json,sys; h=sys.argv[1].split(".")[0]; print(json.loads(base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)))["alg"])', utf16], { encoding: 'utf8' }).trim();
  assert.equal(py, 'ES256');
  const all = { ...cases, 'UTF-16 with a BOM, a stray character (Python)': utf16 };
  for (const [what, input] of Object.entries(all)) {
    if (what.startsWith('UTF-16')) {
      const err = await rejectsCode(keyring.sign({ message: enc(input), signingAlgorithm: 'ECDSA_SHA_256' }), 'BAD_REQUEST');
      assert.equal(err.kmsCode, 'BadRequest', what);
      continue;
    }
    // Node's Buffer (what jose 4's Node build and other verifiers decode with) skips the
    // stray characters and reads the JWS header: the signing input is a token to them
    const header = JSON.parse(Buffer.from(input.split('.')[0], 'base64url').toString());
    assert.equal(header.alg, 'ES256', what);
    const err = await rejectsCode(keyring.sign({ message: enc(input), signingAlgorithm: 'ECDSA_SHA_256' }), 'BAD_REQUEST');
    assert.equal(err.kmsCode, 'BadRequest', what);
  }
  assert.equal(seen.length, 0, 'authorize was never asked');
  assert.equal(signs.length, 0, 'KMS signed nothing');
  // text that no reader decodes to a JSON object before its first dot stays opaque
  for (const opaque of ['plain text, no base64 before a dot. Really.', 'v1!abc.def', 'e30!x']) {
    await keyring.sign({ message: enc(opaque), signingAlgorithm: 'ECDSA_SHA_256' });
    assert.equal(seen.at(-1).sign.jws, null, opaque);
  }
});

test('numbers every reader reads alike, "__proto__" as a value and surrogate pairs still sign', async () => {
  const { keyring, seen, signs } = setup();
  const payload = '{"sub":"__proto__","uid":9007199254740991,"neg":-9007199254740991,"f":1.5e300,"big":1e21,"zero":-0,"emoji":"\\ud83d\\ude00"}';
  await keyring.sign({ message: enc(`${H}.${b64url(payload)}`), signingAlgorithm: 'ECDSA_SHA_256' });
  assert.equal(signs.length, 1);
  const claims = seen.at(-1).sign.jws.payload;
  assert.deepEqual([claims.sub, claims.uid, claims.emoji], ['__proto__', 9007199254740991, '😀']);
});
