// The playground: seal and open text through the demo broker (BrokerKeyring →
// /kms → the development KMS), look inside the sealed message with
// parseMessage, tamper with one byte and watch it refuse; verify KMS
// signatures offline, with a key you paste or one the dev KMS signs with.
// Everything runs the real package; nothing here does cryptography itself.
import { el } from './ui.js';
import { mountEnvelope } from './playground-envelope.js';
import { mountSignatures } from './playground-verify.js';
import { mountRekey } from './playground-rekey.js';
import { mountFiles } from './playground-file.js';

/**
 * Mounts the playground into `root`; `status` is an aria-live region for
 * short announcements. Makes no network call until the user asks for one,
 * so the page stays quiet where no broker runs (e.g. static hosting).
 */
export function mountPlayground(root, status, { endpoint = '/kms', keyId = 'alias/demo' } = {}) {
  const say = (text) => { status.textContent = text; };
  const envelope = el('div', { class: 'pg-panel', id: 'pg-envelope' });
  const signatures = el('div', { class: 'pg-panel', id: 'pg-signatures' });
  const rekey = el('div', { class: 'pg-panel', id: 'pg-rekey' });
  const files = el('div', { class: 'pg-panel', id: 'pg-files' });
  root.replaceChildren(
    el('p', { class: 'note pg-needs' }, 'Sealing, opening and "ask the dev KMS" need the demo broker: run ', el('code', {}, 'pkg-scripts/demo'),
      ' and open the page it prints. They send the encryption context, never the plaintext, to that broker on your machine. Signature verification works anywhere, offline.'),
    envelope,
    rekey,
    files,
    signatures,
  );
  mountEnvelope(envelope, say, endpoint, keyId);
  mountRekey(rekey, say, endpoint);
  mountFiles(files, say, endpoint, keyId);
  mountSignatures(signatures, say, endpoint);
}
