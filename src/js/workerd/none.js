// `import 'edge-kms/<module>'` outside workerd: nothing to do. Browsers, Deno,
// Node and Bun load each module from its file on first use; only a Worker must
// bundle the modules it uses (workerd/compiled.js).
export {};
