// prepack: puts the checker module into the package. npm runs it before
// `npm pack` and `npm publish` (and their --dry-run). The module is built by
// `make wasm` into ../dist/; it is copied here, never committed. Messages go
// to stderr so `npm pack --json` stays parseable.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(web, '..');
const built = join(root, 'dist', 'hashgate.wasm');
// The oblivious-capable module (make wasm builds both), for oblivious-mode releases.
const builtObl = join(root, 'dist', 'hashgate-oblivious.wasm');

for (const f of [built, builtObl]) {
  if (!existsSync(f)) {
    console.error(`prepack: ${f} is missing: run \`make wasm\` in ${root} first`);
    process.exit(1);
  }
}
// A module older than the Go code it is built from would ship stale: every
// Go file the wasm build compiles (go list, as GOOS=wasip1 sees them) must
// be older than it.
const list = execFileSync('go', ['list', '-deps', '-f', '{{if .Module}}{{if .Module.Main}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}\n{{end}}{{end}}{{end}}', './wasm'],
  { cwd: root, env: { ...process.env, GOOS: 'wasip1', GOARCH: 'wasm' }, encoding: 'utf8' });
const age = Math.min(statSync(built).mtimeMs, statSync(builtObl).mtimeMs);
const stale = list.split('\n').filter((f) => f && statSync(f).mtimeMs > age);
if (stale.length) {
  console.error(`prepack: ${built} is older than ${stale[0]}${stale.length > 1 ? ` and ${stale.length - 1} more` : ''}: run \`make wasm\` again`);
  process.exit(1);
}
copyFileSync(built, join(web, 'hashgate.wasm'));
copyFileSync(builtObl, join(web, 'hashgate-oblivious.wasm'));
if (existsSync(join(root, 'LICENSE'))) copyFileSync(join(root, 'LICENSE'), join(web, 'LICENSE'));
console.error(`prepack: hashgate.wasm (${statSync(built).size} bytes) and hashgate-oblivious.wasm (${statSync(builtObl).size} bytes) from ${dirname(built)}`);
