// Shortens the names a wasm-bindgen module and its glue share, in both files:
//   node pkg-scripts/wasm-short-names.mjs pkg/wasm/<module>
// (rewrites <module>_bg.wasm, <module>.js, <module>.d.ts, <module>_bg.wasm.d.ts).
//
// Every export (`coreopener_serializedContext`, `__wbg_coresealer_free`, ...) and
// every import (`__wbg_setPrototypeOf_ea90a878c36ca098`, hash-suffixed, from
// the module './<module>_bg.js') is spelt out once in the wasm and again in the
// glue, and the two files are compressed apart, so a page pays for each name
// twice (SIZE-PLAN.md, "Short names": ~0.8 KB of `envelope`'s gzip and ~2 KB of
// the BrokerKeyring page's JS). Here they become `a`, `b`, ... in the order the
// wasm lists them; the import module becomes "a".
//
// Kept as they are: `memory` and `__wbindgen_add_to_stack_pointer`, which
// core.js reads from an instance's exports (the stack scrub and its checks).
// The rewrite refuses to finish if any old name is left in the glue or a name
// the glue uses is not one the module has, so a new wasm-bindgen output shape
// fails the build instead of a page.
import { readFileSync, writeFileSync } from 'node:fs';

const KEEP = new Set(['memory', '__wbindgen_add_to_stack_pointer']);
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

const base = process.argv[2];
if (!base) throw new Error('usage: wasm-short-names.mjs pkg/wasm/<module>');
const module = base.split('/').pop();
const fail = (/** @type {string} */ why) => { console.error(`wasm-short-names (${module}): ${why}`); process.exit(1); };

/** @param {Uint8Array} b @param {number} p @returns {[number, number]} */
function leb(b, p) {
  let r = 0, shift = 0, x;
  do { x = b[p++]; r += (x & 0x7f) * 2 ** shift; shift += 7; } while (x & 0x80);
  return [r, p];
}
/** @param {number} n */
function uleb(n) {
  const out = [];
  do { let x = n & 0x7f; n = Math.floor(n / 128); if (n) x |= 0x80; out.push(x); } while (n);
  return Buffer.from(out);
}
const name = (/** @type {string} */ s) => { const u = Buffer.from(s); return Buffer.concat([uleb(u.length), u]); };

let next = 0;
const shortName = () => {
  let n = next++, s = '';
  do { s = ALPHABET[n % 52] + s; n = Math.floor(n / 52) - 1; } while (n >= 0);
  return s;
};
/** @type {Map<string, string>} old -> new, exports and imports alike (wasm-bindgen never uses one name for both) */
const renamed = new Map();
const importNames = new Set();
const rename = (/** @type {string} */ old) => {
  if (KEEP.has(old)) return old;
  if (!renamed.has(old)) {
    let s;
    do s = shortName(); while (KEEP.has(s));
    renamed.set(old, s);
  }
  return /** @type {string} */ (renamed.get(old));
};

// The wasm: a magic number and version, then sections (id, size, content);
// only the import (2) and export (7) sections change.
const wasm = readFileSync(`${base}_bg.wasm`);
const parts = [wasm.subarray(0, 8)];
let importModule;
for (let pos = 8; pos < wasm.length;) {
  const id = wasm[pos];
  const [size, start] = leb(wasm, pos + 1);
  const end = start + size;
  if (id !== 2 && id !== 7) { parts.push(wasm.subarray(pos, end)); pos = end; continue; }
  const body = wasm.subarray(start, end);
  let [count, q] = leb(body, 0);
  const out = [uleb(count)];
  const str = () => { const [n, p] = leb(body, q); q = p + n; return body.subarray(p, q).toString(); };
  for (let i = 0; i < count; i++) {
    if (id === 2) {
      const mod = str();
      if (importModule !== undefined && mod !== importModule) fail(`imports from two modules (${importModule}, ${mod})`);
      importModule = mod;
      const field = str();
      const from = q;
      if (body[q++] !== 0) fail(`import ${field} is not a function`);
      [, q] = leb(body, q);
      importNames.add(field);
      out.push(name('a'), name(rename(field)), body.subarray(from, q));
    } else {
      const field = str();
      const from = q;
      q++;
      [, q] = leb(body, q);
      out.push(name(rename(field)), body.subarray(from, q));
    }
  }
  if (q !== body.length) fail(`section ${id} has trailing bytes`);
  const content = Buffer.concat(out);
  parts.push(Buffer.from([id]), uleb(content.length), content);
  pos = end;
}
const rewritten = Buffer.concat(parts);
new WebAssembly.Module(rewritten); // still a valid module

// The glue: exports are read as `wasm.<name>`; imports are the keys of the
// import object, one per line; the import object is keyed by the module's name.
const esc = (/** @type {string} */ s) => s.replace(/[$]/g, '\\$');
let glue = readFileSync(`${base}.js`, 'utf8');
for (const [old, s] of renamed) {
  glue = importNames.has(old)
    ? glue.replace(new RegExp(`^(\\s*)${esc(old)}:`, 'gm'), `$1${s}:`)
    : glue.replace(new RegExp(`\\bwasm\\.${esc(old)}\\b`, 'g'), `wasm.${s}`);
}
const moduleKey = JSON.stringify(importModule);
if (importModule !== undefined) {
  if (glue.split(moduleKey).length !== 2) fail(`the import module ${moduleKey} is not named exactly once in the glue`);
  glue = glue.replace(moduleKey, '"a"');
}
const finalNames = new Set([...KEEP, ...renamed.values()]);
for (const old of renamed.keys()) {
  // (a free function keeps its JS name: only the glue's reads of the export change)
  const left = importNames.has(old) ? new RegExp(`^\\s*${esc(old)}:`, 'm') : new RegExp(`\\bwasm\\.${esc(old)}\\b`);
  if (left.test(glue)) fail(`${old} is still read under its old name in the glue`);
}
for (const m of glue.matchAll(/\bwasm\.([A-Za-z_$][\w$]*)/g)) {
  if (!finalNames.has(m[1])) fail(`the glue reads wasm.${m[1]}, which the module does not export`);
}
for (const old of importNames) {
  if (!new RegExp(`^\\s*${renamed.get(old)}:`, 'm').test(glue)) fail(`the glue does not provide the import ${old}`);
}

// The types of the raw exports (`readonly <name>:` / `export const <name>:`).
const types = (/** @type {string} */ text) => {
  for (const [old, s] of renamed) text = text.replace(new RegExp(`(readonly |export const )${esc(old)}:`, 'g'), `$1${s}:`);
  return text;
};

writeFileSync(`${base}_bg.wasm`, rewritten);
writeFileSync(`${base}.js`, glue);
for (const f of [`${base}.d.ts`, `${base}_bg.wasm.d.ts`]) {
  try { writeFileSync(f, types(readFileSync(f, 'utf8'))); } catch (e) { if (/** @type {any} */ (e).code !== 'ENOENT') throw e; }
}
console.log(`wasm-short-names: ${module}: ${renamed.size} names shortened (${wasm.length} -> ${rewritten.length} B)`);
