// Package-level behaviour every runtime must show: the module loads, errors
// carry stable codes, and bad arguments are refused with a code.
import { assert } from '../harness.js';

export default {
  name: 'basics',
  /** @param {import('../harness.js').Registrar} t @param {import('../harness.js').Ctx} ctx */
  register(t, { edgeKms }) {
    t.test('init() loads the wasm core and is idempotent', async () => {
      await Promise.all([edgeKms.init(), edgeKms.init()]);
      await edgeKms.init();
    });
    t.test('EdgeKmsError is an Error with a code', () => {
      const e = new edgeKms.EdgeKmsError('TAMPERED', 'x');
      assert.ok(e instanceof Error);
      assert.equal(e.code, 'TAMPERED');
      assert.equal(e.name, 'EdgeKmsError');
    });
  },
};
