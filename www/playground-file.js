// Playground, files of any size: seal a file with encryptStream through the
// demo broker and open a sealed file back with decryptStream, never holding
// the file in memory. Data flows File.stream() → a byte counter (the progress
// bar) → encryptStream/decryptStream → a file on disk:
//
// - 'picker': the File System Access API (showSaveFilePicker, Chromium-based
//   browsers only: Firefox and Safari decline to implement it). The output is
//   written straight into the file the user names; the browser writes a
//   temporary file and replaces the target only when the stream closes, so a
//   refused message leaves an existing target as it was (a new one empty).
// - 'opfs': the origin private file system (navigator.storage.getDirectory,
//   FileSystemFileHandle.createWritable: Chromium 86, Firefox 111, Safari 26).
//   The output is written to a file in this page's own storage, then offered
//   as a download whose blob reads that file from disk: memory stays bounded,
//   disk use is the output's size until the next run or the next visit. In a
//   private window the browser keeps that storage in memory (Chromium also
//   caps it well below a normal profile's quota), so there the output is in
//   memory after all; the page checks navigator.storage.estimate() first.
// - 'memory': neither exists (Safari before 26, some private windows). The
//   output is collected in a Blob in memory, so the page refuses inputs above
//   MEMORY_LIMIT_BYTES rather than pretend.
//
// Not used: a service worker answering a download URL with the stream
// (StreamSaver.js's way). It needs the page's stream handed to the worker
// (transferable streams) and a worker kept alive for the whole download, and
// a refusal after the first byte becomes an interrupted download whose partial
// file the browser keeps (to resume it): unverified output in the user's
// Downloads, which decryptStream's readers must not leave behind. The origin
// private file system gives the same bounded memory without that.
//
// Opened plaintext is offered only after decryptStream closed without an
// error (every frame tag, the key commitment and, for signed messages, the
// footer signature verified): until then it exists only in the temporary
// file, which is discarded on failure. (If the browser itself dies mid-run,
// Chromium can leave that temporary file behind: "<name>.crswap" beside a
// picked file, holding unverified plaintext.)
import { EnvelopeClient, BrokerKeyring } from 'edge-kms';
import { el, count } from './ui.js';
import { verdict, errorView, busy, bytesText } from './playground-common.js';

/** Largest input the in-memory fallback accepts. */
export const MEMORY_LIMIT_BYTES = 256 * 2 ** 20;
/** The name suffix of sealed files (the AWS Encryption CLI's default). */
export const SEALED_SUFFIX = '.encrypted';
/** The origin-private directory the 'opfs' mode stages output in. */
const STAGING_DIR = 'edge-kms-playground';
/** Staged files older than this, left by an earlier visit, are removed when the page loads. */
const STALE_MS = 60 * 60 * 1000;
/** The encryption context of every file the playground seals. */
const FILE_CONTEXT = { purpose: 'playground-file' };

const SUITES = [
  ['AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384', 'Signed (the default)'],
  ['AES_256_GCM_HKDF_SHA512_COMMIT_KEY', 'Unsigned'],
];

const canPick = () => typeof globalThis.showSaveFilePicker === 'function';
const canStage = () => typeof navigator.storage?.getDirectory === 'function'
  && typeof globalThis.FileSystemFileHandle === 'function'
  && typeof FileSystemFileHandle.prototype.createWritable === 'function';

/** The ways this browser can save a streamed output, best first. */
export function saveModes() {
  return [...(canPick() ? ['picker'] : []), ...(canStage() ? ['opfs'] : []), 'memory'];
}

const mib = (n) => (n / 2 ** 20).toLocaleString('en-US', { maximumFractionDigits: 1 });

/** A TransformStream that passes bytes through and reports how many went by (at most every 100 ms, and at the end). */
function byteCounter(report) {
  let n = 0;
  let last = 0;
  return new TransformStream({
    transform(chunk, controller) {
      n += chunk.byteLength;
      controller.enqueue(chunk);
      const now = performance.now();
      if (now - last >= 100) { last = now; report(n); }
    },
    flush() { report(n); },
  });
}

async function stagingDir() {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(STAGING_DIR, { create: true });
}

/** Removes staged files an earlier visit left behind (best effort). */
async function sweepStaging() {
  if (!canStage()) return;
  try {
    const dir = await stagingDir();
    for await (const [name, handle] of dir.entries()) {
      if (handle.kind !== 'file') continue;
      const file = await handle.getFile();
      if (Date.now() - file.lastModified > STALE_MS) await dir.removeEntry(name);
    }
  } catch { /* storage unavailable: nothing was staged */ }
}

/**
 * Where one run's output goes. `handle` is the picked file for 'picker'.
 * Returns { writable, finish() → { url?, savedAs? }, discard() }.
 */
async function openSink(mode, handle) {
  if (mode === 'picker') {
    const writable = await handle.createWritable();
    return {
      writable,
      finish: async () => ({ savedAs: handle.name }),
      // pipeTo has aborted the writable: the browser dropped its temporary file.
      discard: async () => {},
    };
  }
  if (mode === 'opfs') {
    const dir = await stagingDir();
    const name = `${crypto.randomUUID()}.part`;
    const fileHandle = await dir.getFileHandle(name, { create: true });
    const writable = await fileHandle.createWritable();
    const remove = () => dir.removeEntry(name).catch(() => {});
    return {
      writable,
      finish: async () => ({ url: URL.createObjectURL(await fileHandle.getFile()), remove }),
      discard: remove,
    };
  }
  const chunks = [];
  return {
    writable: new WritableStream({ write(chunk) { chunks.push(chunk); } }),
    finish: async () => {
      const blob = new Blob(chunks);
      for (const c of chunks) c.fill(0);
      chunks.length = 0;
      return { url: URL.createObjectURL(blob) };
    },
    discard: async () => { for (const c of chunks) c.fill(0); chunks.length = 0; },
  };
}

/** The output name for `name` in direction `dir` ('seal' or 'open'). */
export function outputName(dir, name) {
  if (dir === 'seal') return `${name}${SEALED_SUFFIX}`;
  return name.endsWith(SEALED_SUFFIX) && name.length > SEALED_SUFFIX.length ? name.slice(0, -SEALED_SUFFIX.length) : `${name}.decrypted`;
}

/** The file step, against the broker at `endpoint` with the KMS key `keyId`. `say` announces a status line. */
export function mountFiles(root, say, endpoint, keyId) {
  const keyring = new BrokerKeyring({ endpoint, keyId });
  const modes = saveModes();

  const input = el('input', { type: 'file', id: 'pg-file-input' });
  const chosen = el('p', { id: 'pg-file-chosen', class: 'hint', 'aria-live': 'polite' }, 'No file chosen.');
  const drop = el('div', { id: 'pg-file-drop', class: 'drop-zone' },
    el('label', { for: 'pg-file-input', class: 'label' }, 'Choose a file, or drop one here'), input, chosen);
  const suiteChoice = el('fieldset', { class: 'suite-choice' },
    el('legend', {}, 'Algorithm suite for sealing'),
    el('div', { class: 'options' }, ...SUITES.map(([value, label], i) => el('label', { class: 'option' },
      el('input', { type: 'radio', name: 'pg-file-suite', value, ...(i === 0 ? { checked: '' } : {}) }), ' ', label))));
  const pick = el('input', { type: 'checkbox', id: 'pg-file-pick', ...(modes[0] === 'picker' ? { checked: '' } : { disabled: '' }) });
  const pickRow = el('p', { class: 'option' }, pick, ' ', el('label', { for: 'pg-file-pick' }, 'Save straight to a file I choose (File System Access API)'),
    modes[0] === 'picker' ? null : el('span', { class: 'hint' }, ' — not offered by this browser'));
  const sealButton = el('button', { type: 'button', class: 'primary', id: 'pg-file-seal' }, 'Seal this file');
  const openButton = el('button', { type: 'button', class: 'secondary', id: 'pg-file-open' }, 'Open this sealed file');
  const cancelButton = el('button', { type: 'button', class: 'secondary', id: 'pg-file-cancel', hidden: '' }, 'Cancel');
  const progress = el('progress', { id: 'pg-file-progress', max: '1', value: '0', 'aria-labelledby': 'pg-file-progress-l' });
  const progressText = el('span', { id: 'pg-file-progress-text' });
  const progressBox = el('div', { class: 'file-progress', hidden: '' },
    el('span', { id: 'pg-file-progress-l', class: 'label' }, 'Progress'), progress, progressText);
  const result = el('div', { id: 'pg-file-result', class: 'pg-result' });

  const how = {
    picker: 'this browser can write the output straight into a file you choose (showSaveFilePicker), so nothing larger than a frame is ever in memory.',
    opfs: 'the output is written to this page\'s private storage on disk (the origin private file system) and then offered as a download read from that file, so memory stays bounded; it needs free disk space for the output, which is removed at the next run or visit. In a private window browsers keep that storage in memory, so use a normal window for large files.',
    memory: `this browser has neither a save picker nor writable private storage (Safari before 26, some private windows), so the output is collected in memory: files up to ${mib(MEMORY_LIMIT_BYTES)} MiB only.`,
  };
  root.append(
    el('h3', { id: 'pg-file-h' }, 'Files of any size'),
    el('p', {}, 'The same client, streaming: ', el('code', {}, 'file.stream().pipeThrough(client.encryptStream(…))'),
      ' seals a file one frame (1 MiB) at a time, and ', el('code', {}, 'decryptStream'), ' opens it back. The file never goes to the broker: only the encryption context ',
      el('code', {}, JSON.stringify(FILE_CONTEXT)), ' does, once per file.'),
    el('p', { class: 'note', id: 'pg-file-mode', 'data-mode': modes.find((m) => m !== 'picker') ?? 'memory' }, 'Here, ', how[modes.find((m) => m !== 'picker') ?? 'memory'],
      modes[0] === 'picker' ? ' With the box below ticked, ' : '', modes[0] === 'picker' ? how.picker : ''),
    el('p', { class: 'note' }, 'Opened plaintext is offered only once the whole message has verified; until then it exists only in a temporary file that is thrown away if any check fails. An output offered for download stays in this site\'s storage until the next run, a visit an hour later, or "Delete the browser\'s copy".'),
    drop,
    suiteChoice,
    pickRow,
    el('div', { class: 'buttons' }, sealButton, openButton, cancelButton),
    progressBox,
    result,
  );

  const clearResult = () => {
    result.replaceChildren();
    for (const k of ['outcome', 'code', 'mode', 'bytes']) delete result.dataset[k];
  };
  /** @type {File | null} */
  let file = null;
  const choose = (f) => {
    file = f ?? null;
    chosen.textContent = file ? `${file.name}: ${bytesText(file.size)}` : 'No file chosen.';
    chosen.dataset.size = file ? String(file.size) : '';
    if (!running) progressBox.hidden = true;
    clearResult();
  };
  input.addEventListener('change', () => choose(input.files?.[0]));
  drop.addEventListener('dragover', (ev) => { ev.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('over');
    const f = ev.dataTransfer?.files?.[0];
    if (f) choose(f);
  });

  /** The previous run's staged output per direction, removed when the next run of that direction starts. */
  const staged = { seal: null, open: null };
  /** @type {AbortController | null} */
  let running = null;
  cancelButton.addEventListener('click', () => running?.abort());
  sweepStaging();

  const show = (n, total, started) => {
    progress.max = Math.max(total, 1);
    progress.value = n;
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? n / seconds : 0;
    progressText.textContent = ` ${mib(n)} of ${mib(total)} MiB (${total ? Math.floor((100 * n) / total) : 100}%)${rate ? `, ${mib(rate)} MiB/s` : ''}`;
  };

  async function run(dir, button) {
    const picked = pick.checked && canPick();
    clearResult();
    if (!file) {
      const msg = 'Choose or drop a file first.';
      result.replaceChildren(verdict(false, msg));
      say(msg);
      input.focus();
      return;
    }
    const src = file;
    const outName = outputName(dir, src.name);
    let mode = picked ? 'picker' : modes.find((m) => m !== 'picker') ?? 'memory';
    // The picker first: it needs the click's user activation.
    let handle = null;
    if (mode === 'picker') {
      try {
        handle = await globalThis.showSaveFilePicker({ suggestedName: outName, id: 'edge-kms-files' });
      } catch (e) {
        const msg = e?.name === 'AbortError' ? 'Cancelled: no file was chosen to save to, nothing was written.' : `The save dialog failed (${e?.name ?? e}).`;
        result.replaceChildren(verdict(false, msg));
        say(msg);
        return;
      }
    }
    if (mode === 'memory' && src.size > MEMORY_LIMIT_BYTES) {
      const msg = `This browser can only collect the output in memory, and ${bytesText(src.size)} is more than the ${mib(MEMORY_LIMIT_BYTES)} MiB the playground allows there. Use a browser with the origin private file system (Chromium, Firefox, Safari 26 or later).`;
      result.replaceChildren(verdict(false, msg));
      say(msg);
      return;
    }
    if (mode === 'opfs') {
      const est = await navigator.storage.estimate().catch(() => null);
      const need = src.size + Math.ceil(src.size / 2 ** 20) * 64 + 2 ** 20;
      if (est && typeof est.quota === 'number' && est.quota - (est.usage ?? 0) < need) {
        const msg = `This page may store ${bytesText(Math.max(0, est.quota - (est.usage ?? 0)))} more; the output needs about ${bytesText(need)}.${canPick() ? ' Tick "Save straight to a file I choose" instead.' : ''}`;
        result.replaceChildren(verdict(false, msg));
        say(msg);
        return;
      }
    }

    if (staged[dir]) { URL.revokeObjectURL(staged[dir].url); await staged[dir].remove?.(); staged[dir] = null; }
    const ac = new AbortController();
    running = ac;
    cancelButton.hidden = false;
    progressBox.hidden = false;
    const started = performance.now();
    show(0, src.size, started);
    say(`${dir === 'seal' ? 'Sealing' : 'Opening'} ${src.name}…`);
    let sink = null;
    let written = 0;
    try {
      sink = await openSink(mode, handle);
      const suite = /** @type {HTMLInputElement} */ (suiteChoice.querySelector('input:checked')).value;
      const client = dir === 'seal' ? new EnvelopeClient({ keyring, suite }) : new EnvelopeClient({ keyring });
      const transform = dir === 'seal'
        ? client.encryptStream({ encryptionContext: FILE_CONTEXT, signal: ac.signal })
        : client.decryptStream({ encryptionContext: FILE_CONTEXT, signal: ac.signal });
      await src.stream()
        .pipeThrough(byteCounter((n) => show(n, src.size, started)))
        .pipeThrough(transform)
        .pipeThrough(byteCounter((n) => { written = n; }))
        .pipeTo(sink.writable, { signal: ac.signal });
      const out = await sink.finish();
      const seconds = (performance.now() - started) / 1000;
      const what = dir === 'seal'
        ? `Sealed ${bytesText(src.size)} into a ${bytesText(written)} message`
        : `Opened: ${bytesText(written)} of plaintext; every frame tag, the key commitment and any footer signature verified`;
      const speed = `in ${seconds.toFixed(1)} s (${mib(src.size / Math.max(seconds, 0.001))} MiB/s)`;
      const nodes = [verdict(true, `${what}, ${speed}.`)];
      if (out.url) {
        staged[dir] = { url: out.url, remove: out.remove };
        const link = el('a', { href: out.url, download: outName, id: `pg-file-download-${dir}`, class: 'download', 'data-size': String(written) }, `Download ${outName}`);
        const forget = el('button', { type: 'button', class: 'link', id: `pg-file-forget-${dir}` }, 'Delete the browser\'s copy');
        const line = el('p', {}, link, ` (${bytesText(written)}) `, forget);
        forget.addEventListener('click', async () => {
          if (staged[dir]?.url !== out.url) return;
          URL.revokeObjectURL(out.url);
          await out.remove?.();
          staged[dir] = null;
          line.replaceChildren(`The browser's copy of ${outName} is deleted.`);
          say(`The browser's copy of ${outName} is deleted.`);
        });
        nodes.push(line);
      } else {
        nodes.push(el('p', { id: `pg-file-saved-${dir}` }, `Saved as ${out.savedAs}.`));
      }
      result.dataset.outcome = `${dir}-ok`;
      result.dataset.mode = mode;
      result.dataset.bytes = String(written);
      result.replaceChildren(...nodes);
      say(`${what}.`);
    } catch (e) {
      await sink?.discard();
      const aborted = ac.signal.aborted;
      const v = aborted ? { node: verdict(false, 'Cancelled; the partial output was thrown away.'), text: 'Cancelled.' }
        : typeof e?.code === 'string' ? errorView(e, dir === 'seal' ? 'Sealing failed' : 'Opening failed')
          : { node: verdict(false, `${dir === 'seal' ? 'Sealing' : 'Opening'} failed: ${e?.name ?? 'Error'}: ${e?.message ?? e}`), text: `${e?.name ?? 'Error'}.` };
      result.dataset.outcome = aborted ? 'cancelled' : `${dir}-failed`;
      result.dataset.code = aborted ? 'ABORTED' : (typeof e?.code === 'string' ? e.code : e?.name ?? '');
      result.replaceChildren(v.node, dir === 'open' ? el('p', { class: 'released' }, 'Plaintext offered: ', el('strong', {}, 'none'), '.') : '');
      say(v.text);
    } finally {
      running = null;
      cancelButton.hidden = true;
    }
  }

  sealButton.addEventListener('click', () => busy(sealButton, () => run('seal', sealButton)));
  openButton.addEventListener('click', () => busy(openButton, () => run('open', openButton)));
}
