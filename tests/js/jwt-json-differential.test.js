// Differential test of the jwt module's strict JSON reader (serde-free since
// b7df92a) against Node's JSON.parse, through the shipped module: generated
// and mutated payloads must be accepted exactly when JSON.parse reads an
// object, apart from the reader's deliberate refusals (lone surrogates).
// Written by a reviewer attacking the new reader.
import fs from 'node:fs';
import * as g from '../../pkg/wasm/jwt.js';
g.initSync({ module: fs.readFileSync(new URL('../../pkg/wasm/jwt_bg.wasm', import.meta.url)) });
const b64 = (b) => Buffer.from(b).toString('base64url');
const tok = (p) => `${b64('{"alg":"ES256"}')}.${b64(p)}.AQID`;
const ours = (bytes) => { try { g.decodeJwt(tok(bytes), ['ES256']); return true; } catch (e) { if (e.code !== 'MALFORMED_JWT') throw e; return false; } };
const node = (bytes) => {
  let s; try { s = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes); } catch { return false; }
  try { const v = JSON.parse(s); return v !== null && typeof v === 'object' && !Array.isArray(v); } catch { return false; }
};
const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const hasLone = (bytes) => { try { return JSON.stringify(JSON.parse(Buffer.from(bytes).toString())).match(/\\ud[89ab]|\\ud[c-f]/i) !== null || LONE.test(JSON.parse(Buffer.from(bytes).toString())); } catch { return false; } };
let seed = 12345; const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
const atoms = ['0','-0','1e5','1.5','-1E-2','true','false','null','""','"\\u0000"','"\\ud83d\\ude00"','"\\ud800"','"é"','[]','{}','[1,{"a":[2]}]','1e999','123456789012345678901234567890'];
const noise = ['{','}','[',']',',',':','"','\\','0','-','+','.','e',' ','\t','\n','\r','\v','\f','\u00a0','\ufeff','\u0000','\u001f','\u007f','x','\\u','\\x','tru','01','1.','.1','1e','NaN','/*','\u2028','\'', '\\ud800', '\\udc00'];
function val(d) { const k = d > 4 ? 0 : rnd(4); if (k < 2) return atoms[rnd(atoms.length)]; if (k === 2) return '[' + Array.from({ length: rnd(4) }, () => val(d + 1)).join(',') + ']'; return obj(d + 1); }
function obj(d) { return '{' + Array.from({ length: rnd(4) }, () => ['"a"','"exp"','""','"\\u0061"'][rnd(4)] + ':' + val(d)).join(',') + '}'; }
const diffs = []; let acc = 0;
for (let i = 0; i < 200000; i++) {
  let b = Buffer.from(obj(0));
  for (let m = rnd(3); m > 0; m--) {
    const at = rnd(b.length + 1);
    const op = rnd(3);
    if (op === 0) b = Buffer.concat([b.subarray(0, at), Buffer.from(noise[rnd(noise.length)]), b.subarray(at)]);
    else if (op === 1 && at < b.length) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    else if (rnd(4) === 0) b = Buffer.concat([b.subarray(0, at), Buffer.from([[0x80, 0xc0, 0xff, 0xed][rnd(4)]]), b.subarray(at)]);
  }
  const o = ours(b), n = node(b);
  if (o) acc++;
  if (o !== n && !(n && !o && hasLone(b)) && diffs.length < 20) diffs.push(`node ${n} ours ${o}: ${JSON.stringify(b.toString('latin1'))}`);
}
// depth
for (const d of [128, 129, 10000, 100000]) {
  const t = `{"a":${'['.repeat(d)}${']'.repeat(d)}}`;
  let r; try { r = ours(Buffer.from(t)); } catch (e) { r = `threw ${e.code} ${e.message}`; }
  console.log(`depth ${d}: ours ${r}, node ${node(Buffer.from(t))}`);
}
console.log(`accepted ${acc}; differences (lone surrogates excluded): ${diffs.length}`);
console.log(diffs.join('\n'));
if (diffs.length) process.exitCode = 1;
