// Where Deno is: $DENO_PATH, else the binary of PyPI's `deno` package (which
// pkg-scripts/setup installs; npm's `deno` cannot be locked here because the
// registry serves only this platform's binary package), else `deno` on PATH.
import { execFileSync } from 'node:child_process';

function find() {
  if (process.env.DENO_PATH) return process.env.DENO_PATH;
  try {
    return execFileSync('python3', ['-c', 'import deno; print(deno.find_deno_bin())'], { encoding: 'utf8' }).trim();
  } catch {
    return 'deno';
  }
}

export const DENO = find();
