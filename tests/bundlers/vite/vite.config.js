// A multi-page app, one HTML page per entry of pages.js (nothing here is about edge-kms).
import { defineConfig } from 'vite';
import { PAGES } from './pages.js';

export default defineConfig({
  build: { rolldownOptions: { input: Object.fromEntries(Object.keys(PAGES).map((p) => [p, `${p}.html`])) } },
});
