// Runs the portable suites in headless Chromium against the built package.
import { after } from 'node:test';
import { launchChromium } from './browser.js';
import { serveStatic } from './static-server.js';
import { reportRemote } from './runtime-report.js';
import { loadFixtures } from './fixtures.js';

let browser, server;
after(async () => { await browser?.close(); await server?.close(); });

reportRemote('chromium', async () => {
  server = await serveStatic();
  browser = await launchChromium();
  const page = await browser.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(`${server.url}/tests/js/chromium.html`);
  await page.waitForFunction(() => window.suitesReady === true, null, { timeout: 30_000 });
  const results = await page.evaluate((fixtures) => window.runSuites(fixtures), await loadFixtures());
  if (consoleErrors.length) results.push({ suite: results[0]?.suite ?? 'basics', name: 'no console errors', ok: false, error: consoleErrors.join('\n') });
  return results;
});
