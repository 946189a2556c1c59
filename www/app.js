// The docs page: every interactive part runs the real edge-kms package.
import { init } from './kms-core.js';
import { mountAdvisor } from './advisor.js';
import { mountCost } from './cost.js';
import { mountExplainer } from './explainer.js';

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @type {Promise<void> | undefined} */
let playground;

/** Whether the URL leads into the playground (its section, or a panel of it: `#pg-files`). */
const linksToPlayground = () => location.hash === '#playground' || location.hash.startsWith('#pg-');

/**
 * The playground imports the whole package (and its steps load `envelope`,
 * `verify` and `rsa` on first use): fetched when its section comes near the
 * screen or a link leads to it, so a reader of the advisor never downloads it.
 * A link to one of its panels scrolls there once the panel exists.
 */
function openPlayground() {
  playground ??= import('./playground.js')
    .then(({ mountPlayground }) => {
      mountPlayground($('playground-app'), $('playground-status'));
      if (location.hash.startsWith('#pg-')) document.getElementById(location.hash.slice(1))?.scrollIntoView();
    })
    .catch((e) => {
      playground = undefined; // the next approach tries again
      $('playground-app').replaceChildren(Object.assign(document.createElement('p'), {
        className: 'error',
        textContent: `The playground did not load (${e?.code ?? e}).`,
      }));
    });
  return playground;
}

function openPlaygroundWhenNear() {
  addEventListener('hashchange', () => { if (linksToPlayground()) openPlayground(); });
  if (typeof IntersectionObserver !== 'function') return openPlayground();
  const near = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    near.disconnect();
    openPlayground();
  }, { rootMargin: '800px 0px' });
  near.observe($('playground'));
  return linksToPlayground() ? openPlayground() : undefined;
}

try {
  // Only the `kms` module (advisor, cost model, key identifiers) until the
  // playground opens.
  await init(['kms']);
  mountAdvisor($('advisor-app'), $('advisor-status'));
  await Promise.all([
    mountCost(/** @type {HTMLFormElement} */ ($('cost-form')), $('cost-result'), $('cost-source')),
    mountExplainer(/** @type {HTMLInputElement} */ ($('explain-input')), $('explain-result')),
    openPlaygroundWhenNear(), // a page opened at #playground (or a panel) is ready once it is there
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
