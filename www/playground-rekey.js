// Playground, re-key step: seal under KMS key A, re-key the message to KMS key B
// with EnvelopeClient#reEncrypt (both keys in the demo broker's development KMS),
// show that the message id and the frames are byte for byte the same, and that
// key A no longer opens it while key B does.
import { EnvelopeClient, BrokerKeyring, parseMessage } from 'edge-kms';
import { el } from './ui.js';
import { utf8, toHex, bytesText, verdict, errorView, busy, field } from './playground-common.js';

/** Where the frames of a framed message end (its footer, if any, starts): walks the frame heads. */
function framesEnd(bytes, info) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let at = info.headerLength;
  while (view.getUint32(at) !== 0xffffffff) at += 4 + 12 + info.frameLength + 16;
  return at + 4 + 4 + 12 + 4 + view.getUint32(at + 20) + 16;
}

const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const arnOf = (info) => info.encryptedDataKeys.map((k) => new TextDecoder().decode(k.providerInfo)).join(', ');

/** The re-key panel, against the broker at `endpoint` with KMS keys `keyA` and `keyB`. */
export function mountRekey(root, say, endpoint, keyA = 'alias/demo', keyB = 'alias/demo-next') {
  const keyringB = new BrokerKeyring({ endpoint, keyId: keyB });
  const clientA = new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint, keyId: keyA }) });
  const clientB = new EnvelopeClient({ keyring: keyringB });
  const text = el('input', { type: 'text', id: 'pg-rekey-text', value: 'Rotated, not re-encrypted.', spellcheck: 'false' });
  const sealButton = el('button', { type: 'submit', class: 'primary', id: 'pg-rekey-seal' }, `Seal under key A`);
  const rekeyButton = el('button', { type: 'button', class: 'primary', id: 'pg-rekey-go', 'aria-disabled': 'true' }, 'Re-key to key B');
  const sealResult = el('div', { id: 'pg-rekey-seal-result', class: 'pg-result' });
  const rekeyResult = el('div', { id: 'pg-rekey-result', class: 'pg-result' });
  const form = el('form', { id: 'pg-rekey-form', class: 'pg-form', novalidate: '' },
    field('Text to seal', text, null, 'field wide'),
    el('div', { class: 'buttons' }, sealButton, rekeyButton),
    sealResult,
    rekeyResult,
  );
  root.append(
    el('h3', { id: 'pg-rekey-h' }, 'Re-key: move a message to another KMS key'),
    el('p', {}, el('code', {}, 'client.reEncrypt(message, { keyring })'), ' opens the data key with key A (', el('code', {}, keyA),
      '), authenticates the whole message, and wraps the same data key with key B (', el('code', {}, keyB),
      ', KMS Encrypt through the broker). The frames are copied, not encrypted again; a signed message gets a new signing key and footer.'),
    form,
  );

  /** @type {Uint8Array | null} */ let sealed = null;
  const ready = (ok) => rekeyButton.setAttribute('aria-disabled', ok ? 'false' : 'true');

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    busy(sealButton, async () => {
      rekeyResult.replaceChildren();
      try {
        sealed = await clientA.encrypt(utf8.encode(text.value), { encryptionContext: { purpose: 'rekey demo' } });
        const info = await parseMessage(sealed);
        sealResult.replaceChildren(verdict(true, `Sealed under key A: a message of ${bytesText(sealed.length)}.`),
          el('p', { class: 'hint' }, 'Encrypted data key: ', el('code', { 'data-field': 'rekey-edk-a', class: 'hex' }, arnOf(info))),
          el('p', { class: 'hint' }, 'Message id: ', el('code', { class: 'hex' }, toHex(info.messageId))));
        ready(true);
        say('Sealed under key A.');
      } catch (e) {
        sealed = null;
        ready(false);
        const v = errorView(e, 'Sealing failed');
        sealResult.replaceChildren(v.node);
        say(v.text);
      }
    });
  });

  rekeyButton.addEventListener('click', () => {
    if (!sealed || rekeyButton.getAttribute('aria-disabled') === 'true') return;
    const original = sealed;
    busy(rekeyButton, async () => {
      try {
        const rekeyed = await clientA.reEncrypt(original, { keyring: keyringB });
        const [io, ir] = [await parseMessage(original), await parseMessage(rekeyed)];
        const [eo, er] = [framesEnd(original, io), framesEnd(rekeyed, ir)];
        const framesSame = same(original.subarray(io.headerLength, eo), rekeyed.subarray(ir.headerLength, er));
        const idSame = same(io.messageId, ir.messageId);
        // Key A by its ARN: a keyring named by an alias asks the broker about any KMS key's data key,
        // and the broker's policy (here the dev KMS, which allows everything) decides.
        const onlyA = new EnvelopeClient({ keyring: new BrokerKeyring({ endpoint, keyId: arnOf(io) }) });
        const byA = await onlyA.decrypt(rekeyed).then(() => null, (e) => e);
        const byB = await clientB.decrypt(rekeyed).then((r) => new TextDecoder().decode(r.plaintext), (e) => e);
        rekeyResult.replaceChildren(
          verdict(true, `Re-keyed to key B: a message of ${bytesText(rekeyed.length)}.`),
          el('p', { class: 'hint' }, 'Encrypted data key now: ', el('code', { 'data-field': 'rekey-edk-b', class: 'hex' }, arnOf(ir))),
          el('ul', { class: 'checks' },
            el('li', { 'data-check': 'message-id' }, verdict(idSame, idSame ? 'Same message id.' : 'The message id changed.')),
            el('li', { 'data-check': 'frames', 'data-same': String(framesSame) }, verdict(framesSame, `${framesSame ? 'Body unchanged' : 'Body changed'}: ${bytesText(eo - io.headerLength)} of frames, byte for byte ${framesSame ? 'identical' : 'different'}${io.signed ? '; the footer is a new signature (new signing key)' : ''}.`)),
            el('li', { 'data-check': 'open-a' }, byA ? errorView(byA, 'Key A').node : verdict(false, 'Key A still opens it.')),
            el('li', { 'data-check': 'open-b' }, typeof byB === 'string' ? verdict(true, `Key B opens it: “${byB}”`) : errorView(byB, 'Key B').node),
          ));
        say(`Re-keyed to key B. ${framesSame ? 'Body unchanged.' : ''} Key A ${byA ? `refused: ${byA.code}` : 'still opens it'}.`);
      } catch (e) {
        const v = errorView(e, 'Re-keying failed');
        rekeyResult.replaceChildren(v.node);
        say(v.text);
      }
    });
  });
}
