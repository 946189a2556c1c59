// Shared parts of the playground: byte/text conversions for the form fields
// (never cryptography), result and error views, the encryption-context
// editor, labelled fields.
import { el, count } from './ui.js';

/** One human sentence per error code the playground can meet; the code itself is always shown beside it. */
export const SENTENCES = {
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

export const utf8 = new TextEncoder();

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
export const hexByte = (b) => `0x${b.toString(16).padStart(2, '0')}`;

/** PEM "PUBLIC KEY" text of DER SPKI bytes. */
export function toPem(der) {
  const lines = toBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----`;
}

/** UTF-8 text of bytes if they are valid UTF-8 without control characters (other than tab and newlines), else null. */
export function printable(bytes) {
  try {
    const s = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s) ? null : s;
  } catch {
    return null;
  }
}

export const bytesText = (n) => `${count(n)} ${n === 1 ? 'byte' : 'bytes'}`;

/** A result line: ✓ or ✗ and a sentence. */
export function verdict(ok, text) {
  return el('p', { class: `verdict ${ok ? 'ok' : 'bad'}` }, ok ? '✓ ' : '✗ ', text);
}

/** The visible form of an error: its code and a sentence (the library's own message when no sentence is known). */
export function errorView(e, prefix) {
  const code = typeof e?.code === 'string' ? e.code : null;
  const sentence = (code && SENTENCES[code]) || e?.message || String(e);
  const p = el('p', { class: 'verdict bad', 'data-code': code ?? '' }, '✗ ', prefix ? `${prefix}: ` : '', el('code', { class: 'code' }, code ?? 'ERROR'), ' ', el('span', { class: 'reason' }, sentence));
  return { node: p, text: `${prefix ? `${prefix}: ` : ''}${code ?? 'error'}. ${sentence}` };
}

/**
 * Runs `fn` for `button`, once at a time. The button is marked aria-disabled
 * rather than disabled, so keyboard focus stays on it while the call runs.
 */
export async function busy(button, fn) {
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
export function pairList({ id, legend, help, addLabel, initial, noun = '' }) {
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
export function field(labelText, control, hint, cls = 'field') {
  const hintId = hint ? `${control.id}-hint` : null;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return el('div', { class: cls }, el('label', { for: control.id }, labelText), hint ? el('span', { class: 'hint', id: hintId }, hint) : null, control);
}
