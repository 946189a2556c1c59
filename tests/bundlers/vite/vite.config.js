// A multi-page app (nothing here is about edge-kms).
import { defineConfig } from 'vite';

export default defineConfig({
  build: { rolldownOptions: { input: { seal: 'seal.html', verify: 'verify.html', advisor: 'advisor.html' } } },
});
