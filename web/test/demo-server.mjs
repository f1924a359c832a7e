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
  const wasmOblivious = join(dist, 'hashgate-oblivious.wasm');
  const opts = { cwd: repoRoot, stdio: 'inherit' };
  if (!existsSync(cli)) {
    execFileSync('go', ['build', '-trimpath', '-o', cli, './cmd/hashgate'], opts);
  }
  for (const [out, tags] of [[wasm, []], [wasmOblivious, ['-tags', 'oblivious']]]) {
    if (!existsSync(out)) {
      // As the Makefile's WASM_BUILD builds the shipped module.
      execFileSync('go', ['build', '-trimpath', '-gcflags=github.com/hashgate/hashgate/release=-l', '-ldflags=-s -w -buildid=',
        '-buildmode=c-shared', ...tags, '-o', out, './wasm'],
        { ...opts, env: { ...process.env, GOOS: 'wasip1', GOARCH: 'wasm' } });
    }
  }
  return { cli, wasm, wasmOblivious };
}

// startDemo runs the demo on a free port and resolves to { url, stop };
// args are more flags of `hashgate demo` (e.g. --videos DIR). With
// { oblivious: true } the release is in oblivious mode and the page gets the
// oblivious-capable module.
export async function startDemo(args = [], { oblivious = false } = {}) {
  const { cli, wasm, wasmOblivious } = ensureBuilt();
  const mode = oblivious ? ['--mode', 'oblivious', '--wasm', wasmOblivious] : ['--wasm', wasm];
  const child = spawn(cli, ['demo', '--addr', '127.0.0.1:0', ...mode, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
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
