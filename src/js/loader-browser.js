// How browsers, bundlers (Vite, webpack 5, Rollup, esbuild) and Deno load a
// module: each fetches its wasm file on first use, from the
// `new URL(..., import.meta.url)` in src/js/modules/<name>.js (the pattern
// bundlers rewrite to the emitted file). entry-browser.js imports it; so does
// a page that imports part of the shim unbundled (the docs page's advisor,
// www/kms-core.js), which then fetches that part's files and not all ~45.
import { setWasmLoader } from './core.js';

setWasmLoader((m) => m.glue.default({ module_or_path: m.url() }));
