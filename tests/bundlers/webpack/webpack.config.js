// Three entries, one per page (nothing here is about edge-kms).
import { fileURLToPath } from 'node:url';

export default {
  mode: 'production',
  entry: { seal: './seal.js', verify: './verify.js', advisor: './advisor.js' },
  output: { path: fileURLToPath(new URL('./dist', import.meta.url)), filename: '[name].js', clean: true },
  performance: { hints: false },
};
