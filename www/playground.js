// The playground: seal and open text through the demo broker (BrokerKeyring →
// /kms → the development KMS), look inside the sealed message with
// parseMessage, tamper with one byte and watch it refuse; verify KMS
// signatures offline, with a key you paste or one the dev KMS signs with.
// Everything runs the real package; nothing here does cryptography itself.
import { EnvelopeClient, BrokerKeyring, parseMessage, verifyKmsSignature, DEFAULT_FRAME_LENGTH } from 'edge-kms';
import { el, count } from './ui.js';

const SUITE_OPTIONS = [
  {
    value: 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384',
    label: 'Signed',
    detail: 'AES-256-GCM, key commitment, and an ECDSA P-384 signature in the footer (the default)',
  },
  {
    value: 'AES_256_GCM_HKDF_SHA512_COMMIT_KEY',
    label: 'Unsigned',
    detail: 'AES-256-GCM with key commitment; smaller and faster, for when every reader is also trusted to write',
  },
];

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

/** One human sentence per error code the playground can meet; the code itself is always shown beside it. */
const SENTENCES = {
  TAMPERED: 'The message changed after it was sealed: a frame tag, the header tag, the key commitment or the footer signature did not verify.',
  MALFORMED_MESSAGE: 'This is not a well-formed AWS Encryption SDK message, or the change broke its structure.',
  UNSUPPORTED_ALGORITHM: 'The message names an algorithm suite (or the key an algorithm) that is not accepted here.',
  ENCRYPTION_CONTEXT_MISMATCH: 'The message does not carry every encryption-context pair you required.',
  INVALID_ENCRYPTION_CONTEXT: 'The encryption context was refused: keys starting with aws-crypto- are reserved for the library, and the context has size limits.',
  COMMITMENT_POLICY_VIOLATION: 'The message is not key-committing, and this client requires commitment.',
  TOO_MANY_ENCRYPTED_DATA_KEYS: 'The message has more encrypted data keys than this client accepts.',
  NO_DECRYPTABLE_DATA_KEY: 'None of the message\'s encrypted data keys could be decrypted with this keyring.',
  KEYRING_CANNOT_DECRYPT: 'This keyring cannot decrypt any of the message\'s encrypted data keys.',
  INVALID_ARGUMENT: 'An input was refused before anything was sent.',
  LIMIT_EXCEEDED: 'An input is larger than the limits allow.',
  INVALID_CIPHERTEXT: 'KMS refused the encrypted data key: it was changed, or the encryption context is not the one it was sealed with.',
  INCORRECT_KEY: 'The encrypted data key belongs to another KMS key.',
  NOT_FOUND: 'The broker does not serve this KMS key, or the key does not exist.',
  ACCESS_DENIED: 'The broker refused the call.',
  KMS_KEY_DISABLED: 'The KMS key is disabled.',
  KMS_INVALID_STATE: 'The KMS key is not in a state that allows this (pending deletion or import).',
  INVALID_KEY_USAGE: 'The KMS key is not for this operation (a signing key cannot make data keys, and so on).',
  THROTTLED: 'KMS is throttling requests; try again in a moment.',
  BROKER_UNAVAILABLE: 'The broker did not answer. The playground needs the demo server: run pkg-scripts/demo and open the page it prints.',
  BAD_REQUEST: 'The broker refused the request. If this page is not served by pkg-scripts/demo, there is no broker at /kms.',
  MALFORMED_RESPONSE: 'The broker answered something that is not the broker protocol. If this page is not served by pkg-scripts/demo, there is no broker at /kms.',
  TIMEOUT: 'The broker did not answer in time.',
  MALFORMED_PUBLIC_KEY: 'The public key is not a DER SubjectPublicKeyInfo (a PEM "PUBLIC KEY" block, or its base64).',
  KEY_ALGORITHM_MISMATCH: 'This key cannot be used with that signing algorithm (for example a P-256 key with ECDSA_SHA_384, or an RSA key with ECDSA).',
  INVALID_DIGEST_LENGTH: 'A DIGEST message must be exactly as long as the algorithm\'s hash (32 bytes for SHA-256, 48 for SHA-384, 64 for SHA-512).',
  MESSAGE_TOO_LONG: 'KMS signs RAW messages of at most 4096 bytes; hash longer ones yourself and use DIGEST.',
  MALFORMED_SIGNATURE: 'The signature is not well formed (ECDSA signatures are DER, as KMS returns them).',
  ENGINE_UNAVAILABLE: 'This runtime\'s WebCrypto cannot do that.',
  WASM_LOAD_FAILED: 'The edge-kms WebAssembly core did not load.',
};

// ─────────────────────────────── small helpers

const utf8 = new TextEncoder();

/** Standard base64 of bytes. */
export function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Bytes of standard base64 text (whitespace ignored); null if it is not base64. */
export function fromBase64(text) {
  const t = text.replace(/\s+/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(t)) return null;
  const s = atob(t);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Bytes of hex text (whitespace and colons ignored); null if it is not hex. */
export function fromHex(text) {
  const t = text.replace(/[\s:]+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(t)) return null;
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const hexByte = (b) => `0x${b.toString(16).padStart(2, '0')}`;

/** PEM "PUBLIC KEY" text of DER SPKI bytes. */
export function toPem(der) {
  const lines = toBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----`;
}

/** UTF-8 text of bytes if they are valid UTF-8 without control characters (other than tab and newlines), else null. */
function printable(bytes) {
  try {
    const s = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s) ? null : s;
  } catch {
    return null;
  }
}

const bytesText = (n) => `${count(n)} ${n === 1 ? 'byte' : 'bytes'}`;

/** A result line: ✓ / ✗, a sentence, and the error code when there is one. */
function verdict(ok, text, code) {
  const p = el('p', { class: `verdict ${ok ? 'ok' : 'bad'}` }, ok ? '✓ ' : '✗ ', text);
  if (code) p.append(' ', el('code', { class: 'code' }, code));
  return p;
}

/** The visible form of an error: its code and a sentence (the library's own message when no sentence is known). */
function errorView(e, prefix) {
  const code = typeof e?.code === 'string' ? e.code : null;
  const sentence = (code && SENTENCES[code]) || e?.message || String(e);
  const p = el('p', { class: 'verdict bad', 'data-code': code ?? '' }, '✗ ', prefix ? `${prefix}: ` : '', el('code', { class: 'code' }, code ?? 'ERROR'), ' ', el('span', { class: 'reason' }, sentence));
  return { node: p, text: `${prefix ? `${prefix}: ` : ''}${code ?? 'error'}. ${sentence}` };
}

/**
 * Runs `fn` for `button`, once at a time. The button is marked aria-disabled
 * rather than disabled, so keyboard focus stays on it while the call runs.
 */
async function busy(button, fn) {
  if (button.getAttribute('aria-disabled') === 'true') return;
  button.setAttribute('aria-disabled', 'true');
  button.setAttribute('aria-busy', 'true');
  try { await fn(); } finally { button.removeAttribute('aria-disabled'); button.removeAttribute('aria-busy'); }
}

let uid = 0;

/**
 * An editable list of encryption-context pairs. `read()` returns
 * `{ pairs }` or `{ problem, input }` (the input to focus).
 */
function pairList({ id, legend, help, addLabel, initial, noun = '' }) {
  const Noun = noun ? `${noun[0].toUpperCase()}${noun.slice(1)} ` : '';
  const rows = el('div', { class: 'pair-rows' });
  const empty = el('p', { class: 'hint pair-empty' }, 'No pairs.');
  const add = el('button', { type: 'button', class: 'secondary small', id: `${id}-add` }, addLabel);
  const box = el('fieldset', { class: 'pairs', id, 'aria-describedby': `${id}-help` },
    el('legend', {}, legend),
    el('p', { class: 'help', id: `${id}-help` }, help),
    el('div', { class: 'pair-head', 'aria-hidden': 'true' }, el('span', {}, 'Key'), el('span', {}, 'Value')),
    rows, empty, add);

  const renumber = () => {
    const all = [...rows.children];
    all.forEach((row, i) => {
      row.querySelector('[data-part=key]').setAttribute('aria-label', `${Noun}${Noun ? 'key' : 'Key'} ${i + 1}`);
      row.querySelector('[data-part=value]').setAttribute('aria-label', `${Noun}${Noun ? 'value' : 'Value'} ${i + 1}`);
      row.querySelector('button').setAttribute('aria-label', `Remove ${noun ? `${noun} ` : ''}pair ${i + 1}`);
    });
    empty.hidden = all.length > 0;
  };

  const addRow = (k = '', v = '', focus = false) => {
    const n = ++uid;
    const key = el('input', { type: 'text', id: `${id}-k${n}`, 'data-part': 'key', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off', value: k });
    const value = el('input', { type: 'text', id: `${id}-v${n}`, 'data-part': 'value', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off', value: v });
    const remove = el('button', { type: 'button', class: 'link remove' }, 'Remove');
    const row = el('div', { class: 'pair-row' }, key, value, remove);
    remove.addEventListener('click', () => {
      const next = row.nextElementSibling ?? row.previousElementSibling;
      row.remove();
      renumber();
      (next?.querySelector('[data-part=key]') ?? add).focus();
    });
    for (const input of [key, value]) input.addEventListener('input', () => input.removeAttribute('aria-invalid'));
    rows.append(row);
    renumber();
    if (focus) key.focus();
  };
  add.addEventListener('click', () => addRow('', '', true));
  for (const [k, v] of initial) addRow(k, v);
  renumber();

  return {
    node: box,
    read() {
      const pairs = {};
      for (const row of rows.children) {
        const key = row.querySelector('[data-part=key]');
        const value = row.querySelector('[data-part=value]');
        if (key.value === '' && value.value === '') continue; // an unused row
        if (key.value === '') {
          key.setAttribute('aria-invalid', 'true');
          return { problem: 'An encryption-context key is empty.', input: key };
        }
        if (Object.hasOwn(pairs, key.value)) {
          key.setAttribute('aria-invalid', 'true');
          return { problem: `The key "${key.value}" appears twice: an encryption context is a map.`, input: key };
        }
        Object.defineProperty(pairs, key.value, { value: value.value, enumerable: true, writable: true, configurable: true });
      }
      return { pairs };
    },
  };
}

/** A labelled field: label, optional hint, the control. */
function field(labelText, control, hint, cls = 'field') {
  const hintId = hint ? `${control.id}-hint` : null;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return el('div', { class: cls }, el('label', { for: control.id }, labelText), hint ? el('span', { class: 'hint', id: hintId }, hint) : null, control);
}

// ─────────────────────────────── message inspector

/** A description of what the byte at `offset` belongs to, from what parseMessage reported. */
function regionOf(info, offset) {
  if (!info) return 'the message';
  if (offset < info.headerLength) return `the header (bytes 0–${info.headerLength - 1}: version, suite, message id, encryption context, encrypted data keys, header tag)`;
  if (offset >= info.length) return 'trailing bytes after the message';
  return info.hasSignature ? 'the body (frames) or the footer signature' : 'the body (frames)';
}

function renderInspector(info) {
  const ec = Object.entries(info.encryptionContext);
  const suiteHex = `0x${info.suiteId.toString(16).padStart(4, '0')}`;
  const rows = [
    ['Format version', String(info.version)],
    ['Algorithm suite', el('span', {}, el('code', { 'data-field': 'suite' }, info.suite), ` (${suiteHex})`)],
    ['Key commitment', info.committing ? 'Yes: the header commits to the data key' : 'No (a version 1 message)'],
    ['Message id', el('code', { 'data-field': 'message-id', class: 'hex' }, toHex(info.messageId))],
    ['Body', info.framed
      ? el('span', { 'data-field': 'frames' }, `Framed: ${count(info.frameCount)} ${info.frameCount === 1 ? 'frame' : 'frames'} of up to ${bytesText(info.frameLength)}`)
      : el('span', { 'data-field': 'frames' }, 'Unframed (a legacy body: read only)')],
    ['Footer signature', el('span', { 'data-field': 'signature' }, info.hasSignature ? 'Present: ECDSA P-384, checked against aws-crypto-public-key' : info.signed ? 'Missing' : 'None (unsigned suite)')],
    ['Size', `${bytesText(info.length)}, of which the header is ${bytesText(info.headerLength)}${info.trailingBytes ? `; ${bytesText(info.trailingBytes)} trailing` : ''}`],
  ];
  const edks = info.encryptedDataKeys;
  return el('div', { class: 'inspector', id: 'pg-inspector', 'data-suite': info.suite, 'data-header-length': String(info.headerLength), 'data-length': String(info.length) },
    el('h4', { id: 'pg-inspector-h' }, 'Message inspector'),
    el('p', { class: 'hint' }, 'Read with parseMessage, without any key. Nothing here is authenticated until the message opens.'),
    el('dl', { class: 'parts' }, ...rows.flatMap(([dt, dd]) => [el('dt', {}, dt), el('dd', {}, dd)])),
    el('div', { class: 'table-scroll' },
      el('table', { class: 'kv', id: 'pg-inspector-context' },
        el('caption', {}, `Encryption context: ${ec.length} ${ec.length === 1 ? 'pair' : 'pairs'} (not secret; bound to the message)`),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Key'), el('th', { scope: 'col' }, 'Value'))),
        el('tbody', {}, ...(ec.length ? ec.map(([k, v]) => el('tr', { 'data-key': k },
          el('th', { scope: 'row' }, el('code', {}, k)),
          el('td', {}, el('code', { class: 'hex' }, v),
            k === 'aws-crypto-public-key' ? el('span', { class: 'note' }, ' Added by the signed suite: the compressed P-384 public key that verifies the footer signature.') : null)))
          : [el('tr', {}, el('td', { colspan: '2' }, 'Empty.'))])),
      )),
    el('div', { class: 'table-scroll' },
      el('table', { class: 'kv', id: 'pg-inspector-edks' },
        el('caption', {}, `Encrypted data keys: ${edks.length}`),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, '#'), el('th', { scope: 'col' }, 'Provider id'), el('th', { scope: 'col' }, 'Provider info'), el('th', { scope: 'col', class: 'num' }, 'Ciphertext'))),
        el('tbody', {}, ...edks.map((k, i) => {
          const infoText = printable(k.providerInfo);
          // data-label: the column name, shown beside each cell where the table stacks (narrow screens).
          return el('tr', { 'data-provider-id': k.providerId },
            el('td', { 'data-label': '#' }, String(i + 1)),
            el('td', { 'data-label': 'Provider id' }, el('code', {}, k.providerId)),
            el('td', { 'data-label': 'Provider info' }, infoText !== null ? el('code', { class: 'hex' }, infoText) : el('code', { class: 'hex', title: 'hex' }, toHex(k.providerInfo))),
            el('td', { 'data-label': 'Ciphertext', class: 'num' }, bytesText(k.ciphertext.length)));
        })),
      )),
  );
}

// ─────────────────────────────── seal, inspect, open, tamper

function mountEnvelope(root, say, endpoint, keyId) {
  const keyring = new BrokerKeyring({ endpoint, keyId });

  const plaintext = el('textarea', { id: 'pg-plaintext', rows: '3', spellcheck: 'false' }, 'Hello from the edge: sealed in your browser, the data key from KMS through the broker.');
  const context = pairList({
    id: 'pg-context',
    legend: 'Encryption context',
    help: 'Non-secret pairs bound to the message; KMS sees them with every data key request, and decryption can require them.',
    addLabel: 'Add a pair',
    initial: [['tenant', 'acme'], ['purpose', 'playground']],
  });
  const suites = el('fieldset', { class: 'suite-choice' },
    el('legend', {}, 'Algorithm suite'),
    el('div', { class: 'options' }, ...SUITE_OPTIONS.map((o, i) => el('label', { class: 'option' },
      el('input', { type: 'radio', name: 'pg-suite', value: o.value, ...(i === 0 ? { checked: '' } : {}) }),
      el('span', { class: 'option-text' }, el('span', { class: 'option-label' }, o.label), el('span', { class: 'option-detail' }, o.detail)))),
    ));
  const frameLength = el('input', { type: 'number', id: 'pg-frame-length', min: '1', max: '2147483647', step: '1', value: String(DEFAULT_FRAME_LENGTH), inputmode: 'numeric' });
  const sealButton = el('button', { type: 'submit', class: 'primary', id: 'pg-seal' }, 'Seal');
  const sealResult = el('div', { id: 'pg-seal-result', class: 'pg-result' });
  const sealForm = el('form', { id: 'pg-seal-form', class: 'pg-form', novalidate: '' },
    field('Plaintext', plaintext, null, 'field wide'),
    context.node,
    suites,
    field('Frame length (bytes)', frameLength, 'Plaintext bytes per frame; try 16 to see several frames.'),
    el('div', { class: 'buttons' }, sealButton),
    sealResult,
  );

  const sealed = el('textarea', { id: 'pg-sealed', rows: '5', spellcheck: 'false', autocomplete: 'off', autocapitalize: 'off', class: 'mono', placeholder: 'Seal something above, or paste an AWS Encryption SDK message in base64.' });
  const sealedSize = el('p', { class: 'hint', id: 'pg-sealed-size', 'aria-live': 'off' });
  const inspector = el('div', { id: 'pg-inspector-box' });
  const required = pairList({
    id: 'pg-required',
    legend: 'Require these pairs when opening (optional)',
    help: 'decrypt(message, { encryptionContext }) refuses a message that does not carry every pair listed here.',
    addLabel: 'Add a required pair',
    initial: [],
    noun: 'required',
  });
  const openButton = el('button', { type: 'submit', class: 'primary', id: 'pg-open' }, 'Open');
  const openResult = el('div', { id: 'pg-open-result', class: 'pg-result' });
  const offset = el('input', { type: 'number', id: 'pg-tamper-offset', min: '0', step: '1', value: '0', inputmode: 'numeric' });
  const tamperButton = el('button', { type: 'submit', class: 'secondary', id: 'pg-tamper' }, 'Tamper at this byte');
  const tamperRandom = el('button', { type: 'button', class: 'secondary', id: 'pg-tamper-random' }, 'Tamper at a random byte');
  const tamperResult = el('div', { id: 'pg-tamper-result', class: 'pg-result' });

  const openForm = el('form', { id: 'pg-open-form', class: 'pg-form', novalidate: '' }, required.node, el('div', { class: 'buttons' }, openButton));
  const tamperForm = el('form', { id: 'pg-tamper-form', class: 'tamper-row', novalidate: '' },
    field('Byte offset', offset, null), el('div', { class: 'buttons' }, tamperButton, tamperRandom));
  const sealedBox = el('div', { class: 'pg-form' },
    field('Sealed message (base64)', sealed, null, 'field wide'),
    sealedSize,
    inspector,
    openForm,
    openResult,
    el('h4', { id: 'pg-tamper-h' }, 'Tamper with one byte'),
    el('p', { class: 'help' }, 'Flips the lowest bit of one byte of a copy of the message, then tries to open the copy. Nothing decrypted is released unless every tag, the key commitment and the signature verify.'),
    tamperForm,
    tamperResult,
  );

  root.append(
    el('h3', { id: 'pg-seal-h' }, 'Seal and open'),
    el('p', {}, 'An ', el('code', {}, 'EnvelopeClient'), ' with a ', el('code', {}, `BrokerKeyring({ endpoint: '${endpoint}', keyId: '${keyId}' })`),
      ': the data key comes from the demo broker\'s development KMS, the text is sealed here, in WebAssembly. The message is the AWS Encryption SDK format, so the SDK in any language opens it with the same KMS key.'),
    sealForm,
    sealedBox,
  );

  /** The current sealed message and what parseMessage said about it. */
  let current = { bytes: null, info: null };
  let inspectSeq = 0;

  const suite = () => /** @type {HTMLInputElement} */ (suites.querySelector('input:checked')).value;

  async function inspect() {
    const mine = ++inspectSeq;
    const text = sealed.value.trim();
    if (text === '') {
      current = { bytes: null, info: null };
      sealedSize.textContent = '';
      inspector.replaceChildren();
      sealed.removeAttribute('aria-invalid');
      return;
    }
    const bytes = fromBase64(text);
    if (!bytes) {
      current = { bytes: null, info: null };
      sealedSize.textContent = '';
      sealed.setAttribute('aria-invalid', 'true');
      inspector.replaceChildren(verdict(false, 'This is not base64 text.'));
      return;
    }
    sealed.setAttribute('aria-invalid', 'false');
    sealedSize.textContent = `${bytesText(bytes.length)} (${count(text.replace(/\s+/g, '').length)} characters of base64)`;
    offset.max = String(Math.max(0, bytes.length - 1));
    try {
      const info = await parseMessage(bytes);
      if (mine !== inspectSeq) return;
      current = { bytes, info };
      inspector.replaceChildren(renderInspector(info));
    } catch (e) {
      if (mine !== inspectSeq) return;
      current = { bytes, info: null };
      inspector.replaceChildren(errorView(e, 'The inspector cannot read it').node);
    }
  }
  sealed.addEventListener('input', () => { openResult.replaceChildren(); tamperResult.replaceChildren(); inspect(); });


  sealForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(sealButton, async () => {
      const ec = context.read();
      if (ec.problem) {
        sealResult.replaceChildren(verdict(false, ec.problem));
        say(ec.problem);
        ec.input.focus();
        return;
      }
      const fl = frameLength.valueAsNumber;
      if (!Number.isInteger(fl) || fl < 1 || fl > 2 ** 31 - 1) {
        frameLength.setAttribute('aria-invalid', 'true');
        const msg = 'The frame length must be a whole number from 1 to 2,147,483,647.';
        sealResult.replaceChildren(verdict(false, msg));
        say(msg);
        frameLength.focus();
        return;
      }
      frameLength.setAttribute('aria-invalid', 'false');
      const text = plaintext.value;
      try {
        const client = new EnvelopeClient({ keyring, suite: suite(), frameLength: fl });
        const message = await client.encrypt(text, { encryptionContext: ec.pairs });
        sealed.value = toBase64(message);
        openResult.replaceChildren();
        tamperResult.replaceChildren();
        await inspect();
        const n = utf8.encode(text).length;
        const msg = `Sealed ${bytesText(n)} of plaintext into a ${count(message.length)}-byte message.`;
        sealResult.replaceChildren(verdict(true, msg));
        say(msg);
      } catch (e) {
        const v = errorView(e, 'Sealing failed');
        sealResult.replaceChildren(v.node);
        say(v.text);
      }
    });
  });

  /** Tries to open `bytes`; returns the plaintext or throws the library's error. */
  async function open(bytes) {
    const req = required.read();
    if (req.problem) {
      req.input.focus();
      throw Object.assign(new Error(req.problem), { local: true });
    }
    const client = new EnvelopeClient({ keyring });
    return client.decrypt(bytes, { encryptionContext: req.pairs });
  }

  openForm.addEventListener('submit', (ev) => { ev.preventDefault(); busy(openButton, async () => {
    if (!current.bytes) {
      const msg = 'There is no message to open: seal something first, or paste a message in base64.';
      openResult.replaceChildren(verdict(false, msg));
      say(msg);
      sealed.focus();
      return;
    }
    try {
      const out = await open(current.bytes);
      const text = printable(out.plaintext);
      const shown = text ?? `${bytesText(out.plaintext.length)}, not text: ${toHex(out.plaintext)}`;
      openResult.replaceChildren(
        verdict(true, `Opened: ${bytesText(out.plaintext.length)} of plaintext; every tag${current.info?.hasSignature ? ', the key commitment and the signature' : ' and the key commitment'} verified.`),
        el('div', { class: 'field wide' }, el('span', { class: 'label', id: 'pg-plaintext-out-l' }, 'Plaintext'),
          el('output', { id: 'pg-plaintext-out', class: 'plaintext', 'aria-labelledby': 'pg-plaintext-out-l' }, shown)),
      );
      say(`Opened. Plaintext: ${shown}`);
    } catch (e) {
      const v = e?.local ? { node: verdict(false, e.message), text: e.message } : errorView(e, 'Opening failed');
      openResult.replaceChildren(v.node);
      say(v.text);
    }
  }); });

  async function tamper(at, button) {
    await busy(button, async () => {
      if (!current.bytes) {
        const msg = 'There is no message to tamper with: seal something first.';
        tamperResult.replaceChildren(verdict(false, msg));
        say(msg);
        return;
      }
      const bytes = current.bytes;
      if (!Number.isInteger(at) || at < 0 || at >= bytes.length) {
        offset.setAttribute('aria-invalid', 'true');
        const msg = `Choose a byte offset from 0 to ${bytes.length - 1}.`;
        tamperResult.replaceChildren(verdict(false, msg));
        say(msg);
        offset.focus();
        return;
      }
      offset.setAttribute('aria-invalid', 'false');
      offset.value = String(at);
      const copy = bytes.slice();
      copy[at] ^= 0x01;
      const what = `The byte at offset ${count(at)} (of ${bytesText(bytes.length)}), in ${regionOf(current.info, at)}, changed from ${hexByte(bytes[at])} to ${hexByte(copy[at])}.`;
      tamperResult.dataset.offset = String(at);
      try {
        const out = await open(copy);
        // Not expected: say so plainly rather than hide it.
        tamperResult.replaceChildren(el('p', {}, what), verdict(false, `The tampered copy opened (${bytesText(out.plaintext.length)}). This is a bug; please report it.`));
        tamperResult.dataset.code = 'OPENED';
        say('The tampered copy opened. This is a bug.');
      } catch (e) {
        const v = e?.local ? { node: verdict(false, e.message), text: e.message } : errorView(e, 'Refused');
        tamperResult.dataset.code = e?.code ?? '';
        tamperResult.replaceChildren(el('p', {}, what), v.node,
          el('p', { class: 'released', id: 'pg-released' }, 'Plaintext released: ', el('strong', {}, 'none'), '.'));
        say(`${what} ${v.text} No plaintext was released.`);
      }
    });
  }
  tamperForm.addEventListener('submit', (ev) => { ev.preventDefault(); tamper(offset.valueAsNumber, tamperButton); });
  tamperRandom.addEventListener('click', () => {
    const n = current.bytes?.length ?? 0;
    const r = crypto.getRandomValues(new Uint32Array(1))[0];
    tamper(n ? r % n : 0, tamperRandom);
  });
}

// ─────────────────────────────── signatures

function mountSignatures(root, say, endpoint) {
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

/**
 * Mounts the playground into `root`; `status` is an aria-live region for
 * short announcements. Makes no network call until the user asks for one,
 * so the page stays quiet where no broker runs (e.g. static hosting).
 */
export function mountPlayground(root, status, { endpoint = '/kms', keyId = 'alias/demo' } = {}) {
  const say = (text) => { status.textContent = text; };
  const envelope = el('div', { class: 'pg-panel', id: 'pg-envelope' });
  const signatures = el('div', { class: 'pg-panel', id: 'pg-signatures' });
  root.replaceChildren(
    el('p', { class: 'note pg-needs' }, 'Sealing, opening and "ask the dev KMS" need the demo broker: run ', el('code', {}, 'pkg-scripts/demo'),
      ' and open the page it prints. They send the encryption context, never the plaintext, to that broker on your machine. Signature verification works anywhere, offline.'),
    envelope,
    signatures,
  );
  mountEnvelope(envelope, say, endpoint, keyId);
  mountSignatures(signatures, say, endpoint);
}
