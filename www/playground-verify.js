// Playground, second half: verify a KMS signature offline with
// verifyKmsSignature, from a pasted key or one the dev KMS signs with
// (the broker's /public-key and /sign), and flip a bit to see false.
import { BrokerKeyring, verifyKmsSignature } from 'edge-kms';
import { el } from './ui.js';
import { utf8, toBase64, fromBase64, fromHex, toPem, hexByte, verdict, errorView, busy, field } from './playground-common.js';

const SIGNING_ALGORITHMS = {
  ECDSA: ['ECDSA_SHA_256', 'ECDSA_SHA_384', 'ECDSA_SHA_512'],
  'RSA PSS': ['RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512'],
  'RSA PKCS #1 v1.5': ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512'],
  'ML-DSA': ['ML_DSA_SHAKE_256'],
  Ed25519: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'],
};

/** The dev KMS's signing keys (createDevKms's defaults), by alias. */
const DEV_SIGNING_KEYS = [
  ['alias/sign-ecc-nist-p256', 'ECC_NIST_P256'],
  ['alias/sign-ecc-nist-p384', 'ECC_NIST_P384'],
  ['alias/sign-ecc-nist-p521', 'ECC_NIST_P521'],
  ['alias/sign-ecc-secg-p256k1', 'ECC_SECG_P256K1 (secp256k1)'],
  ['alias/sign-rsa-2048', 'RSA_2048'],
];

/** The signature form: paste or fetch a key, verify, flip a bit. `say` announces a status line. */
export function mountSignatures(root, say, endpoint) {
  const pubkey = el('textarea', { id: 'pg-pubkey', rows: '5', spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off', class: 'mono', placeholder: '-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----' });
  const message = el('textarea', { id: 'pg-sig-message', rows: '2', spellcheck: 'false' }, 'Pay 100 EUR to account 42');
  const encoding = el('select', { id: 'pg-sig-encoding' },
    el('option', { value: 'utf8' }, 'Text (UTF-8)'), el('option', { value: 'hex' }, 'Hex'), el('option', { value: 'base64' }, 'Base64'));
  const messageType = el('select', { id: 'pg-sig-type' },
    el('option', { value: 'RAW' }, 'RAW: the message itself'), el('option', { value: 'DIGEST' }, 'DIGEST: its hash, computed by you'));
  const algorithm = el('select', { id: 'pg-sig-alg' }, ...Object.entries(SIGNING_ALGORITHMS).map(([group, algs]) =>
    el('optgroup', { label: group }, ...algs.map((a) => el('option', { value: a }, a)))));
  const signature = el('textarea', { id: 'pg-signature', rows: '3', spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off', class: 'mono' });
  const verifyButton = el('button', { type: 'submit', class: 'primary', id: 'pg-verify' }, 'Verify');
  const flipButton = el('button', { type: 'button', class: 'secondary', id: 'pg-flip' }, 'Flip a bit of the signature');
  const signKey = el('select', { id: 'pg-sign-key' }, ...DEV_SIGNING_KEYS.map(([alias, spec]) => el('option', { value: alias }, `${alias} (${spec})`)));
  const signButton = el('button', { type: 'button', class: 'secondary', id: 'pg-sign' }, 'Ask the dev KMS to sign');
  const result = el('div', { id: 'pg-verify-result', class: 'pg-result' });

  const form = el('form', { id: 'pg-verify-form', class: 'pg-form', novalidate: '' },
    el('div', { class: 'dev-sign' },
      field('Dev KMS signing key', signKey, 'Fetches its public key (/kms/public-key) and has it sign the message below (/kms/sign, dev KMS only).'),
      el('div', { class: 'buttons' }, signButton)),
    field('Public key (PEM, or base64 of the DER SubjectPublicKeyInfo)', pubkey, null, 'field wide'),
    el('div', { class: 'pg-grid' },
      field('Signing algorithm', algorithm),
      field('Message type', messageType),
      field('Message encoding', encoding)),
    field('Message', message, null, 'field wide'),
    field('Signature (base64, as KMS Sign returns it)', signature, null, 'field wide'),
    el('div', { class: 'buttons' }, verifyButton, flipButton),
    result,
  );

  root.append(
    el('h3', { id: 'pg-verify-h' }, 'Verify a KMS signature'),
    el('p', {}, el('code', {}, 'verifyKmsSignature'), ' checks a signature made by KMS ', el('code', {}, 'Sign'),
      ' offline, in this page, with the key\'s public half: no KMS call, no AWS credentials. Paste your own, or let the dev KMS sign.'),
    form,
  );

  const clear = () => { result.replaceChildren(); delete result.dataset.verdict; };
  for (const c of [pubkey, message, encoding, messageType, algorithm, signature]) c.addEventListener('input', clear);


  const fail = (msg, control) => {
    result.dataset.verdict = 'error';
    result.replaceChildren(verdict(false, msg));
    say(msg);
    control?.setAttribute('aria-invalid', 'true');
    control?.focus();
  };

  /** The message bytes as the encoding says; null (and a shown error) if they do not decode. */
  function messageBytes() {
    message.removeAttribute('aria-invalid');
    if (encoding.value === 'utf8') return utf8.encode(message.value);
    const b = encoding.value === 'hex' ? fromHex(message.value) : fromBase64(message.value);
    if (!b) fail(`The message is not ${encoding.value === 'hex' ? 'hex' : 'base64'} text.`, message);
    return b;
  }

  /** Verifies what the form holds; `context` (a sentence) is shown above the verdict. */
  async function verify(context) {
    const lead = context ? [el('p', { class: 'note', id: 'pg-verify-context' }, context)] : [];
    for (const c of [pubkey, signature]) c.removeAttribute('aria-invalid');
    if (pubkey.value.trim() === '') return fail('Paste a public key first, or ask the dev KMS to sign.', pubkey);
    const msg = messageBytes();
    if (!msg) return undefined;
    const sig = fromBase64(signature.value);
    if (!sig || sig.length === 0) return fail('The signature is not base64 text.', signature);
    try {
      const ok = await verifyKmsSignature({ publicKey: pubkey.value.trim(), signingAlgorithm: algorithm.value, message: msg, messageType: messageType.value, signature: sig });
      result.dataset.verdict = ok ? 'valid' : 'invalid';
      const text = ok
        ? `Valid: ${algorithm.value} over this ${messageType.value === 'RAW' ? 'message' : 'digest'} was signed by the private half of this key.`
        : 'Invalid: this signature was not made by this key over this message with this algorithm.';
      result.replaceChildren(...lead, el('p', { class: `verdict ${ok ? 'ok' : 'bad'}` }, ok ? '✓ ' : '✗ ', el('code', { id: 'pg-verdict' }, String(ok)), ' ', el('span', { class: 'reason' }, text)));
      say(`${ok ? 'true' : 'false'}. ${text}`);
    } catch (e) {
      result.dataset.verdict = 'error';
      const v = errorView(e, 'Cannot verify');
      result.replaceChildren(...lead, v.node);
      say(v.text);
    }
    return undefined;
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(verifyButton, () => verify());
  });

  flipButton.addEventListener('click', () => busy(flipButton, async () => {
    const sig = fromBase64(signature.value);
    if (!sig || sig.length === 0) return fail('There is no signature to change: paste one, or ask the dev KMS to sign.', signature);
    // The lowest bit of the last byte: inside the value (RSA) or the DER integer s (ECDSA), so the
    // signature stays well formed and the answer is a plain false, not a parse error.
    sig[sig.length - 1] ^= 0x01;
    signature.value = toBase64(sig);
    await verify(`Flipped the lowest bit of the signature's last byte (byte ${sig.length - 1}): ${hexByte(sig[sig.length - 1] ^ 0x01)} → ${hexByte(sig[sig.length - 1])}.`);
    return undefined;
  }));

  signButton.addEventListener('click', () => busy(signButton, async () => {
    const keyId = signKey.value;
    const msg = messageBytes();
    if (!msg) return;
    if (msg.length < 1 || msg.length > 4096) return fail('KMS signs RAW messages of 1 to 4096 bytes.', message);
    try {
      const pk = await new BrokerKeyring({ endpoint, keyId }).getPublicKey();
      const alg = pk.signingAlgorithms.includes(algorithm.value) ? algorithm.value : pk.signingAlgorithms[0];
      const res = await fetch(`${endpoint}/sign`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ keyId, message: toBase64(msg), messageType: 'RAW', signingAlgorithm: alg }),
      });
      const body = await res.json().catch(() => null);
      if (!res.ok || typeof body?.signature !== 'string') {
        const code = body?.error?.code;
        throw Object.assign(new Error(code ? `The dev KMS refused to sign (${code}).` : 'The broker did not answer with a signature.'), { code: res.ok ? 'MALFORMED_RESPONSE' : res.status >= 500 ? 'BROKER_UNAVAILABLE' : code ?? 'BAD_REQUEST' });
      }
      pubkey.value = toPem(pk.publicKey);
      algorithm.value = alg;
      messageType.value = 'RAW';
      signature.value = body.signature;
      await verify(`The dev KMS signed the message with ${keyId} (${pk.keySpec}, ${alg}); the form now holds its public key and signature.`);
    } catch (e) {
      result.dataset.verdict = 'error';
      const v = errorView(e.code === undefined && e instanceof TypeError ? { code: 'BROKER_UNAVAILABLE' } : e, 'The dev KMS did not sign');
      result.replaceChildren(v.node);
      say(v.text);
    }
  }));
}
