// The docs page (www/) in headless Chromium against the built package:
// every recommendation reached by clicking through the tree, conflicts, the
// generated CLI and key policy, the identifier explainer, the cost
// estimator, URL state with back/forward, keyboard-only use, no console
// errors. Screenshots of each step go to tests/artifacts/www/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './browser.js';
import { serveStatic } from './static-server.js';

const shots = fileURLToPath(new URL('../artifacts/www/', import.meta.url));
let browser, server, base;
const consoleErrors = [];

before(async () => {
  await mkdir(shots, { recursive: true });
  server = await serveStatic();
  base = `${server.url}/www/index.html`;
  browser = await launchChromium();
});
after(async () => { await browser?.close(); await server?.close(); });

async function open(query = '', { viewport = { width: 1200, height: 900 }, context } = {}) {
  const ctx = context ?? await browser.newContext({ viewport });
  const page = await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${m.text()} (${page.url()})`); });
  page.on('pageerror', (e) => consoleErrors.push(`${e} (${page.url()})`));
  await page.goto(`${base}${query}`);
  await page.waitForSelector('html[data-ready=true]', { timeout: 15_000 });
  return page;
}

async function shot(page, name) {
  await page.locator('#advisor').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${shots}${name}.png` });
}

/** Answers the current question by clicking its option, then Next; returns the next question id or 'result'. */
async function answer(page, value) {
  await page.locator(`input[name=answer][value="${value}"]`).check();
  await page.getByRole('button', { name: /Next|See recommendation/ }).click();
  return whereAmI(page);
}

async function whereAmI(page) {
  const el = await page.waitForSelector('#advisor-app form.question, #advisor-app .result');
  return (await el.getAttribute('data-question')) ?? 'result';
}

async function clickThrough(page, name, steps) {
  let i = 0;
  await shot(page, `${name}-0`);
  for (const [question, value] of steps) {
    assert.equal(await whereAmI(page), question, `${name}: step ${i + 1}`);
    await answer(page, value);
    await shot(page, `${name}-${++i}`);
  }
  assert.equal(await whereAmI(page), 'result', `${name}: a result after ${steps.length} answers`);
  return {
    keyType: await page.locator('.result').getAttribute('data-key-type'),
    cli: await page.locator('#cli').textContent(),
    policy: (await page.locator('#policy').count()) ? JSON.parse(await page.locator('#policy').textContent()) : null,
    conflicts: await page.locator('.conflicts li').evaluateAll((li) => li.map((l) => l.dataset.code)),
    title: await page.locator('#result-title').textContent(),
  };
}

const CONTROL = [['needKeyControl', 'yes'], ['crossAccount', 'no'], ['purpose', 'encrypt']];
const CREATE = 'KEY_ID=$(aws kms create-key --region us-east-1 --key-spec SYMMETRIC_DEFAULT --key-usage ENCRYPT_DECRYPT';
const ALIAS = 'aws kms create-alias --region us-east-1 --alias-name alias/my-app-key --target-key-id "$KEY_ID"';

const CASES = [
  {
    name: 'aws-owned',
    steps: [['needKeyControl', 'no'], ['crossAccount', 'no'], ['auditKeyUse', 'no']],
    check(r) {
      assert.match(r.cli, /^# Nothing to create or manage/);
      assert.doesNotMatch(r.cli, /^aws kms/m, 'no command to run');
      assert.equal(r.policy, null);
    },
  },
  {
    name: 'aws-managed',
    steps: [['needKeyControl', 'no'], ['crossAccount', 'no'], ['auditKeyUse', 'yes']],
    check(r) {
      assert.ok(r.cli.includes('aws kms describe-key --region us-east-1 --key-id alias/aws/s3'));
      assert.doesNotMatch(r.cli, /create-key/);
      assert.equal(r.policy, null);
    },
  },
  {
    name: 'customer-managed',
    steps: [...CONTROL, ['hsmRequired', 'no'], ['importKeyMaterial', 'no'], ['multiRegion', 'no'], ['automaticRotation', 'yes']],
    check(r) {
      assert.ok(r.cli.includes(`${CREATE} --description "my-app data key wrapping key" --policy file://key-policy.json --query KeyMetadata.KeyId --output text)`), r.cli);
      assert.ok(r.cli.includes(ALIAS));
      assert.ok(r.cli.includes('aws kms enable-key-rotation --region us-east-1 --key-id "$KEY_ID" --rotation-period-in-days 365'));
      assert.deepEqual(r.policy.Statement.map((s) => s.Sid), ['KeyAdministrationWithoutUse', 'AllowUseOnlyWithThisEncryptionContext', 'AllowDescribe']);
      assert.deepEqual(r.policy.Statement[1].Action, ['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt']);
      assert.deepEqual(r.policy.Statement[1].Condition, { StringEquals: { 'kms:EncryptionContext:app': 'my-app' } });
      assert.ok(!r.policy.Statement[0].Action.includes('kms:Decrypt'));
    },
  },
  {
    name: 'cloudhsm-key-store',
    steps: [...CONTROL, ['hsmRequired', 'yes'], ['importKeyMaterial', 'no'], ['multiRegion', 'no'], ['automaticRotation', 'no']],
    check(r) {
      assert.ok(r.cli.includes('KEY_STORE_ID=$(aws kms create-custom-key-store --region us-east-1 --custom-key-store-name my-app-key-store'));
      assert.ok(r.cli.includes('aws kms connect-custom-key-store --region us-east-1 --custom-key-store-id "$KEY_STORE_ID"'));
      assert.ok(r.cli.includes(`${CREATE} --origin AWS_CLOUDHSM --custom-key-store-id "$KEY_STORE_ID"`));
      assert.doesNotMatch(r.cli, /enable-key-rotation|--multi-region/);
      assert.ok(!r.policy.Statement[0].Action.includes('kms:RotateKeyOnDemand'));
    },
  },
  {
    name: 'imported-key-material',
    steps: [...CONTROL, ['hsmRequired', 'no'], ['importKeyMaterial', 'yes'], ['multiRegion', 'no'], ['automaticRotation', 'no']],
    check(r) {
      assert.ok(r.cli.includes(`${CREATE} --origin EXTERNAL`));
      assert.ok(r.cli.includes('aws kms get-parameters-for-import --region us-east-1 --key-id "$KEY_ID" --wrapping-algorithm RSAES_OAEP_SHA_256 --wrapping-key-spec RSA_4096'));
      assert.ok(r.cli.includes('aws kms import-key-material --region us-east-1 --key-id "$KEY_ID" --encrypted-key-material fileb://EncryptedKeyMaterial.bin'));
      assert.doesNotMatch(r.cli, /enable-key-rotation/);
      assert.ok(r.policy.Statement[0].Action.includes('kms:ImportKeyMaterial'));
    },
  },
  {
    name: 'multi-region',
    steps: [...CONTROL, ['hsmRequired', 'no'], ['importKeyMaterial', 'no'], ['multiRegion', 'yes'], ['automaticRotation', 'yes']],
    check(r) {
      assert.ok(r.cli.includes(`${CREATE} --multi-region`));
      assert.ok(r.cli.includes('aws kms replicate-key --region us-east-1 --key-id "$KEY_ID" --replica-region eu-west-1 --policy file://key-policy.json'));
      assert.ok(r.cli.includes('aws kms create-alias --region eu-west-1 --alias-name alias/my-app-key'));
      assert.ok(r.cli.includes('aws kms enable-key-rotation --region us-east-1'));
      assert.ok(r.policy.Statement[0].Action.includes('kms:ReplicateKey'));
    },
  },
];

for (const c of CASES) {
  test(`advisor: clicking through reaches ${c.name}, with its CLI and key policy`, async () => {
    const page = await open();
    const r = await clickThrough(page, c.name, c.steps);
    assert.equal(r.keyType, c.name);
    assert.deepEqual(r.conflicts, []);
    c.check(r);
    await page.context().close();
  });
}

test('advisor: conflict — no key control but cross-account', async () => {
  const page = await open();
  const r = await clickThrough(page, 'conflict-cross-account', [['needKeyControl', 'no'], ['crossAccount', 'yes']]);
  assert.equal(r.keyType, 'customer-managed');
  assert.deepEqual(r.conflicts, ['CONTROL_REQUIRED_FOR_CROSS_ACCOUNT']);
  assert.deepEqual(r.policy.Statement[1].Principal.AWS, ['arn:aws:iam::111122223333:role/my-app', 'arn:aws:iam::444455556666:root']);
  assert.match(await page.locator('#advisor-status').textContent(), /1 conflict/);
  await page.context().close();
});

test('advisor: conflict — HSM and multi-Region', async () => {
  const page = await open();
  const r = await clickThrough(page, 'conflict-hsm-multi-region',
    [...CONTROL, ['hsmRequired', 'yes'], ['importKeyMaterial', 'no'], ['multiRegion', 'yes'], ['automaticRotation', 'no']]);
  assert.equal(r.keyType, 'cloudhsm-key-store');
  assert.deepEqual(r.conflicts, ['HSM_MULTI_REGION']);
  assert.doesNotMatch(r.cli, /--multi-region|replicate-key/);
  await page.context().close();
});

test('advisor: the URL holds the state; back and forward restore it', async () => {
  const page = await open();
  await answer(page, 'yes');
  await answer(page, 'no');
  assert.equal(new URL(page.url()).search, '?needKeyControl=yes&crossAccount=no&step=3');
  assert.equal(await whereAmI(page), 'purpose');

  await page.goBack();
  await page.waitForSelector('form.question[data-question=crossAccount]');
  assert.equal(await page.locator('input[name=answer][value=no]').isChecked(), true, 'the earlier answer is kept');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'q-title', 'focus moves to the question');
  await page.goForward();
  await page.waitForSelector('form.question[data-question=purpose]');

  // The in-page Back button goes back one question too.
  await page.getByRole('button', { name: '← Back' }).click();
  await page.waitForSelector('form.question[data-question=crossAccount]');

  // A shared link opens straight on the recommendation.
  const shared = await open('?needKeyControl=yes&crossAccount=no&purpose=sign&hsmRequired=no&importKeyMaterial=no&multiRegion=yes&automaticRotation=no&step=result');
  await shared.waitForSelector('.result[data-key-type=multi-region]');
  assert.match(await shared.locator('#cli').textContent(), /--key-spec ECC_NIST_P256 --key-usage SIGN_VERIFY --multi-region/);
  assert.match(await shared.locator('#api').textContent(), /recommendKeyType\(\{\n  "needKeyControl": true,[^]*"purpose": "sign"[^]*r\.keyType; \/\/ 'multi-region'/);
  await shot(shared, 'shared-link');
  // "Change" jumps to that question with the answer preselected.
  await shared.getByRole('button', { name: 'Change answer to: What will the key do?' }).click();
  await shared.waitForSelector('form.question[data-question=purpose]');
  assert.equal(await shared.locator('input[value=sign]').isChecked(), true);
  assert.match(shared.url(), /step=3/);
  await shared.context().close();
  await page.context().close();
});

test('advisor: keyboard only, with visible focus', async () => {
  const page = await open();
  const active = () => page.evaluate(() => {
    const a = document.activeElement;
    return { tag: a?.tagName, name: a?.getAttribute('name'), value: a?.getAttribute('value'), action: a?.dataset?.action, id: a?.id };
  });
  async function tabTo(pred, max = 30) {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press('Tab');
      if (pred(await active())) return;
    }
    throw new Error(`focus never reached the target; last ${JSON.stringify(await active())}`);
  }
  /** Picks option `index` of the current question with the arrow keys, then presses Next with Enter. */
  async function pick(index) {
    await tabTo((a) => a.name === 'answer');
    // Arrow keys move through a radio group and check what they land on.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    for (let i = 0; i < index; i++) await page.keyboard.press('ArrowDown');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement.closest('label')).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused option shows a focus ring');
    await tabTo((a) => a.action === 'next');
    await page.keyboard.press('Enter');
  }

  await pick(0); // control: yes
  assert.equal((await active()).id, 'q-title');
  await pick(0); // cross-account: yes
  await pick(1); // purpose: sign
  await pick(1); // HSM: no
  await pick(1); // import: no
  await pick(1); // multi-Region: no
  await pick(1); // rotation: no
  await page.waitForSelector('.result[data-key-type=customer-managed]');
  assert.equal((await active()).id, 'result-title', 'focus moves to the recommendation');
  assert.match(await page.locator('#advisor-status').textContent(), /^Recommendation: Customer managed key/);
  assert.match(await page.locator('#cli').textContent(), /--key-spec ECC_NIST_P256 --key-usage SIGN_VERIFY/);
  await shot(page, 'keyboard-result');
  await page.context().close();
});

test('advisor: copy buttons put the commands and the policy on the clipboard', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await open('?needKeyControl=yes&crossAccount=no&purpose=encrypt&hsmRequired=no&importKeyMaterial=no&multiRegion=no&automaticRotation=no&step=result', { context });
  await page.getByRole('button', { name: 'Copy key policy' }).click();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(JSON.parse(copied).Version, '2012-10-17');
  await page.getByRole('button', { name: 'Copy commands' }).click();
  assert.match(await page.evaluate(() => navigator.clipboard.readText()), /^# Save the key policy/);
  await context.close();
});

test('glossary: the identifier explainer explains and refuses', async () => {
  const page = await open();
  const input = page.getByLabel('Paste a key id, key ARN, alias or alias ARN');
  await input.fill('arn:aws-cn:kms:cn-north-1:111122223333:alias/aws/s3');
  await page.waitForSelector('#explain-result .verdict.ok >> text=Alias ARN');
  const text = await page.locator('#explain-result').textContent();
  assert.match(text, /aws-cn/);
  assert.match(text, /cn-north-1/);
  assert.match(text, /An AWS managed key/);
  await input.fill('arn:aws:kms:us-east-1:12345:key/1234abcd-12ab-34cd-56ef-1234567890ab');
  await page.waitForSelector('#explain-result .verdict.bad');
  assert.match(await page.locator('#explain-result').textContent(), /INVALID_KEY_IDENTIFIER/);
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  await page.locator('#glossary').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${shots}explainer.png` });
  await page.context().close();
});

test('cost: the estimator shows what the cache saves', async () => {
  const page = await open();
  await page.getByLabel('Symmetric operations / month').fill('10020000');
  await page.locator('#c-cache').fill('0.9');
  await page.waitForFunction(() => document.getElementById('cost-savings')?.textContent.includes('9,018,000'));
  assert.equal(await page.locator('#cost-total').textContent(), '$3.95');
  await page.locator('#c-cache').fill('0');
  await page.waitForFunction(() => document.getElementById('cost-total')?.textContent === '$31.00');
  await page.locator('#cost').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${shots}cost.png` });
  await page.context().close();
});

test('sources: every fact marker leads to a source with a link and a verification status', async () => {
  const page = await open();
  const markers = await page.locator('sup.src a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(markers.length >= 10, `${markers.length} markers`);
  const sources = await page.locator('#sources li').evaluateAll((lis) => lis.map((li) => ({
    id: li.id,
    links: [...li.querySelectorAll('a[href]')].map((a) => a.href),
    status: li.querySelector('.status')?.className ?? '',
  })));
  for (const href of markers) assert.ok(sources.some((s) => `#${s.id}` === href), `${href} has a source`);
  for (const s of sources) {
    assert.ok(markers.includes(`#${s.id}`), `${s.id} is cited`);
    assert.ok(s.links.length >= 1 && s.links.every((l) => l.startsWith('https://')), `${s.id} links its source`);
    assert.match(s.status, /\bstatus (ok|unverified)\b/, `${s.id} says whether it was verified`);
  }
  // The glossary names ECC_NIST_EDWARDS25519 (issue 11: it was missing).
  assert.match(await page.locator('#g-spec + dd').textContent(), /ECC_NIST_EDWARDS25519/);
  // Asymmetric requests get no free tier (source 3): 20,000 of them cost $0.30 on top of the key's $1.
  await page.getByLabel('Symmetric operations / month').fill('0');
  await page.getByLabel('Asymmetric requests / month').fill('20000');
  await page.waitForFunction(() => document.getElementById('cost-total')?.textContent === '$1.30');
  await page.context().close();
});

test('layout: small screens and dark mode render without horizontal page scroll', async () => {
  const context = await browser.newContext({ viewport: { width: 375, height: 800 }, colorScheme: 'dark' });
  const page = await open('?needKeyControl=no&crossAccount=yes&step=result', { context });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
  await page.screenshot({ path: `${shots}mobile-dark.png` });
  await page.locator('#compare').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${shots}mobile-dark-compare.png` });
  assert.equal(await page.locator('#playground').count(), 1, 'the playground container is there for the lead');
  await context.close();
});

test('no console errors on any page visited', () => {
  assert.deepEqual(consoleErrors, []);
});
