// parseKeyIdentifier, recommendKeyType and estimateCost through the built
// package, the same in Node, workerd and Chromium. The exhaustive rule tables
// are Rust unit tests (src/kms/*); here we check the JS surface: shapes,
// nulls, codes, and that every kind of input crosses the boundary.
import { assert } from '../harness.js';

const UUID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const MRK = 'mrk-1234abcd12ab34cd56ef1234567890ab';

export default {
  name: 'kms',
  /** @param {import('../harness.js').Registrar} t @param {import('../harness.js').Ctx} ctx */
  register(t, { edgeKms }) {
    const { parseKeyIdentifier, recommendKeyType, estimateCost } = edgeKms;

    t.test('parseKeyIdentifier: key id', async () => {
      assert.deepEqual(await parseKeyIdentifier(UUID), {
        kind: 'key-id', partition: null, region: null, account: null, keyId: UUID, alias: null, multiRegion: false, awsManaged: false,
      });
    });
    t.test('parseKeyIdentifier: multi-Region key ARN in aws-us-gov', async () => {
      const k = await parseKeyIdentifier(`arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/${MRK}`);
      assert.deepEqual(k, {
        kind: 'key-arn', partition: 'aws-us-gov', region: 'us-gov-west-1', account: '111122223333', keyId: MRK, alias: null, multiRegion: true, awsManaged: false,
      });
    });
    t.test('parseKeyIdentifier: alias name and AWS managed alias ARN', async () => {
      const a = await parseKeyIdentifier('alias/my-app-key');
      assert.equal(a.kind, 'alias-name');
      assert.equal(a.alias, 'alias/my-app-key');
      assert.equal(a.awsManaged, false);
      const b = await parseKeyIdentifier('arn:aws:kms:eu-west-1:111122223333:alias/aws/s3');
      assert.equal(b.kind, 'alias-arn');
      assert.equal(b.awsManaged, true);
      assert.equal(b.region, 'eu-west-1');
    });
    t.test('parseKeyIdentifier: refuses what KMS would refuse', async () => {
      for (const bad of ['', 'my-key', UUID.toUpperCase(), 'alias/', 'alias/dot.name', `alias/${'a'.repeat(251)}`,
        `arn:aws:kms:us-east-1:11112222333:key/${UUID}`, `arn:aws:kms:cn-north-1:111122223333:key/${UUID}`,
        `arn:aws:s3:us-east-1:111122223333:key/${UUID}`, ` ${UUID}`]) {
        await assert.rejectsWithCode(parseKeyIdentifier(bad), 'INVALID_KEY_IDENTIFIER', JSON.stringify(bad));
      }
      await assert.rejectsWithCode(parseKeyIdentifier(/** @type {any} */ (42)), 'INVALID_KEY_IDENTIFIER', 'a number');
    });

    t.test('recommendKeyType: the six key types', async () => {
      const cases = [
        [{ needKeyControl: false, crossAccount: false, auditKeyUse: false }, 'aws-owned'],
        [{ needKeyControl: false, crossAccount: false, auditKeyUse: true }, 'aws-managed'],
        [{ needKeyControl: true }, 'customer-managed'],
        [{ needKeyControl: true, hsmRequired: true }, 'cloudhsm-key-store'],
        [{ needKeyControl: true, importKeyMaterial: true }, 'imported-key-material'],
        [{ needKeyControl: true, multiRegion: true }, 'multi-region'],
      ];
      for (const [answers, want] of cases) {
        const r = await recommendKeyType(answers);
        assert.equal(r.keyType, want, JSON.stringify(answers));
        assert.deepEqual(r.conflicts, [], want);
        assert.ok(r.reasons.length > 0 && r.cli.length > 0 && r.alternatives.length > 0, want);
        assert.equal(typeof r.monthlyCostUsd, 'number');
      }
    });
    t.test('recommendKeyType: key policy is a plain object with an encryption-context condition', async () => {
      const r = await recommendKeyType({ needKeyControl: true, encryptionContext: { tenant: 'acme' } });
      assert.equal(Object.getPrototypeOf(r.keyPolicy), Object.prototype);
      assert.equal(r.keyPolicy.Version, '2012-10-17');
      assert.equal(r.keyPolicy.Statement[1].Condition.StringEquals['kms:EncryptionContext:tenant'], 'acme');
      assert.ok(r.cli.some((l) => l.includes('--key-spec SYMMETRIC_DEFAULT --key-usage ENCRYPT_DECRYPT')));
      assert.equal((await recommendKeyType()).keyPolicy, null, 'AWS owned keys have no policy of yours');
    });
    t.test('recommendKeyType: conflicts come with stable codes', async () => {
      const r = await recommendKeyType({ needKeyControl: true, hsmRequired: true, multiRegion: true });
      assert.equal(r.keyType, 'cloudhsm-key-store');
      assert.deepEqual(r.conflictCodes, ['HSM_MULTI_REGION']);
      assert.equal(r.conflicts.length, 1);
      const s = await recommendKeyType({ needKeyControl: false, crossAccount: true });
      assert.equal(s.keyType, 'customer-managed');
      assert.deepEqual(s.conflictCodes, ['CONTROL_REQUIRED_FOR_CROSS_ACCOUNT']);
    });
    t.test('recommendKeyType: refuses unknown fields and wrong types', async () => {
      await assert.rejectsWithCode(recommendKeyType(/** @type {any} */ ({ needKeyControll: true })), 'INVALID_ARGUMENT', 'typo');
      await assert.rejectsWithCode(recommendKeyType(/** @type {any} */ ({ needKeyControl: 'yes' })), 'INVALID_ARGUMENT', 'string');
      await assert.rejectsWithCode(recommendKeyType(/** @type {any} */ ({ purpose: 'decrypt' })), 'INVALID_ARGUMENT', 'purpose');
      await assert.rejectsWithCode(recommendKeyType({ alias: 'alias/aws/mine' }), 'INVALID_ARGUMENT', 'reserved alias');
      await assert.rejectsWithCode(recommendKeyType(/** @type {any} */ ([])), 'INVALID_ARGUMENT', 'array');
    });
    t.test('recommendKeyType and estimateCost take plain objects: not a Map, a Date, a Set of regions', async () => {
      // The bindings' reader would take a Map or a Date as the answers (a
      // Map's entries silently ignored) and any iterable as a list.
      for (const [name, v] of Object.entries({ Map: new Map([['needKeyControl', true]]), Date: new Date(0), RegExp: /x/, 'boxed string': new String('x') })) {
        await assert.rejectsWithCode(recommendKeyType(/** @type {any} */ (v)), 'INVALID_ARGUMENT', `answers: ${name}`);
        await assert.rejectsWithCode(estimateCost(/** @type {any} */ (v)), 'INVALID_ARGUMENT', `cost input: ${name}`);
      }
      await assert.rejectsWithCode(recommendKeyType(/** @type {any} */ ({ needKeyControl: true, multiRegion: true, region: 'us-east-1', replicaRegions: new Set(['eu-west-1']) })), 'INVALID_ARGUMENT', 'replicaRegions: a Set');
      // Values that hold no answer are refused (the shim's walk does not enter
      // them: how long a refusal took is measured in SECURITY.md, not asserted).
      const buf = new ArrayBuffer(1 << 20);
      await assert.rejectsWithCode(recommendKeyType(/** @type {any} */ ({ alias: Array.from({ length: 16 }, () => new Uint8Array(buf)) })), 'INVALID_ARGUMENT', 'views of one buffer');
      await assert.rejectsWithCode(estimateCost(/** @type {any} */ ({ keys: new String('a'.repeat(1 << 16)) })), 'INVALID_ARGUMENT', 'a boxed string');
      assert.equal((await recommendKeyType(Object.assign(Object.create(null), { needKeyControl: true }))).keyType, 'customer-managed', 'a null-prototype object is plain');
      // Answers the copy would drop are refused, not ignored (helper-44): a
      // class's getters, inherited, non-enumerable and Symbol-keyed fields.
      const hidden = {
        'class getters': new (class { get needKeyControl() { return true; } })(),
        inherited: Object.create({ needKeyControl: true }),
        'non-enumerable': Object.defineProperty({}, 'needKeyControl', { value: true }),
        'Symbol-keyed': { [Symbol('needKeyControl')]: true },
        // helper-47: a prototype of no prototype whose field is not enumerable,
        // and a getter (of the answers, or giving the encryptionContext).
        'a bare prototype': Object.create(Object.defineProperty(Object.create(null), 'needKeyControl', { value: true })),
        getter: { get needKeyControl() { return true; } },
        'getter of the context': { get encryptionContext() { return { tenant: 'acme' }; } },
      };
      for (const [name, v] of Object.entries(hidden)) {
        await assert.rejectsWithCode(recommendKeyType(/** @type {any} */ (v)), 'INVALID_ARGUMENT', `answers: ${name}`);
        await assert.rejectsWithCode(recommendKeyType(/** @type {any} */ ({ encryptionContext: v })), 'INVALID_ARGUMENT', `encryptionContext: ${name}`);
      }
      await assert.rejectsWithCode(estimateCost(/** @type {any} */ (Object.create({ keys: 3 }))), 'INVALID_ARGUMENT', 'cost input: inherited');
      await assert.rejectsWithCode(estimateCost(/** @type {any} */ (Object.create(Object.defineProperty(Object.create(null), 'keys', { value: 3 })))), 'INVALID_ARGUMENT', 'cost input: a bare prototype');
      // A Proxy as the prototype, whose trap throws: the copy never reads it (helper-47: INTERNAL).
      const trap = new Proxy({}, { getPrototypeOf() { throw new TypeError('trap'); } });
      await assert.rejectsWithCode(recommendKeyType(/** @type {any} */ (Object.create(trap))), 'INVALID_ARGUMENT', 'a throwing prototype');
    });
    t.test('recommendKeyType: encryptionContext is a record, not an array, a Map or a Date', async () => {
      // The bindings' reader would take an array of pairs or a Map as a map;
      // a sparse array made it throw a TypeError through the core (INTERNAL).
      const notRecords = { 'array of pairs': [['tenant', 'acme']], 'empty array': [], 'sparse array': new Array(2), Map: new Map([['tenant', 'acme']]), Date: new Date(0), string: 'tenant=acme' };
      for (const [name, encryptionContext] of Object.entries(notRecords)) {
        await assert.rejectsWithCode(recommendKeyType(/** @type {any} */ ({ needKeyControl: true, encryptionContext })), 'INVALID_ARGUMENT', name);
      }
      const r = await recommendKeyType({ needKeyControl: true, encryptionContext: Object.assign(Object.create(null), { tenant: 'acme' }) });
      assert.equal(r.keyPolicy.Statement[1].Condition.StringEquals['kms:EncryptionContext:tenant'], 'acme', 'a null-prototype object is a record');
    });
    t.test('recommendKeyType and estimateCost: a value that contains itself is INVALID_ARGUMENT, whatever field holds it', async () => {
      // A wasm build whose reader formats the value it refuses recursed on
      // such an array until the stack ran out (INTERNAL); the shim refuses
      // cycles before the core reads anything.
      const loop = /** @type {any[]} */ ([]);
      loop.push(loop);
      const deep = /** @type {any[]} */ ([[1, 2]]);
      deep[0].push(deep);
      const self = /** @type {any} */ ({});
      self.self = self;
      for (const v of [loop, deep]) {
        for (const field of ['alias', 'region', 'needKeyControl', 'requestsPerMonth', 'replicaRegions', 'encryptionContext']) {
          await assert.rejectsWithCode(recommendKeyType(/** @type {any} */ ({ [field]: v })), 'INVALID_ARGUMENT', `${field}: a cycle`);
        }
        await assert.rejectsWithCode(recommendKeyType(/** @type {any} */ ({ replicaRegions: [v] })), 'INVALID_ARGUMENT', 'replicaRegions: [a cycle]');
        await assert.rejectsWithCode(recommendKeyType(/** @type {any} */ ({ encryptionContext: { k: v } })), 'INVALID_ARGUMENT', 'a context value: a cycle');
        await assert.rejectsWithCode(estimateCost(/** @type {any} */ ({ keys: v })), 'INVALID_ARGUMENT', 'keys: a cycle');
        await assert.rejectsWithCode(estimateCost(/** @type {any} */ ({ cacheHitRatio: v })), 'INVALID_ARGUMENT', 'cacheHitRatio: a cycle');
      }
      await assert.rejectsWithCode(recommendKeyType(/** @type {any} */ ({ encryptionContext: self })), 'INVALID_ARGUMENT', 'an object that contains itself');
      // Shared parts are refused too: a reader that formats what it refuses
      // walked a tower of shared arrays once per path (2^depth).
      let tower = /** @type {any} */ (['x']);
      for (let i = 0; i < 40; i++) tower = [tower, tower];
      await assert.rejectsWithCode(recommendKeyType(/** @type {any} */ ({ alias: tower })), 'INVALID_ARGUMENT', 'shared arrays');
      const ctx = { tenant: 'acme' };
      await assert.rejectsWithCode(recommendKeyType(/** @type {any} */ ({ encryptionContext: ctx, replicaRegions: [ctx] })), 'INVALID_ARGUMENT', 'an object in two places');
      // Answers with nested data and no cycle still pass.
      const ok = await recommendKeyType({ needKeyControl: true, multiRegion: true, region: 'us-east-1', replicaRegions: ['us-west-2', 'eu-west-1'], encryptionContext: { tenant: 'acme' } });
      assert.equal(ok.keyPolicy.Statement[1].Condition.StringEquals['kms:EncryptionContext:tenant'], 'acme');
    });

    t.test('estimateCost: the data-key cache cuts request cost', async () => {
      const e = await estimateCost({ keys: 1, requestsPerMonth: 10_020_000, cacheHitRatio: 0.9 });
      assert.equal(e.totalWithoutCacheUsd, 31);
      assert.equal(e.kmsRequests, 1_002_000);
      assert.ok(e.cacheSavingsUsd > 27 && e.cacheSavingsUsd < 28, `saves ${e.cacheSavingsUsd}`);
      assert.ok(/^\d{4}-\d{2}-\d{2}$/.test(e.pricesAsOf));
      const h = await estimateCost({ hsmCount: 2 });
      assert.equal(h.hsmUsd, 2117);
    });
    t.test('estimateCost: refuses nonsense', async () => {
      await assert.rejectsWithCode(estimateCost({ cacheHitRatio: 2 }), 'INVALID_ARGUMENT');
      await assert.rejectsWithCode(estimateCost({ keys: -1 }), 'INVALID_ARGUMENT');
      await assert.rejectsWithCode(estimateCost(/** @type {any} */ ({ keys: '3' })), 'INVALID_ARGUMENT');
      await assert.rejectsWithCode(estimateCost(/** @type {any} */ ({ key: 3 })), 'INVALID_ARGUMENT');
    });
  },
};
