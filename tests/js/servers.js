// Child servers for the tests (not a test file itself): moto's KMS
// and pkg-scripts/demo-server.js, each on a free port of 127.0.0.1, each
// stopped by the test that started it. Startup waits are bounded.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/** A port nobody listens on right now (127.0.0.1). */
export async function freePort() {
  const s = createServer();
  await new Promise((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = /** @type {import('node:net').AddressInfo} */ (s.address());
  await new Promise((ok) => s.close(ok));
  return port;
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`. Resolves with its exit code and signal. */
async function stop(child, exited, graceMs = 3000) {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const done = await Promise.race([exited, sleep(graceMs).then(() => null)]);
    if (done) return done;
    child.kill('SIGKILL');
  }
  return exited;
}

/**
 * moto's KMS (python3 -m moto.server) on 127.0.0.1.
 * @returns {Promise<{ endpoint: string, stop: () => Promise<unknown> }>}
 */
export async function startMoto() {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => { stderr = (stderr + c).slice(-4000); });
  const exited = new Promise((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto exited: ${stderr}`);
    try { if ((await fetch(`${endpoint}/moto-api/`)).ok) break; } catch { /* not up yet */ }
    if (Date.now() > deadline) { await stop(child, exited); throw new Error(`moto did not start in 30 s: ${stderr}`); }
    await sleep(100);
  }
  return { endpoint, stop: () => stop(child, exited) };
}

/**
 * pkg-scripts/demo-server.js as a user runs it, on a free port, keys in memory.
 * @param {string[]} args extra arguments (e.g. ['--www', dir])
 * @returns {Promise<{ url: string, output: () => string, stop: () => Promise<{ code: number | null, signal: string | null }> }>}
 */
export async function startDemoServer(args = []) {
  const script = fileURLToPath(new URL('../../pkg-scripts/demo-server.js', import.meta.url));
  const child = spawn(process.execPath, [script, '--in-memory', ...args], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { err += c; });
  const exited = new Promise((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
  const banner = /edge-kms demo on (http:\/\/127\.0\.0\.1:\d+)/;
  const deadline = Date.now() + 30_000;
  while (!banner.test(out)) {
    if (child.exitCode !== null) throw new Error(`demo server exited: ${out}\n${err}`);
    if (Date.now() > deadline) { await stop(child, exited); throw new Error(`demo server did not start in 30 s: ${out}\n${err}`); }
    await sleep(50);
  }
  return { url: banner.exec(out)[1], output: () => out, stop: () => stop(child, exited) };
}
