// Every portable suite, in the order they run. Each runner imports this.
import basics from './basics.suite.js';
import verify from './verify.suite.js';
import kms from './kms.suite.js';
import brokerKeyring from './broker.suite.js';
import envelope from './envelope.suite.js';
import boundary from './boundary.suite.js';
import hardening from './hardening.suite.js';
import reencrypt from './reencrypt.suite.js';
import signJwt from './sign-jwt.suite.js';
import hpke from './hpke.suite.js';

export default [basics, verify, kms, brokerKeyring, envelope, reencrypt, hardening, boundary, signJwt, hpke];
