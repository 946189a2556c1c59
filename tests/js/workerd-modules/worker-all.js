// The lean Worker (worker-lean.js, 'edge-kms/lean') with the four other modules added by their subpaths.
import 'edge-kms/rsa';
import 'edge-kms/rare';
import 'edge-kms/jwt';
import 'edge-kms/kms';

export { default } from './worker-lean.js';
