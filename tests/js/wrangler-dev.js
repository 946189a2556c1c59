// `wrangler dev` as a child for the tests and benches (not a test file
// itself): offline (WRANGLER_SEND_METRICS=false; CLOUDFLARE_CF_FETCH_ENABLED=false:
// no attempt to fetch `Request.cf` from workers.cloudflare.com), on free ports of 127.0.0.1
// (the inspector too, so parallel runs do not collide), state under
// tests/artifacts. Stopped with its whole process group (wrangler and its
// workerd child).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './servers.js';

export const WRANGLER = fileURLToPath(new URL('../../node_modules/wrangler/bin/wrangler.js', import.meta.url));
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/**
 * @param {string} config path of a wrangler.toml
 * @param {{ vars?: Record<string, string>, name: string, script?: string }} options  `script`: run this already
 *   bundled file (`wrangler deploy --dry-run --outdir` output) with `--no-bundle` instead of the
 *   config's `main`: wrangler then watches only that file, not the package (a rebuild of pkg/ by
 *   someone else would otherwise restart the Worker mid-request)
 * @returns {Promise<{ url: string, pid: number, output: () => string, stop: () => Promise<void> }>}
 */
export async function startWranglerDev(config, options) {
  // A free port can be taken between freePort() and workerd's bind (by another
  // process, or by one of workerd's own loopback listeners): seen once in a
  // full test run ("Address already in use"). Try again on fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(config, options);
    } catch (e) {
      if (attempt >= 3 || !/Address already in use/.test(String(/** @type {Error} */ (e).message))) throw e;
    }
  }
}

/** @param {string} config @param {{ vars?: Record<string, string>, name: string, script?: string }} options */
async function startOnce(config, { vars = {}, name, script }) {
  const port = await freePort();
  const inspector = await freePort();
  const persist = fileURLToPath(new URL(`../artifacts/wrangler-${name}/`, import.meta.url));
  const args = [WRANGLER, 'dev', ...(script ? [script, '--no-bundle'] : []), '-c', config, '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector), '--persist-to', persist, '--show-interactive-dev-session=false'];
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`);
  const child = spawn(process.execPath, args, {
    // A registry of its own: wrangler dev reloads its Worker whenever the shared dev registry
    // (~/.wrangler/registry) changes, i.e. whenever any other wrangler dev on this machine starts
    // or stops, and a POST in flight then gets 503 "Your worker restarted mid-request".
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', FORCE_COLOR: '0', WRANGLER_LOG_PATH: persist, WRANGLER_REGISTRY_PATH: `${persist}registry`, CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: workerd goes with it
  });
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { out += c; });
  const exited = new Promise((ok) => child.once('exit', ok));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
    if (await Promise.race([exited.then(() => true), sleep(5000).then(() => false)])) return;
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    await exited;
  };
  const deadline = Date.now() + 60_000;
  const ready = new RegExp(`Ready on (http://127\\.0\\.0\\.1:${port})`);
  while (!ready.test(out)) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${out}`);
    if (Date.now() > deadline) { await stop(); throw new Error(`wrangler dev did not start in 60 s:\n${out}`); }
    await sleep(100);
  }
  return { url: `http://127.0.0.1:${port}`, pid: /** @type {number} */ (child.pid), output: () => out, stop };
}
