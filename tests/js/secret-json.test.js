// Data keys cross the broker protocol as base64 inside JSON. BrokerKeyring
// handles those bodies as bytes so the key never becomes a (non-wipeable) JS
// string: these tests check the byte-level JSON splicing and parsing, and
// that the buffers which held a key are zero after the call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonWithSecret, parseWithSecret } from '../../pkg/secret-json.js';
import { BrokerKeyring } from 'edge-kms';

const utf8 = new TextEncoder();
const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
const b64 = Buffer.from(key).toString('base64');
const arn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

test('jsonWithSecret writes the same JSON as JSON.stringify, secret first', () => {
  const ec = { plaintext: '', tenant: 'ä "quoted" \\ x' }; // a context key named like the secret field
  const out = jsonWithSecret({ keyId: 'alias/a', encryptionContext: ec }, 'plaintext', key);
  assert.ok(out instanceof Uint8Array);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(out)), { plaintext: b64, keyId: 'alias/a', encryptionContext: ec });
  assert.deepEqual(JSON.parse(new TextDecoder().decode(jsonWithSecret({}, 'plaintext', key))), { plaintext: b64 });
});

test('parseWithSecret decodes the top-level field from bytes and wipes the input', () => {
  for (const text of [
    `{"keyId":"${arn}","plaintext":"${b64}","ciphertextBlob":"AAAA"}`,
    `{ "nested": { "plaintext": "AAAA" }, "plaintext" :\n "${b64}" , "keyId": "${arn}" }`,
    `{"keyId":"plaintext","x":["plaintext",{"plaintext":"AAAA"}],"plaintext":"${b64}"}`,
  ]) {
    const raw = utf8.encode(text);
    const { value, secret } = parseWithSecret(raw, 'plaintext');
    assert.deepEqual(secret, key, text);
    assert.ok(raw.every((b) => b === 0), 'the body bytes are wiped');
    assert.equal(typeof value.plaintext, 'string');
    assert.ok(!value.plaintext.includes(b64.slice(0, 8)), 'the parsed object holds no copy of the key');
  }
});

test('parseWithSecret refuses a duplicated, escaped, non-string or non-base64 secret', () => {
  for (const text of [
    `{"plaintext":"${b64}","plaintext":"${b64}"}`,
    `{"plaintext":"AA\\u0041A"}`,
    '{"plaintext":12}',
    '{"plaintext":"not base64!"}',
    '{"keyId":"x"}',
  ]) {
    const { secret } = parseWithSecret(utf8.encode(text), 'plaintext');
    assert.equal(secret, null, text);
  }
});

test('BrokerKeyring sends and receives data keys as bytes, and zero-fills its buffers', async () => {
  const sent = [];
  const answers = [];
  const fetch = async (url, init) => {
    const body = JSON.parse(typeof init.body === 'string' ? init.body : new TextDecoder().decode(init.body));
    if (url.endsWith('/encrypt')) {
      if (!(init.body instanceof Uint8Array)) return new Response('a request holding a key must be bytes', { status: 400 });
      sent.push(init.body);
      assert.equal(body.plaintext, b64);
      return Response.json({ keyId: arn, ciphertextBlob: 'AQID' });
    }
    const answer = utf8.encode(JSON.stringify({ keyId: arn, plaintext: b64, ciphertextBlob: 'AQID' }));
    answers.push(answer);
    return new Response(answer, { headers: { 'content-type': 'application/json' } });
  };
  const keyring = new BrokerKeyring({ endpoint: 'http://127.0.0.1:9/kms', keyId: arn, fetch });
  const wrapped = await keyring.encryptDataKey({ plaintext: key.slice(), encryptionContext: { a: 'b' } });
  assert.deepEqual([...wrapped.ciphertextBlob], [1, 2, 3]);
  assert.ok(sent[0].every((b) => b === 0), 'the request body that held the key is wiped after the call');
  const generated = await keyring.generateDataKey({ encryptionContext: { a: 'b' }, numberOfBytes: 32 });
  assert.deepEqual(generated.plaintext, key);
  const opened = await keyring.decryptDataKey({ keyId: arn, ciphertextBlob: new Uint8Array([1, 2, 3]), encryptionContext: { a: 'b' } });
  assert.deepEqual(opened.plaintext, key);
});
