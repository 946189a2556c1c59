// The advisor, the cost estimator and the identifier explainer run the
// package's `kms` module alone. This page is served unbundled (pkg/ through its
// import map), and `import ... from 'edge-kms'` would fetch every file of the
// package's JS before anything shows; so these three import the browser loader
// and the KMS functions themselves, and the playground, which needs the rest,
// imports 'edge-kms' when it opens (app.js). An app that bundles edge-kms gets
// the same from `import { recommendKeyType } from 'edge-kms'`: its bundler
// keeps what the page calls.
import 'edge-kms/loader-browser.js';

export { init } from 'edge-kms/core.js';
export { parseKeyIdentifier, recommendKeyType, estimateCost } from 'edge-kms/kms.js';
