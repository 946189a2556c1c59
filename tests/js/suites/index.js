// Every portable suite, in the order they run. Each runtime runner imports this.
import basics from './basics.suite.js';
import verify from './verify.suite.js';

export default [basics, verify];
