// Starts pkg-scripts/demo-server.js (the docs page and the demo broker over an
// in-memory development KMS) on a free loopback port, for the page tests.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../pkg-scripts/demo-server.js', import.meta.url));

/**
 * @param {string[]} [args] more arguments for the server (e.g. '--quiet')
 * @returns {Promise<{ base: string, output: () => string, stop: () => Promise<void> }>}
 *   `base`: the page's origin; `output()`: all the server printed so far (its audit lines among it)
 */
export async function startDemoServer(args = []) {
  const child = spawn(process.execPath, [script, '--in-memory', ...args], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((ok) => child.once('exit', ok));
  let output = '';
  child.stdout.on('data', (c) => { output += c; });
  child.stderr.on('data', (c) => { output += c; });
  const deadline = Date.now() + 30_000;
  let m;
  while (!(m = /edge-kms demo on (http:\/\/127\.0\.0\.1:\d+)/.exec(output))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`demo server did not start:\n${output}`);
    }
    await new Promise((ok) => setTimeout(ok, 50));
  }
  return {
    base: m[1],
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
