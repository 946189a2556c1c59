// Cloudflare Workers (workerd), `import … from 'edge-kms'`: every module,
// so that everything works in a Worker with no configuration, as in every
// other runtime. workerd compiles each bundled module when the Worker starts,
// used or not: a Worker that wants a smaller bundle and start-up imports
// 'edge-kms/lean' instead (envelope-full, verify, ecdsa) and adds what it uses with
// `import 'edge-kms/rsa'` (rare, jwt, kms). README, "Workers"; the figures
// are in BENCHMARKS.md.
import './workerd/rsa.js';
import './workerd/rare.js';
import './workerd/jwt.js';
import './workerd/kms.js';

export * from './entry-workerd-lean.js';
