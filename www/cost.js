// The cost estimator form, computed by the package's estimateCost.
import { estimateCost } from './kms-core.js';
import { el, money, count } from './ui.js';

export function mountCost(form, out, source) {
  const cacheOut = form.querySelector('#c-cache-out');
  let seq = 0;
  const update = async () => {
    const mine = ++seq;
    const input = {};
    for (const field of form.elements) {
      if (!(field instanceof HTMLInputElement)) continue;
      const v = field.valueAsNumber;
      field.setAttribute('aria-invalid', String(!Number.isFinite(v) || v < Number(field.min || 0)));
      input[field.name] = Number.isFinite(v) ? v : 0;
    }
    cacheOut.textContent = `${Math.round(input.cacheHitRatio * 100)}%`;
    let e;
    try {
      e = await estimateCost(input);
    } catch (err) {
      if (mine === seq) out.replaceChildren(el('p', { class: 'error' }, `${err.code}: ${err.message}`));
      return;
    }
    if (mine !== seq) return;
    source.textContent = `List prices, us-east-1, checked ${e.pricesAsOf} (${e.source}).`;
    const widthOf = (v) => `${e.totalWithoutCacheUsd > 0 ? Math.max(1, (100 * v) / e.totalWithoutCacheUsd) : 0}%`;
    out.replaceChildren(
      el('table', { class: 'bill' },
        el('caption', {}, 'Estimated monthly bill'),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Item'), el('th', { scope: 'col', class: 'num' }, 'Quantity'), el('th', { scope: 'col', class: 'num' }, 'Cost'))),
        el('tbody', {}, ...(e.lines.length ? e.lines.map((l) => el('tr', {},
          el('th', { scope: 'row' }, l.item), el('td', { class: 'num' }, `${count(l.quantity)} ${l.quantity === 1 ? l.unit : `${l.unit}s`}`), el('td', { class: 'num' }, money(l.usd))))
          : [el('tr', {}, el('td', { colspan: '3' }, 'Nothing billed.'))])),
        el('tfoot', {}, el('tr', {}, el('th', { scope: 'row', colspan: '2' }, 'Total'), el('td', { class: 'num', id: 'cost-total' }, money(e.totalUsd)))),
      ),
      el('div', { class: 'compare-bars', role: 'img', 'aria-label': `Without the cache ${money(e.totalWithoutCacheUsd)}, with it ${money(e.totalUsd)}` },
        el('div', { class: 'bar-row' }, el('span', {}, 'Without cache'), el('span', { class: 'bar without', style: `width:${widthOf(e.totalWithoutCacheUsd)}` }), el('span', { class: 'num' }, money(e.totalWithoutCacheUsd))),
        el('div', { class: 'bar-row' }, el('span', {}, 'With cache'), el('span', { class: 'bar with', style: `width:${widthOf(e.totalUsd)}` }), el('span', { class: 'num' }, money(e.totalUsd))),
      ),
      el('p', { id: 'cost-savings' }, 'The data-key cache answers ', el('strong', {}, count(e.requestsSavedByCache)), ' operations without KMS and saves ', el('strong', {}, money(e.cacheSavingsUsd)), ' a month.'),
      el('ul', { class: 'notes' }, ...e.notes.map((n) => el('li', {}, n))),
    );
  };
  form.addEventListener('input', update);
  form.addEventListener('submit', (ev) => ev.preventDefault());
  return update();
}
