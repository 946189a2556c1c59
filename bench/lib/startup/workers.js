// Workers: size as `wrangler deploy --dry-run` bundles them, and start-up in
// workerd (issue 10), each beside a trivial Worker measured in the same run.
// Run alone: `node bench/lib/startup/workers.js [samples]`.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, gz, br, kib } from '../size-pages/pages.js';

/** @param {{ out: string, samples?: number }} o */
export async function measureWorkers({ out: OUT, samples: SAMPLES = 9 }) {
  // Workers, as `wrangler deploy --dry-run` bundles them. workerd cannot compile
  // wasm at run time and compiles every module of a bundle when the Worker
  // starts: `import … from 'edge-kms'` bundles all seven (no configuration),
  // 'edge-kms/lean' bundles envelope, verify and ecdsa and `import
  // 'edge-kms/<module>'` adds another (README, "Workers"). Measured: a Worker
  // that seals, opens and verifies on 'edge-kms/lean' (worker-lean.js, made from
  // tests/js/workerd-modules/worker.js), the same on 'edge-kms' (all seven), and
  // the Worker of the bundler tests (tests/bundlers/wrangler: the pages' calls).
  const wrangle = (dir, main) => {
    writeFileSync(join(dir, `${main}.toml`), `name = "bench"\nmain = "${main}"\ncompatibility_date = "2025-09-01"\n`);
    const out = join(dir, `dist-${main.replace(/\.js$/, '')}`);
    execFileSync(process.execPath, [join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', out, '-c', `${main}.toml`],
      { cwd: dir, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG_PATH: join(dir, 'logs') }, stdio: 'ignore' });
    const files = readdirSync(out).filter((f) => /\.(js|wasm)$/.test(f)).map((f) => readFileSync(join(out, f)));
    const sum = (f) => files.reduce((n, b) => n + f(b), 0);
    return { script: join(out, main), files: files.length, wasm: readdirSync(out).filter((f) => f.endsWith('.wasm')).length, raw: sum((b) => b.length), gzip: sum(gz), brotli: sum(br) };
  };
  const workerDir = join(OUT, 'worker');
  rmSync(workerDir, { recursive: true, force: true });
  cpSync(join(ROOT, 'tests/js/workerd-modules'), workerDir, { recursive: true });
  cpSync(join(ROOT, 'tests/bundlers/pages'), workerDir, { recursive: true });
  cpSync(join(ROOT, 'tests/bundlers/wrangler/worker.js'), join(workerDir, 'pages-worker.js'));
  writeFileSync(join(workerDir, 'worker-lean.js'), readFileSync(join(workerDir, 'worker.js'), 'utf8').replaceAll("from 'edge-kms';", "from 'edge-kms/lean';"));
  const trivialDir = join(OUT, 'worker-trivial');
  mkdirSync(trivialDir, { recursive: true });
  writeFileSync(join(trivialDir, 'worker.js'), "export default { fetch: () => new Response('{}') };\n");
  const WORKERS = {
    default: { title: "seal/open + verify, `import … from 'edge-kms/lean'` (envelope, verify, ecdsa)", ...wrangle(workerDir, 'worker-lean.js'), route: 'seal' },
    all: { title: "the same with `import … from 'edge-kms'` (all seven, no configuration)", ...wrangle(workerDir, 'worker.js'), route: 'seal' },
    pages: { title: 'the bundler tests\' Worker (the pages\' calls, on edge-kms)', ...wrangle(workerDir, 'pages-worker.js'), route: 'seal' },
    trivial: { title: 'a trivial Worker (`new Response(\'{}\')`)', script: join(trivialDir, 'worker.js'), files: 1, wasm: 0, route: 'seal' },
  };
  console.log();
  console.log('## Workers (wrangler deploy --dry-run; start-up in workerd)');
  console.log();

  // Start-up in workerd (Miniflare: a fresh workerd per sample, the Workers
  // interleaved): `ready` (process start, every bundled module compiled, the
  // top level run), the first request (seal + open 1 KiB with RawAesKeyring,
  // the default suite, one-shot and through streams: three P-384 signatures
  // in wasm today), and workerd's own CPU time at ready and at the first
  // answer (/proc schedstat of its threads: nanoseconds on CPU, which the
  // other jobs on this machine do not inflate as they do wall time).
  const { Miniflare } = await import('miniflare');
  const sealInput = JSON.stringify({ wrappingKey: Buffer.alloc(32, 7).toString('base64'), text: 'x'.repeat(1024) });
  const workerdCpuMs = () => {
    const pids = execFileSync('pgrep', ['-P', String(process.pid), 'workerd'], { encoding: 'utf8' }).trim().split('\n');
    if (pids.length !== 1) throw new Error(`expected one workerd child, found ${pids.length}`);
    const tasks = readdirSync(`/proc/${pids[0]}/task`);
    return tasks.reduce((n, t) => n + Number(readFileSync(`/proc/${pids[0]}/task/${t}/schedstat`, 'utf8').split(' ')[0]), 0) / 1e6;
  };
  const startup = Object.fromEntries(Object.keys(WORKERS).map((k) => [k, { ready: [], first: [], cpu: [], cpuReady: [] }]));
  for (let i = 0; i < SAMPLES; i++) {
    for (const [k, w] of Object.entries(WORKERS)) {
      const t0 = performance.now();
      const mf = new Miniflare({ modules: true, scriptPath: w.script, modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }], compatibilityDate: '2025-09-01' });
      await mf.ready;
      const t1 = performance.now();
      startup[k].cpuReady.push(workerdCpuMs());
      const res = await mf.dispatchFetch(`http://localhost/${w.route}`, { method: 'POST', body: sealInput });
      const body = await res.json();
      const t2 = performance.now();
      startup[k].cpu.push(workerdCpuMs());
      await mf.dispose();
      if (k !== 'trivial' && !body.ok) throw new Error(`Worker ${k}: seal failed: ${JSON.stringify(body)}`);
      startup[k].ready.push(t1 - t0);
      startup[k].first.push(t2 - t1);
    }
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const mfVersion = (await import('miniflare/package.json', { with: { type: 'json' } })).default.version;
  console.log(`Miniflare ${mfVersion}, fresh workerd per sample, median of ${SAMPLES}; "above trivial" is against the trivial Worker of the same run.`);
  console.log();
  console.log('| Worker | wasm modules | raw | gzip | brotli | Miniflare ready (above trivial) | workerd CPU to ready (above trivial) | first request | workerd CPU to its answer (above trivial) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  const t = (k, f) => med(startup[k][f]);
  for (const [k, w] of Object.entries(WORKERS)) {
    const size = w.raw === undefined ? '— | — | —' : `${kib(w.raw)} KiB | **${kib(w.gzip)} KiB** | ${kib(w.brotli)} KiB`;
    const above = (f) => (k === 'trivial' ? '' : ` (+${(t(k, f) - t('trivial', f)).toFixed(f.startsWith('cpu') ? 1 : 0)})`);
    console.log(`| ${w.title} | ${w.wasm} | ${size} | ${t(k, 'ready').toFixed(0)} ms${above('ready')} | ${t(k, 'cpuReady').toFixed(1)} ms${above('cpuReady')} | ${t(k, 'first').toFixed(1)} ms${k === 'trivial' ? ' (empty answer)' : ''} | ${t(k, 'cpu').toFixed(1)} ms${above('cpu')} |`);
  }
  console.log();
  console.log(`Default Worker / all seven: gzip ${(WORKERS.default.gzip / WORKERS.all.gzip).toFixed(2)}×, workerd CPU to ready above trivial ${((t('default', 'cpuReady') - t('trivial', 'cpuReady')) / (t('all', 'cpuReady') - t('trivial', 'cpuReady'))).toFixed(2)}× (issue 10 measured 860 KiB / 329 KiB gzip for the single module)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await measureWorkers({ out: join(ROOT, 'tests/artifacts/size-bench'), samples: Number(process.argv[2] ?? 9) });
}
