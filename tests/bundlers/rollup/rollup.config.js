// Rollup resolves packages only with @rollup/plugin-node-resolve, and leaves
// `new URL('./x.wasm', import.meta.url)` alone: without importMetaAssets() the
// wasm files are not emitted and the pages cannot load them (WASM_LOAD_FAILED).
// ROLLUP_NO_ASSETS=1 builds without it (the test checks that this still fails).
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { importMetaAssets } from '@web/rollup-plugin-import-meta-assets';
import { PAGES } from './pages.js';

export default {
  input: Object.fromEntries(Object.keys(PAGES).map((p) => [p, `${p}.js`])),
  output: { dir: 'dist', format: 'es' },
  plugins: [nodeResolve({ browser: true }), ...(process.env.ROLLUP_NO_ASSETS ? [] : [importMetaAssets()])],
};
