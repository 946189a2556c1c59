// keyTransport 'hpke' on the broker: a recipient public key that is not a
// P-256 point is refused before anything else happens (authorize, rate
// limit, KMS). Before, the broker had KMS generate or decrypt a data key
// first and only then found it could not seal it: a KMS request (in
// CloudTrail, a Decrypt of a real data key) for a request it answered 400.
// Over createBroker and the dev KMS behind a recording port. Well under 1 s.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createBroker, createDevKms } from 'edge-kms/broker';

let dev, blob;
before(async () => {
  dev = await createDevKms({ aliases: ['alias/demo'] });
  blob = (await dev.call('GenerateDataKey', { KeyId: 'alias/demo', NumberOfBytes: 32, EncryptionContext: { tenant: 'acme' } })).CiphertextBlob;
});

function setup() {
  const calls = [], asked = [];
  const broker = createBroker({
    kms: { call: (op, input) => { calls.push(op); return dev.call(op, input); } },
    keyIds: ['alias/demo'],
    keyTransport: 'hpke',
    authorize: (_r, operation) => { asked.push(operation); return true; },
  });
  return { broker, calls, asked };
}

const post = (broker, path, body) => broker.fetch(new Request(`https://broker.test/${path}`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
}));

const recipient = (publicKey) => ({ keyEncryptionAlgorithm: 'HPKE_P256_SHA256_AES256GCM', publicKey: Buffer.from(publicKey).toString('base64'), nonce: Buffer.alloc(16, 9).toString('base64') });

test('a recipient key that is not a P-256 point: 400 BadRequest before authorize and KMS', async () => {
  const offCurve = new Uint8Array(65); offCurve[0] = 4; offCurve[64] = 1; // (0, 1) is not on P-256
  const xTooBig = new Uint8Array(65).fill(0xff); xTooBig[0] = 4; // coordinates ≥ p
  for (const pk of [offCurve, xTooBig]) {
    const { broker, calls, asked } = setup();
    const g = await post(broker, 'generate-data-key', { keyId: 'alias/demo', encryptionContext: { tenant: 'acme' }, numberOfBytes: 32, recipient: recipient(pk) });
    const d = await post(broker, 'decrypt', { keyId: 'alias/demo', ciphertextBlob: Buffer.from(blob).toString('base64'), encryptionContext: { tenant: 'acme' }, recipient: recipient(pk) });
    for (const res of [g, d]) {
      assert.equal(res.status, 400);
      assert.equal((await res.json()).error.code, 'BadRequest');
    }
    assert.deepEqual(asked, [], 'authorize was asked');
    assert.deepEqual(calls.filter((op) => op !== 'DescribeKey'), [], 'KMS made or opened a data key for a request answered 400');
  }
});

test('a real P-256 point still gets its sealed data key', async () => {
  const { broker, calls } = setup();
  const pair = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const pk = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const res = await post(broker, 'generate-data-key', { keyId: 'alias/demo', encryptionContext: { tenant: 'acme' }, numberOfBytes: 32, recipient: recipient(pk) });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(typeof body.ciphertextForRecipient, 'string');
  assert.equal(body.plaintext, undefined);
  assert.ok(calls.includes('GenerateDataKey'));
});
