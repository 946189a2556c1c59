// The key-type advisor: one question at a time, state in the URL (so every
// step can be shared, bookmarked and reached with the browser's back and
// forward buttons), the answer computed by the real package.
import { recommendKeyType } from './kms-core.js';
import { el, codeBlock, money } from './ui.js';

const YES_NO = [
  { value: 'yes', label: 'Yes' },
  { value: 'no', label: 'No' },
];

/** The questions, keyed by the recommendKeyType answer they set. */
export const QUESTIONS = {
  needKeyControl: {
    title: 'Do you need to control the key, or call it from your own code?',
    help: 'Control means writing its key policy, choosing who may use it, rotating, disabling or deleting it. Calling it from your code includes envelope encryption through the edge-kms broker.',
    options: [
      { value: 'yes', label: 'Yes', detail: 'My application or my policies use the key directly' },
      { value: 'no', label: 'No', detail: 'An AWS service encrypts my data at rest; that is enough' },
    ],
  },
  crossAccount: {
    title: 'Must principals in another AWS account use the key?',
    help: 'For example a central security account, a partner, or a separate production account that decrypts what another account encrypted.',
    options: YES_NO,
  },
  auditKeyUse: {
    title: 'Must every use of the key appear in your own CloudTrail?',
    help: 'AWS managed keys live in your account and log each use; AWS owned keys are invisible and free.',
    options: [
      { value: 'yes', label: 'Yes', detail: 'Auditors want key usage in our logs' },
      { value: 'no', label: 'No', detail: 'Encryption at rest is enough' },
    ],
  },
  purpose: {
    title: 'What will the key do?',
    help: 'Fixed at creation: a KMS key cannot change its key usage later.',
    options: [
      { value: 'encrypt', label: 'Encrypt', detail: 'Encrypt data or wrap data keys (envelope encryption)' },
      { value: 'sign', label: 'Sign', detail: 'Sign messages or tokens; others verify with the public key' },
      { value: 'hmac', label: 'HMAC', detail: 'Generate and verify message authentication codes' },
    ],
  },
  hsmRequired: {
    title: 'Must the key live in an HSM cluster that you control?',
    help: 'KMS keys already live in KMS\'s FIPS 140-3 Security Level 3 HSMs. Answer yes only if a rule demands single-tenant HSMs you manage (an AWS CloudHSM key store).',
    options: YES_NO,
  },
  importKeyMaterial: {
    title: 'Must the key material be generated outside AWS and imported?',
    help: 'Bring your own key (origin EXTERNAL): you generate the material, keep a copy and import it wrapped.',
    options: YES_NO,
  },
  multiRegion: {
    title: 'Must the same key decrypt in more than one Region?',
    help: 'Multi-Region keys share key id and material across Regions, for disaster recovery or active-active applications.',
    options: YES_NO,
  },
  automaticRotation: {
    title: 'Should KMS rotate the key material automatically?',
    help: 'Rotation keeps the key id and ARN; old material stays available to decrypt old data.',
    options: YES_NO,
  },
};

const NAMES = {
  'aws-owned': 'AWS owned key',
  'aws-managed': 'AWS managed key',
  'customer-managed': 'Customer managed key',
  'cloudhsm-key-store': 'Customer managed key in a CloudHSM key store',
  'imported-key-material': 'Customer managed key with imported key material',
  'multi-region': 'Multi-Region customer managed key',
};
export const keyTypeName = (t) => NAMES[t] ?? t;

/** The questions on the path that the answers so far lead down. */
export function pathFor(answers) {
  const p = ['needKeyControl', 'crossAccount'];
  if (answers.needKeyControl === 'no') {
    return answers.crossAccount === 'yes' ? p : [...p, 'auditKeyUse'];
  }
  return [...p, 'purpose', 'hsmRequired', 'importKeyMaterial', 'multiRegion', 'automaticRotation'];
}

/** URL search string → { answers, step } (step is 0-based; path length = result). */
export function readState(search) {
  const q = new URLSearchParams(search);
  const answers = {};
  for (const [id, spec] of Object.entries(QUESTIONS)) {
    const v = q.get(id);
    if (v && spec.options.some((o) => o.value === v)) answers[id] = v;
  }
  const path = pathFor(answers);
  let step = path.findIndex((id) => !(id in answers));
  if (step < 0) step = path.length;
  const s = q.get('step');
  if (s === 'result') step = Math.min(step, path.length);
  else if (s && /^\d+$/.test(s)) step = Math.min(Math.max(Number(s) - 1, 0), step);
  return { answers, step };
}

/** { answers, step } → URL search string; only answers on the current path are kept. */
export function writeState({ answers, step }) {
  const path = pathFor(answers);
  const q = new URLSearchParams();
  for (const id of path) if (answers[id]) q.set(id, answers[id]);
  q.set('step', step >= path.length ? 'result' : String(step + 1));
  return `?${q}`;
}

/** The answers of the path as recommendKeyType wants them. */
export function toApiAnswers(answers) {
  const out = {};
  for (const id of pathFor(answers)) {
    const v = answers[id];
    if (v === undefined) continue;
    out[id] = id === 'purpose' ? v : v === 'yes';
  }
  return out;
}

export function mountAdvisor(root, status) {
  let state = readState(location.search);
  let renderSeq = 0;

  const go = (next, { focus = true, push = true } = {}) => {
    state = next;
    if (push) history.pushState(null, '', `${writeState(state)}${location.hash}`);
    render(focus);
  };

  addEventListener('popstate', () => {
    const next = readState(location.search);
    if (writeState(next) === writeState(state)) return; // a hash-only navigation
    // Going back to an earlier question keeps the answers given after it, as
    // the in-page Back button does, as long as the two histories agree.
    const agree = Object.entries(next.answers).every(([id, v]) => state.answers[id] === v);
    state = agree ? { answers: { ...state.answers, ...next.answers }, step: next.step } : next;
    if (agree) history.replaceState(null, '', `${writeState(state)}${location.hash}`);
    render(true);
  });

  async function render(focus) {
    const seq = ++renderSeq;
    const path = pathFor(state.answers);
    if (state.step < path.length) {
      renderQuestion(path, focus);
      return;
    }
    let rec;
    try {
      rec = await recommendKeyType(toApiAnswers(state.answers));
    } catch (e) {
      if (seq !== renderSeq) return;
      root.replaceChildren(el('p', { class: 'error', role: 'alert' }, `The advisor failed: ${e.code ?? ''} ${e.message}`));
      return;
    }
    if (seq !== renderSeq) return;
    renderResult(path, rec, focus);
  }

  function renderQuestion(path, focus) {
    const id = path[state.step];
    const spec = QUESTIONS[id];
    const n = state.step + 1;
    const errorId = 'q-error';
    const form = el('form', { class: 'question', 'data-question': id, novalidate: '' },
      el('p', { class: 'progress' }, `Question ${n} of ${path.length}`),
      el('div', { class: 'progress-bar', 'aria-hidden': 'true' }, el('span', { style: `width:${(100 * (n - 1)) / path.length}%` })),
      el('fieldset', { 'aria-describedby': `q-help ${errorId}` },
        el('legend', {}, el('h3', { id: 'q-title', tabindex: '-1' }, spec.title)),
        el('p', { class: 'help', id: 'q-help' }, spec.help),
        el('div', { class: 'options' }, ...spec.options.map((o) =>
          el('label', { class: 'option' },
            el('input', { type: 'radio', name: 'answer', value: o.value, ...(state.answers[id] === o.value ? { checked: '' } : {}) }),
            el('span', { class: 'option-text' }, el('span', { class: 'option-label' }, o.label), o.detail ? el('span', { class: 'option-detail' }, o.detail) : null),
          ))),
      ),
      el('p', { class: 'error', id: errorId, hidden: '' }, 'Choose an answer to continue.'),
      el('div', { class: 'buttons' },
        el('button', { type: 'button', class: 'secondary', 'data-action': 'back', ...(state.step === 0 ? { disabled: '' } : {}) }, '← Back'),
        el('button', { type: 'submit', class: 'primary', 'data-action': 'next' }, n === path.length ? 'See recommendation' : 'Next →'),
      ),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const picked = form.querySelector('input[name=answer]:checked');
      const err = form.querySelector(`#${errorId}`);
      if (!picked) {
        err.hidden = false;
        form.querySelector('input[name=answer]').focus();
        return;
      }
      const answers = { ...state.answers, [id]: picked.value };
      go({ answers, step: state.step + 1 });
    });
    form.querySelector('[data-action=back]').addEventListener('click', () => go({ ...state, step: Math.max(0, state.step - 1) }));
    root.replaceChildren(form);
    status.textContent = `Question ${n} of ${path.length}: ${spec.title}`;
    if (focus) form.querySelector('#q-title').focus();
  }

  function renderResult(path, rec, focus) {
    const name = keyTypeName(rec.keyType);
    const policy = rec.keyPolicy ? JSON.stringify(rec.keyPolicy, null, 2) : null;
    const box = el('div', { class: 'result', 'data-key-type': rec.keyType },
      el('p', { class: 'progress' }, 'Recommendation'),
      el('h3', { id: 'result-title', tabindex: '-1' }, name),
      el('p', { class: 'summary' },
        el('strong', {}, money(rec.monthlyCostUsd)), ' a month for the key',
        rec.keyType === 'cloudhsm-key-store' ? ' and its CloudHSM cluster' : '',
        ' before requests. ',
        rec.keySpec ? el('span', {}, 'Key spec ', el('code', {}, rec.keySpec), ', usage ', el('code', {}, rec.keyUsage), ', origin ', el('code', {}, rec.origin), '.') : null,
      ),
      rec.conflicts.length ? el('div', { class: 'conflicts', role: 'note', 'aria-labelledby': 'conflicts-h' },
        el('h4', { id: 'conflicts-h' }, rec.conflicts.length === 1 ? '1 conflict with what KMS allows' : `${rec.conflicts.length} conflicts with what KMS allows`),
        el('ul', {}, ...rec.conflicts.map((c, i) => el('li', { 'data-code': rec.conflictCodes[i] }, c)))) : null,
      el('h4', {}, 'Why'),
      el('ul', { class: 'reasons' }, ...rec.reasons.map((r) => el('li', {}, r))),
      el('h4', {}, 'Also consider'),
      el('ul', { class: 'alternatives' }, ...rec.alternatives.map((a) => el('li', {}, el('a', { href: `#type-${a.keyType}` }, keyTypeName(a.keyType)), ': ', a.why))),
      el('h4', {}, 'Your answers'),
      el('ol', { class: 'answers' }, ...path.map((id, i) => {
        const opt = QUESTIONS[id].options.find((o) => o.value === state.answers[id]);
        return el('li', {}, el('span', {}, QUESTIONS[id].title, ' ', el('strong', {}, opt ? opt.label : '—')), ' ',
          el('button', { type: 'button', class: 'link', 'data-goto': String(i), 'aria-label': `Change answer to: ${QUESTIONS[id].title}` }, 'Change'));
      })),
      el('h4', { id: 'cli-h' }, rec.keyPolicy ? 'Create it with the AWS CLI' : 'AWS CLI'),
      codeBlock(rec.cli.join('\n'), { id: 'cli', label: 'Copy commands', labelledby: 'cli-h' }),
      el('h4', { id: 'api-h' }, 'The same answer from your code'),
      codeBlock(`import { recommendKeyType } from 'edge-kms';\n\nconst r = await recommendKeyType(${JSON.stringify(toApiAnswers(state.answers), null, 2)});\nr.keyType; // '${rec.keyType}'`, { id: 'api', label: 'Copy code', labelledby: 'api-h' }),
      policy ? el('h4', { id: 'policy-h' }, 'Key policy ', el('span', { class: 'hint' }, '(save as key-policy.json)')) : null,
      policy ? codeBlock(policy, { id: 'policy', label: 'Copy key policy', labelledby: 'policy-h' }) : el('p', {}, 'No key policy to write: AWS owns the policy of this key.'),
      el('div', { class: 'buttons' },
        el('button', { type: 'button', class: 'secondary', 'data-action': 'back' }, '← Back'),
        el('button', { type: 'button', class: 'primary', 'data-action': 'restart' }, 'Start over'),
      ),
    );
    box.querySelector('[data-action=back]').addEventListener('click', () => go({ ...state, step: path.length - 1 }));
    box.querySelector('[data-action=restart]').addEventListener('click', () => go({ answers: {}, step: 0 }));
    for (const b of box.querySelectorAll('[data-goto]')) b.addEventListener('click', () => go({ ...state, step: Number(b.dataset.goto) }));
    root.replaceChildren(box);
    status.textContent = `Recommendation: ${name}, ${money(rec.monthlyCostUsd)} a month.${rec.conflicts.length ? ` ${rec.conflicts.length} conflict${rec.conflicts.length > 1 ? 's' : ''}: ${rec.conflicts.join(' ')}` : ''}`;
    if (focus) box.querySelector('#result-title').focus();
  }

  render(false);
}
