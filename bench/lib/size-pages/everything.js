// Everything the package can load: the whole API, and init() preloading every module.
import * as edgeKms from 'edge-kms';

globalThis.run = async () => {
  await edgeKms.init();
  return [Object.keys(edgeKms).length > 10];
};
globalThis.pageReady = true;
