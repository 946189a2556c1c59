// The live identifier explainer: parseKeyIdentifier, explained part by part.
import { parseKeyIdentifier } from './kms-core.js';
import { el } from './ui.js';

const KIND = {
  'key-id': 'Key id',
  'key-arn': 'Key ARN',
  'alias-name': 'Alias name',
  'alias-arn': 'Alias ARN',
};

const PARTITION = {
  aws: 'the commercial AWS partition',
  'aws-cn': 'the AWS China partition',
  'aws-us-gov': 'AWS GovCloud (US)',
  'aws-iso': 'AWS Top Secret (ISO)',
  'aws-iso-b': 'AWS Secret (ISO-B)',
  'aws-iso-e': 'the ISO-E partition',
  'aws-iso-f': 'the ISO-F partition',
  'aws-eusc': 'the AWS European Sovereign Cloud',
};

function explain(k) {
  const rows = [['Kind', KIND[k.kind]]];
  if (k.partition) rows.push(['Partition', `${k.partition}: ${PARTITION[k.partition] ?? ''}`]);
  if (k.region) rows.push(['Region', k.region]);
  if (k.account) rows.push(['Account', k.account]);
  if (k.keyId) rows.push(['Key id', k.keyId]);
  if (k.alias) rows.push(['Alias', k.alias]);
  const notes = [];
  if (k.multiRegion) notes.push('A multi-Region key (mrk-…): the same key id and key material exist in every Region it is replicated to.');
  if (k.awsManaged) notes.push('An AWS managed key (alias/aws/…): created by an AWS service; you cannot change its policy, rotate or delete it, and it never works cross-account.');
  if (k.kind === 'alias-name') notes.push('An alias name resolves in the caller\'s own account and Region; to use a key in another account, name it by key ARN or alias ARN.');
  if (k.kind === 'key-id') notes.push('A bare key id only works in the caller\'s account and Region.');
  if (k.kind === 'alias-arn') notes.push('Alias ARNs work in cryptographic operations; key policies and grants name keys, not aliases.');
  if (k.kind === 'key-arn') notes.push('A key ARN names the key unambiguously, in any account and Region: the best form for configuration.');
  return [rows, notes];
}

export function mountExplainer(input, out) {
  let seq = 0;
  const update = async () => {
    const mine = ++seq;
    const value = input.value;
    if (value === '') {
      out.replaceChildren(el('p', { class: 'hint' }, 'Paste an identifier to see its parts.'));
      input.removeAttribute('aria-invalid');
      return;
    }
    try {
      const k = await parseKeyIdentifier(value);
      if (mine !== seq) return;
      const [rows, notes] = explain(k);
      input.setAttribute('aria-invalid', 'false');
      out.replaceChildren(
        el('p', { class: 'verdict ok' }, `✓ Valid: ${KIND[k.kind]}`),
        el('dl', { class: 'parts' }, ...rows.flatMap(([dt, dd], i) => [el('dt', {}, dt), el('dd', {}, i === 0 ? dd : el('code', {}, dd))])),
        ...notes.map((n) => el('p', { class: 'note' }, n)),
      );
    } catch (e) {
      if (mine !== seq) return;
      input.setAttribute('aria-invalid', 'true');
      out.replaceChildren(el('p', { class: 'verdict bad' }, '✗ KMS would reject this: ', el('span', { class: 'reason' }, e.message), ' ', el('code', {}, e.code)));
    }
  };
  input.addEventListener('input', update);
  input.form?.addEventListener('submit', (ev) => ev.preventDefault());
  return update();
}
