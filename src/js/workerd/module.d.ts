// `import 'edge-kms/rsa'` (also `rare`, `jwt`, `kms`): in a Worker, bundles that
// WebAssembly module; elsewhere it does nothing. It exports nothing.
export {};
