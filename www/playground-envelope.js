// Playground, first half: seal text with EnvelopeClient + BrokerKeyring
// through the demo broker, inspect the message with parseMessage, open it
// (optionally requiring context pairs), tamper with one byte of a copy.
import { EnvelopeClient, BrokerKeyring, parseMessage, DEFAULT_FRAME_LENGTH } from 'edge-kms';
import { el, count } from './ui.js';
import { utf8, toBase64, fromBase64, toHex, hexByte, printable, bytesText, verdict, errorView, busy, pairList, field } from './playground-common.js';
import { networkLog } from './playground-netlog.js';

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

/** The envelope half, against the broker at `endpoint` with the KMS key `keyId`. `say` announces a status line. */
export function mountEnvelope(root, say, endpoint, keyId) {
  // Both keyrings send through the network log; the toggle picks one. The demo
  // broker's default keyTransport ('any') answers both kinds of request.
  const log = networkLog();
  const keyrings = {
    plaintext: new BrokerKeyring({ endpoint, keyId, fetch: log.fetch }),
    hpke: new BrokerKeyring({ endpoint, keyId, fetch: log.fetch, keyTransport: 'hpke' }),
  };
  const hpke = el('input', { type: 'checkbox', id: 'pg-hpke' });
  const hpkeToggle = el('label', { class: 'option hpke-toggle' }, hpke,
    el('span', { class: 'option-text' },
      el('span', { class: 'option-label' }, 'Seal the data key to this page (HPKE)'),
      el('span', { class: 'option-detail' }, "keyTransport: 'hpke': each request carries a fresh public key, and the broker answers with the data key sealed to it (ciphertextForRecipient), opened only inside the WebAssembly core. Applies to sealing and opening; watch the network log below.")));
  const keyring = () => (hpke.checked ? keyrings.hpke : keyrings.plaintext);
  const keyringCode = el('code', { id: 'pg-keyring-code' });
  const showKeyring = () => { keyringCode.textContent = `BrokerKeyring({ endpoint: '${endpoint}', keyId: '${keyId}'${hpke.checked ? ", keyTransport: 'hpke'" : ''} })`; };
  hpke.addEventListener('change', showKeyring);
  showKeyring();
  const transport = () => (hpke.checked ? 'data keys sealed to this page (HPKE)' : 'data keys in plaintext (default)');

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
    hpkeToggle,
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
    el('p', {}, 'An ', el('code', {}, 'EnvelopeClient'), ' with a ', keyringCode,
      ': the data key comes from the demo broker\'s development KMS, the text is sealed here, in WebAssembly. The message is the AWS Encryption SDK format, so the SDK in any language opens it with the same KMS key.'),
    sealForm,
    sealedBox,
    log.node,
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
      const run = log.begin(`Seal, ${transport()}`);
      try {
        const client = new EnvelopeClient({ keyring: keyring(), suite: suite(), frameLength: fl });
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
      } finally {
        log.finish(run);
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
    const client = new EnvelopeClient({ keyring: keyring() });
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
    const run = log.begin(`Open, ${transport()}`);
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
    } finally {
      log.finish(run);
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
      // Mark the result with its offset only once it is shown, so a reader
      // (or a test) never takes the previous byte's verdict for this one.
      delete tamperResult.dataset.offset;
      const run = log.begin(`Open a tampered copy, ${transport()}`);
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
      } finally {
        log.finish(run);
        tamperResult.dataset.offset = String(at);
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
