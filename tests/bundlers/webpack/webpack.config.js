// One entry per page of pages.js (nothing here is about edge-kms).
import { fileURLToPath } from 'node:url';
import { PAGES } from './pages.js';

export default {
  mode: 'production',
  entry: Object.fromEntries(Object.keys(PAGES).map((p) => [p, `./${p}.js`])),
  output: { path: fileURLToPath(new URL('./dist', import.meta.url)), filename: '[name].js', clean: true },
  performance: { hints: false },
};
