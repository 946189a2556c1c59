// The seal-rsa page's entry: exposes run() to the test driving the browser.
import { run } from './run-seal-rsa.js';

globalThis.run = run;
globalThis.pageReady = true;
