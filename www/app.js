// The docs page: every interactive part runs the real edge-kms package.
import { init } from 'edge-kms';
import { mountAdvisor } from './advisor.js';
import { mountCost } from './cost.js';
import { mountExplainer } from './explainer.js';
import { mountPlayground } from './playground.js';

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

try {
  // Only the `kms` module (advisor, cost model, key identifiers) before anyone
  // opens the playground: its steps load `envelope`, `verify` and `rsa` on
  // first use, so a reader who never runs one never downloads them.
  await init(['kms']);
  mountAdvisor($('advisor-app'), $('advisor-status'));
  mountPlayground($('playground-app'), $('playground-status'));
  await Promise.all([
    mountCost(/** @type {HTMLFormElement} */ ($('cost-form')), $('cost-result'), $('cost-source')),
    mountExplainer(/** @type {HTMLInputElement} */ ($('explain-input')), $('explain-result')),
  ]);
  document.documentElement.dataset.ready = 'true';
} catch (e) {
  for (const id of ['advisor-app', 'playground-app']) {
    $(id).replaceChildren(Object.assign(document.createElement('p'), {
      className: 'error',
      textContent: `The edge-kms WebAssembly core did not load (${e?.code ?? e}). The comparison table and glossary still work.`,
    }));
  }
  document.documentElement.dataset.ready = 'error';
  throw e;
}
