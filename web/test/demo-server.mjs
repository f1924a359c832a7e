// Starts a real `hashgate demo` for the browser tests: the CLI and the
// module come from dist/ (what `make build` writes); when either is missing
// they are built first, so the tests never skip.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const dist = join(repoRoot, 'dist');

export function ensureBuilt() {
  const cli = join(dist, 'hashgate');
  const wasm = join(dist, 'hashgate.wasm');
  const opts = { cwd: repoRoot, stdio: 'inherit' };
  if (!existsSync(cli)) {
    execFileSync('go', ['build', '-trimpath', '-o', cli, './cmd/hashgate'], opts);
  }
  if (!existsSync(wasm)) {
    execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-buildmode=c-shared', '-o', wasm, './wasm'],
      { ...opts, env: { ...process.env, GOOS: 'wasip1', GOARCH: 'wasm' } });
  }
  return { cli, wasm };
}

// startDemo runs the demo on a free port and resolves to { url, stop };
// args are more flags of `hashgate demo` (e.g. --videos DIR).
export async function startDemo(args = []) {
  const { cli, wasm } = ensureBuilt();
  const child = spawn(cli, ['demo', '--addr', '127.0.0.1:0', '--wasm', wasm, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const url = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`hashgate demo did not print its URL in 60 s:\n${out}\n${err}`)), 60000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /open (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) { clearTimeout(timer); res(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); rej(new Error(`hashgate demo exited (${code}):\n${out}\n${err}`)); });
  });
  return {
    url,
    stderr: () => err,
    stop: () => new Promise((res) => {
      if (child.exitCode !== null) return res();
      child.on('exit', res);
      child.kill('SIGTERM');
    }),
  };
}
