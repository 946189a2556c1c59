// Bun as a runtime (the package's `node` entry): the pages' run() functions,
// input as JSON on argv, results as JSON on stdout.
import { run as seal } from './run-seal.js';
import { run as verify } from './run-verify.js';
import { run as advisor } from './run-advisor.js';
import { run as sealRsa } from './run-seal-rsa.js';

const inputs = JSON.parse(process.argv[2]);
const pages = { seal, verify, advisor, 'seal-rsa': sealRsa };
const out = {};
for (const [page, input] of Object.entries(inputs)) {
  out[page] = await pages[page](input).then((value) => ({ ok: true, value }), (e) => ({ ok: false, code: e?.code ?? null, error: String(e) }));
}
console.log(JSON.stringify(out));
