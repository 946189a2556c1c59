// Regression tests from an adversarial review of the HPKE split (branch hpke, 2026-12-02; fixed on main by the shadow-stack scrub of core.js and the broker's own curve check): the broker's recipient-key check in Deno (importKey takes off-curve points there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { DENO } from './deno-bin.js';

const script = `
import { checkRecipientKey, hpkeSeal } from ${JSON.stringify(new URL('../../src/js/broker/hpke.js', import.meta.url).href)};
const eph = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
const pk = new Uint8Array(await crypto.subtle.exportKey('raw', eph.publicKey));
const off = pk.slice(); off[64] ^= 1;
const out = {};
try { await checkRecipientKey(off); out.check = 'accepted'; } catch (e) { out.check = e.name + ':' + (e.code ?? e.status ?? e.message); }
try { await hpkeSeal({ publicKey: off, aad: new Uint8Array(1), plaintext: new Uint8Array(32) }); out.seal = 'sealed'; } catch (e) { out.seal = e.constructor.name + ':' + (e.code ?? e.message); }
console.log(JSON.stringify(out));
`;

test('deno-broker (a review finding, fixed): in Deno, checkRecipientKey refuses an off-curve recipient key before any KMS call (as in Node)', () => {
  let out;
  try {
    out = JSON.parse(execFileSync(DENO, ['eval', '--quiet', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } }).trim().split('\n').pop());
  } catch (e) {
    return test.skip?.(`no deno: ${e.message}`);
  }
  assert.notEqual(out.check, 'accepted', `Deno: checkRecipientKey ${out.check}; hpkeSeal ${out.seal}`);
  assert.match(out.seal, /^ProtocolError/, `Deno: hpkeSeal of an off-curve key fails with ${out.seal} (not a 400 ProtocolError)`);
});
