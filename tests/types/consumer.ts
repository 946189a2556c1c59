// Type-level tests: compiled with `tsc --noEmit` against the built package.
// Each `@ts-expect-error` is an assertion that the types reject a misuse.
import { EdgeKmsError, ERROR_CODES, init, type EdgeKmsErrorCode } from 'edge-kms';
// In a Worker these bundle more WebAssembly modules (README, "Workers"); they export nothing.
import 'edge-kms/rsa';
import 'edge-kms/rare';
import 'edge-kms/jwt';
import 'edge-kms/kms';

await init();
await init(['verify', 'ecdsa', 'rsa', 'rare', 'jwt', 'kms', 'envelope']);
// @ts-expect-error: not a module of the package
await init(['p256']);

const code: EdgeKmsErrorCode = 'TAMPERED';
const all: readonly EdgeKmsErrorCode[] = ERROR_CODES;
void all;

try {
  await init();
} catch (e) {
  if (e instanceof EdgeKmsError) {
    const c: EdgeKmsErrorCode = e.code;
    void c;
  }
}

// @ts-expect-error: not a code edge-kms ever throws
const bad: EdgeKmsErrorCode = 'SOMETHING_ELSE';
void bad;
void code;

// KMS concepts: identifiers and the key-type advisor.
import { parseKeyIdentifier, recommendKeyType, estimateCost, type KeyType } from 'edge-kms';
const id = await parseKeyIdentifier('arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab');
const region: string | null = id.region;
void region;
const rec = await recommendKeyType({ needKeyControl: true, multiRegion: true });
const kt: KeyType = rec.keyType;
void kt;
// @ts-expect-error: purpose is 'encrypt' | 'sign' | 'hmac'
await recommendKeyType({ purpose: 'decrypt' });
const cost = await estimateCost({ keys: 2, requestsPerMonth: 1_000_000, cacheHitRatio: 0.9 });
const total: number = cost.totalUsd;
void total;

// signJwt through the broker, and what the broker's authorize sees of a Sign.
import { signJwt, BrokerKeyring, type SignJwtAlgorithm } from 'edge-kms';
import { createBroker, createDevKms, type SignDetails } from 'edge-kms/broker';
const signingBroker = createBroker({
  kms: await createDevKms(),
  keyIds: ['alias/sign-ecc-nist-p256'],
  sign: true,
  allowUncheckedDigests: false,
  authorize: (_request, operation, _keyId, _ec, details) => {
    const s: SignDetails | undefined = details.sign;
    const sub: unknown = s?.jws?.payload.sub;
    return operation === 'Sign' && sub === 'alice' && s?.message instanceof Uint8Array;
  },
});
const signingKeyring = new BrokerKeyring({ endpoint: 'https://app.example/kms', keyId: 'alias/sign-ecc-nist-p256', fetch: (url, init) => signingBroker.fetch(new Request(url, init)) });
const jwsAlg: SignJwtAlgorithm = 'ES256K';
const token: string = await signJwt({ sub: 'alice' }, { keyring: signingKeyring, alg: 'ES256', header: { kid: 'k1' } });
void token; void jwsAlg;
const raw = await signingKeyring.sign({ message: new Uint8Array(32), messageType: 'DIGEST', signingAlgorithm: 'ECDSA_SHA_256', signingInput: new Uint8Array(8) });
const sigBytes: Uint8Array = raw.signature;
void sigBytes;
// @ts-expect-error: HS256 is not an alg a KMS key makes
await signJwt({ sub: 'alice' }, { keyring: signingKeyring, alg: 'HS256' });
// @ts-expect-error: alg is required
await signJwt({ sub: 'alice' }, { keyring: signingKeyring });

// keyTransport 'hpke': data keys sealed to the client.
const hpkeBroker = createBroker({ kms: await createDevKms(), devMode: true, keyTransport: 'hpke', authorize: (_r, _o, _k, _ec, details) => details.keyTransport === 'hpke' });
const hpkeKeyring = new BrokerKeyring({ endpoint: 'https://app.example/kms', keyId: 'alias/demo', keyTransport: 'hpke', fetch: (url, init) => hpkeBroker.fetch(new Request(url, init)) });
const transport: 'plaintext' | 'hpke' = hpkeKeyring.keyTransport;
const sealedAnswer = await hpkeKeyring.generateDataKey({ recipient: { publicKey: new Uint8Array(65), nonce: new Uint8Array(16) } });
const forRecipient: Uint8Array = sealedAnswer.ciphertextForRecipient;
const plainAnswer = await signingKeyring.generateDataKey();
const plainKey: Uint8Array = plainAnswer.plaintext;
void transport; void forRecipient; void plainKey;
// @ts-expect-error: a sealed answer has no plaintext
void sealedAnswer.plaintext;
// @ts-expect-error: keyTransport is 'plaintext' or 'hpke'
new BrokerKeyring({ endpoint: 'https://app.example/kms', keyId: 'alias/demo', keyTransport: 'tls' });
// @ts-expect-error: the broker's is 'hpke' or 'any'
createBroker({ kms: await createDevKms(), devMode: true, keyTransport: 'plaintext' });

// reEncrypt / reEncryptStream: a keyring is required; the result is bytes / a TransformStream of bytes.
import { EnvelopeClient, RawAesKeyring, MultiKeyring, type ReEncryptOptions } from 'edge-kms';
const oldKey = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'aes-2026-01', wrappingKey: new Uint8Array(32) });
const newKey = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'aes-2026-07', wrappingKey: new Uint8Array(32) });
const rekeyClient = new EnvelopeClient({ keyring: oldKey });
const rekeyed: Uint8Array = await rekeyClient.reEncrypt(new Uint8Array(0), { keyring: new MultiKeyring({ generator: newKey, children: [oldKey] }), encryptionContext: { tenant: 'acme' } });
const rekeyOptions: ReEncryptOptions = { keyring: newKey, requireSignature: true };
const rekeyStream: TransformStream<Uint8Array | ArrayBuffer | ArrayBufferView, Uint8Array> = rekeyClient.reEncryptStream(rekeyOptions);
void rekeyed; void rekeyStream;
// @ts-expect-error: the new keyring is required
await rekeyClient.reEncrypt(new Uint8Array(0), { encryptionContext: { tenant: 'acme' } });
// @ts-expect-error: options are required
rekeyClient.reEncryptStream();
