// The verify page's entry: exposes run() to the test driving the browser.
import { run } from './run-verify.js';

globalThis.run = run;
globalThis.pageReady = true;
