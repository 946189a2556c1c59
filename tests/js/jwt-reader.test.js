// verifyJwt's JSON reader (the `jwt` module's serde-free reader,
// src/verify/jwt/json.rs) through the package: tokens signed by node:crypto
// (ES256, real signatures) whose header and payload texts are written by hand,
// so that the JSON itself is what is tested. What the reader accepts it hands
// on as JSON.parse reads it; what it refuses is MALFORMED_JWT, never a valid
// token and never another error. The first three refusals were accepted by the
// serde_json reader before it (a null crit, a null exp, a lone surrogate in a
// string it skipped). Runs in Node only (the reader is the same wasm in every
// runtime; verify.suite.js runs verifyJwt everywhere). ~1 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { verifyJwt } from 'edge-kms';

const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const spki = publicKey.export({ type: 'spki', format: 'der' });
const b64 = (s) => Buffer.from(s, 'utf8').toString('base64url');
/** A token over the header and payload texts exactly as given. */
const token = (header, payload) => {
  const input = `${b64(header)}.${b64(payload)}`;
  const sig = crypto.sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
};
const H = '{"alg":"ES256"}';
const opts = { algorithms: ['ES256'] };
const codeOf = (p) => p.then(() => 'valid', (e) => (e?.name === 'EdgeKmsError' ? e.code : `not coded: ${e}`));

test('refused as MALFORMED_JWT: ambiguous or non-JSON headers and payloads (each signed, so only the reader refuses)', async () => {
  const cases = [
    [H.replace('}', ',"crit":null}'), '{}'], // the serde reader took a null crit as absent
    [H, '{"sub":"a","exp":null}'], // ... and a null exp
    [H, '{"sub":"\\ud800"}'], // ... and a lone surrogate in a string it skipped
    [H, '{"sub":["\\udc00x"]}'],
    [H.replace('}', ',"b64":false}'), '{}'],
    ['{"alg":"ES256","al\\u0067":"ES256"}', '{}'],
    [H, '{"exp":1e999}'],
    [H, '{"exp":"1700000000"}'],
    [H, '{"nbf":1,"nbf":2}'],
    [H, '{"sub":"a",}'],
    [H, '{"sub":"a"} x'],
    [H, '{"sub":"a"}{}'],
    [H, '{"n":01}'],
    [H, '{"n":NaN}'],
    [H, '{"s":"tab\tinside"}'],
    [H, '{/*c*/}'],
    [H, '\u00a0{}'],
    [H, '[{}]'],
    [H, `{"deep":${'['.repeat(5000)}${']'.repeat(4999)}}`],
  ];
  for (const [h, p] of cases) {
    assert.equal(await codeOf(verifyJwt(token(h, p), spki, opts)), 'MALFORMED_JWT', `${h} ${p.slice(0, 60)}`);
  }
});

test('accepted: strict JSON of every shape, handed on as JSON.parse reads it', async () => {
  const payloads = [
    '{}',
    ' \t\r\n{ "sub" : "a" , "n":[1,-0,0.5e-3,1E+2,123456789012345678901234567890,1e400] }\n',
    '{"s":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00 é 😀","dup":1,"dup":2,"SUB":"x","sub":"y","__proto__":{"a":1}}',
    `{"deep":${'['.repeat(500)}1${']'.repeat(500)}}`,
    '{"a":{"b":{"c":[true,false,null,{}],"d":""}}}',
  ];
  for (const p of payloads) {
    const r = await verifyJwt(token(H, p), spki, opts);
    assert.equal(r.valid, true, p.slice(0, 60));
    assert.deepEqual(r.payload, JSON.parse(p), p.slice(0, 60));
  }
  const escaped = await verifyJwt(token('{"alg":"ES\\u0032\\u0035\\u0036","typ":"JWT"}', '{}'), spki, opts);
  assert.equal(escaped.valid, true);
  assert.equal(escaped.header.alg, 'ES256');
  // A differently cased name is another member, not alg.
  assert.equal((await verifyJwt(token('{"ALG":"none","alg":"ES256"}', '{}'), spki, opts)).valid, true);
});

test('exp and nbf: the numbers as written (fractions, exponents, long mantissas) against currentDate', async () => {
  const at = (s) => ({ ...opts, currentDate: new Date(s * 1000) });
  const cases = [
    ['{"exp":1700000000}', 1699999999, 'valid'],
    ['{"exp":1700000000}', 1700000000, 'JWT_EXPIRED'],
    ['{"exp":1700000000.5}', 1700000000.25, 'valid'],
    ['{"exp":1700000000.5}', 1700000000.5, 'JWT_EXPIRED'],
    ['{"exp":1.7e9}', 1699999999, 'valid'],
    ['{"exp":17E8}', 1700000000, 'JWT_EXPIRED'],
    ['{"exp":1700000000.0000000001}', 1700000000, 'JWT_EXPIRED'], // rounds to 1.7e9 (as JSON.parse reads it)
    ['{"exp":1733140000.1234567}', 1733140000.125, 'JWT_EXPIRED'],
    ['{"exp":1733140000.1234567}', 1733140000.12, 'valid'],
    ['{"nbf":1700000000,"exp":1800000000}', 1699999999, 'JWT_NOT_YET_VALID'],
    ['{"nbf":1700000000,"exp":1800000000}', 1700000000, 'valid'],
    ['{"nbf":-1e3}', 0, 'valid'],
    ['{"exp":1e307}', 1700000000, 'valid'],
  ];
  for (const [p, now, want] of cases) {
    assert.equal(await codeOf(verifyJwt(token(H, p), spki, at(now))), want, `${p} at ${now}`);
  }
});
