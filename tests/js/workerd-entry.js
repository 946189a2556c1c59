// The Worker that runs the portable suites inside workerd. Bundled by
// workerd.test.js with esbuild and the `workerd` export condition, as wrangler
// does, so it imports the package exactly like a user's Worker.
import * as edgeKms from 'edge-kms';
// The suites use every module: the workerd entry bundles envelope, verify and
// ecdsa, and these add the others (workerd-modules.test.js).
import 'edge-kms/rsa';
import 'edge-kms/rare';
import 'edge-kms/jwt';
import 'edge-kms/kms';
import suites from './suites/index.js';
import { runAll } from './harness.js';

export default {
  async fetch(request) {
    const { fixtures } = await request.json();
    const results = await runAll(suites, { edgeKms, fixtures, runtime: 'workerd' });
    return Response.json(results);
  },
};
