// Playground network log: every request a BrokerKeyring of the envelope step
// makes to the broker, and its answer, as anything on the way (a proxy, a CDN,
// a logging middleware, a browser extension) would see them. Captured by the
// `fetch` the keyring is given (BrokerKeyring's `fetch` option): method, path,
// status and the JSON bodies, long base64 values shortened. The summary
// ("did a data key appear in a response?") is computed from the logged
// response bodies themselves: whether any carries a `plaintext` member.
//
// Only the shortened form is kept: the full body text is parsed once to show
// it and then dropped. (With keyTransport 'plaintext' that text holds the data
// key in base64 for a moment, as the keyring's own response does; that is the
// exposure the log is here to show.)
import { el, count } from './ui.js';
import { verdict } from './playground-common.js';

/** Base64 or base64url text long enough to be bytes rather than a word. */
const LONG_BASE64 = /^[A-Za-z0-9+/_-]{20,}={0,2}$/;
/** Paths of the broker's data-key operations (their answers hold a data key, in plaintext or sealed). */
const DATA_KEY_PATH = /\/(generate-data-key|decrypt)$/;

/** `value` with every long base64 string cut to its first characters and its length. */
function shorten(value) {
  if (typeof value === 'string') return LONG_BASE64.test(value) ? `${value.slice(0, 6)}… (${count(value.length)} chars)` : value;
  if (Array.isArray(value)) return value.map(shorten);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shorten(v)]));
  return value;
}

/** The JSON text of `body` (a request body or a response's text), shortened; or a note when it is not JSON. */
function parsed(text) {
  if (text === '') return { shown: '(empty)', fields: [] };
  try {
    const value = JSON.parse(text);
    const fields = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
    return { shown: JSON.stringify(shorten(value), null, 2), fields };
  } catch {
    return { shown: `(not JSON: ${count(text.length)} characters)`, fields: [] };
  }
}

/** The text of a fetch request body, as BrokerKeyring sends it (a string, or UTF-8 bytes). */
function requestText(body) {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  return '';
}

/**
 * A network log panel. `fetch` goes to BrokerKeyring({ fetch }); `begin(label)`
 * starts a new action (the log shows the latest action's calls), `finish()`
 * writes the summary from what was logged.
 */
export function networkLog() {
  const title = el('span', { id: 'pg-netlog-action' }, 'nothing yet');
  const list = el('ol', { class: 'netlog-list', id: 'pg-netlog-list' });
  const summary = el('div', { id: 'pg-netlog-summary', class: 'pg-result' });
  const node = el('div', { class: 'netlog', id: 'pg-netlog' },
    el('h4', { id: 'pg-netlog-h' }, 'Network log'),
    el('p', { class: 'hint' }, 'Every request this step\'s keyring sent to the broker and every answer, as anything between the page and the broker would see them (long base64 values shortened). Last action: ', title, '.'),
    summary,
    list);

  /** @type {{ method: string, path: string, status: number | string, fields: string[] }[]} */
  let entries = [];
  let action = 0;

  function render(entry, item) {
    item.dataset.path = entry.path;
    item.dataset.status = String(entry.status);
    item.dataset.responseFields = entry.fields.join(' ');
    const line = item.querySelector('.netlog-line');
    const req = item.querySelector('details');
    const res = item.querySelector('.netlog-response');
    line.replaceChildren(el('code', {}, `${entry.method} ${entry.path}`), ' → ',
      el('span', { class: `netlog-status${typeof entry.status === 'number' && entry.status < 400 ? '' : ' failed'}` }, String(entry.status)));
    req.querySelector('pre').textContent = entry.request;
    res.textContent = entry.response;
  }

  /** BrokerKeyring's fetch: the real fetch, with the request and a clone of the answer logged. */
  async function logged(input, init = {}) {
    const mine = entries;
    const url = new URL(typeof input === 'string' ? input : input.url, location.href);
    const entry = { method: init.method ?? 'GET', path: url.pathname, status: '…', fields: [], request: parsed(requestText(init.body)).shown, response: '(waiting)' };
    const item = el('li', { class: 'netlog-entry' },
      el('p', { class: 'netlog-line' }),
      el('details', {}, el('summary', {}, 'Request body'), el('pre', { class: 'mono netlog-body', tabindex: '0' })),
      el('p', { class: 'hint netlog-sub' }, 'Response body'),
      el('pre', { class: 'mono netlog-body netlog-response', tabindex: '0' }));
    mine.push(entry);
    if (mine === entries) { list.append(item); render(entry, item); }
    let res;
    try {
      res = await globalThis.fetch(input, init);
    } catch (e) {
      entry.status = 'no answer';
      entry.response = '(none)';
      render(entry, item);
      throw e;
    }
    entry.status = res.status;
    let text = '';
    try { text = await res.clone().text(); } catch { /* the keyring reports a broken body itself */ }
    const body = parsed(text);
    text = '';
    entry.fields = body.fields;
    entry.response = body.shown;
    render(entry, item);
    return res;
  }

  return {
    node,
    fetch: logged,
    /** Starts a new action: the log shows only its calls. Returns its number, for finish. */
    begin(label) {
      entries = [];
      title.textContent = label;
      list.replaceChildren();
      summary.replaceChildren();
      delete summary.dataset.done;
      return ++action;
    },
    /** The summary of action `n` (if it is still the latest): did any data-key answer carry a `plaintext` member? */
    finish(n) {
      if (n !== action) return;
      const answers = entries.filter((e) => DATA_KEY_PATH.test(e.path) && e.status === 200);
      // Every logged answer, errors included, not only the data-key ones: the sentence says "no response".
      const plain = entries.filter((e) => e.fields.includes('plaintext')).length;
      const sealed = answers.filter((e) => e.fields.includes('ciphertextForRecipient') && !e.fields.includes('plaintext')).length;
      const n1 = answers.length;
      const noun = `data-key ${n1 === 1 ? 'response' : 'responses'}`;
      Object.assign(summary.dataset, { dataKeyResponses: String(n1), plaintext: String(plain), sealed: String(sealed) });
      if (n1 === 0) {
        summary.replaceChildren(el('p', { class: 'hint' }, 'No data-key response in this action (nothing came back with a data key).'));
      } else if (plain === 0 && sealed === n1) {
        summary.replaceChildren(verdict(true, `No response carries a plaintext field: ${n1 === 1 ? 'the' : `each of the ${count(n1)}`} ${noun} carries ciphertextForRecipient instead, the data key sealed with HPKE to a key pair that exists only inside this page's WebAssembly core. The data key never appeared in a response.`));
      } else if (plain > 0) {
        summary.replaceChildren(verdict(false, `${plain >= n1 ? (n1 === 1 ? 'The' : `All ${count(n1)}`) : `${count(plain)} of ${count(n1)}`} ${noun} ${plain === 1 ? 'carries' : 'carry'} a plaintext field: the data key itself, in base64, readable by anything that sees the response (a proxy, a CDN, a logging middleware, a browser extension); TLS is its only protection. Turn on "Seal the data key to this page (HPKE)" to keep it out of every response.`));
      } else {
        summary.replaceChildren(verdict(false, `${count(n1 - sealed)} of ${count(n1)} ${noun} carry neither a plaintext field nor ciphertextForRecipient.`));
      }
      summary.dataset.done = String(n);
    },
  };
}
