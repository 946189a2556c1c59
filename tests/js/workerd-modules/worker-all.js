// The same Worker with the four other modules added by their subpaths.
import 'edge-kms/rsa';
import 'edge-kms/rare';
import 'edge-kms/jwt';
import 'edge-kms/kms';

export { default } from './worker.js';
