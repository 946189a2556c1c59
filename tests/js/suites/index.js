// Every portable suite, in the order they run. Each runtime runner imports this.
import basics from './basics.suite.js';
import brokerKeyring from './broker.suite.js';

export default [basics, brokerKeyring];
