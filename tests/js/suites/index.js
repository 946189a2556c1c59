// Every portable suite, in the order they run. Each runtime runner imports this.
import basics from './basics.suite.js';
import envelope from './envelope.suite.js';

export default [basics, envelope];
