// The advisor page's entry: exposes run() to the test driving the browser.
import { run } from './run-advisor.js';

globalThis.run = run;
globalThis.pageReady = true;
