// Which WebAssembly modules each page type may fetch (issue 10): the only place
// the tests of tests/bundlers name modules. The names are the files of the
// package's wasm/ folder without `_bg.wasm`; the test checks each name exists.
export const PAGES = {
  seal: ['envelope'],
  verify: ['verify'],
  advisor: ['kms'],
  // RawRsaKeyring: the message format in `envelope`, the RSA arithmetic in `rsa` (issue 10's split, lead's step).
  'seal-rsa': ['envelope', 'rsa'],
};
