// Small DOM helpers. Text always goes in as text nodes, never as HTML.

/**
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {...(Node | string | null | undefined | false)} children
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const num = new Intl.NumberFormat('en-US');
export const money = (v) => usd.format(v);
export const count = (v) => num.format(v);

/** Announces a short message to screen readers through the page's status region. */
export function announce(text) {
  const toast = document.getElementById('toast');
  if (!toast) return;
  toast.textContent = '';
  // A fresh text node after a tick, so the same message is announced twice in a row.
  setTimeout(() => { toast.textContent = text; }, 50);
}

/** Copies text, with a fallback that selects it for Ctrl+C where the clipboard API is unavailable. */
export async function copyText(text, pre) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const range = document.createRange();
    range.selectNodeContents(pre);
    const sel = getSelection();
    sel?.removeAllRanges();
    sel?.addRange(range);
    return false;
  }
}

/** A <pre><code> block with a copy button. */
export function codeBlock(text, { id, label, labelledby }) {
  const code = el('code', { id }, text);
  const pre = el('pre', { tabindex: '0', ...(labelledby ? { 'aria-labelledby': labelledby } : {}) }, code);
  const button = el('button', { type: 'button', class: 'copy', 'data-copy': id }, label);
  button.addEventListener('click', async () => {
    const ok = await copyText(text, pre);
    button.textContent = ok ? 'Copied ✓' : 'Selected: press Ctrl+C';
    announce(ok ? 'Copied to the clipboard' : 'Selected; press Control C to copy');
    setTimeout(() => { button.textContent = label; }, 2000);
  });
  return el('div', { class: 'code-block' }, button, pre);
}
