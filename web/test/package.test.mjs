// The npm package: what `npm pack` ships, and the packed package at work as
// web/README.md says to serve it — an import map on the page, the module
// brotli-encoded, one Content-Security-Policy on every response — in Chromium
// against a real `hashgate demo` edge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, request } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { brotliCompressSync, constants as zlib } from 'node:zlib';
import { launch } from './browser.mjs';
import { startDemo, repoRoot, ensureBuilt } from './demo-server.mjs';

const web = join(repoRoot, 'web');
const pkg = JSON.parse(readFileSync(join(web, 'package.json'), 'utf8'));
const demoDir = join(repoRoot, 'testdata', 'demo');

// npm runs prepack (which copies the module from dist/) on --dry-run too.
function npmPack(args) {
  ensureBuilt();
  const out = execFileSync('npm', ['pack', '--json', ...args], { cwd: web, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out)[0];
}

test('npm pack --dry-run ships the module, every source file, the types and the README, nothing else', () => {
  const p = npmPack(['--dry-run']);
  assert.equal(p.name, '@hashgate/web');
  assert.equal(pkg.private, undefined, 'the package is publishable');
  const files = new Map(p.files.map((f) => [f.path, f.size]));
  const src = readdirSync(join(web, 'src')).map((f) => `src/${f}`);
  // The repository's LICENSE goes in beside them (prepack copies it).
  const license = existsSync(join(repoRoot, 'LICENSE')) ? ['LICENSE'] : [];
  assert.deepEqual([...files.keys()].sort(), ['README.md', 'hashgate.wasm', 'hashgate-oblivious.wasm', 'package.json', ...license, ...src].sort());
  assert.ok(src.includes('src/index.d.ts') && src.includes('src/worker.js'));
  assert.equal(files.get('hashgate.wasm'), statSync(join(repoRoot, 'dist', 'hashgate.wasm')).size, 'the module is dist/hashgate.wasm');
  assert.equal(files.get('hashgate-oblivious.wasm'), statSync(join(repoRoot, 'dist', 'hashgate-oblivious.wasm')).size, 'the oblivious-capable module is dist/hashgate-oblivious.wasm');
  // Every export and every relative import of a shipped module is shipped.
  const targets = Object.values(pkg.exports).flatMap((e) => (typeof e === 'string' ? [e] : Object.values(e)));
  for (const t of [pkg.main, pkg.types, ...targets]) {
    const path = normalize(t).replace(/^\.\//, '');
    assert.ok(path.endsWith('*') ? [...files.keys()].some((f) => f.startsWith(path.slice(0, -1))) : files.has(path), `export ${t} not packed`);
  }
  for (const f of src.filter((f) => f.endsWith('.js'))) {
    const text = readFileSync(join(web, f), 'utf8');
    for (const [, spec] of text.matchAll(/(?:from|import\(|new URL\()\s*'(\.{1,2}\/[^']+)'/g)) {
      if (spec.includes('/node_modules/')) continue; // a dependency (mediabunny): demuxerURL
      const path = normalize(join('src', spec));
      assert.ok(files.has(path), `${f} imports ${spec}, which is not packed`);
    }
  }
});

test('README and web/README import the checker from the package name', () => {
  for (const f of ['README.md', 'web/README.md']) {
    const text = readFileSync(join(repoRoot, f), 'utf8');
    const imports = [...text.matchAll(/import \{[^}]*createChecker[^}]*\} from '([^']+)'/g)].map((m) => m[1]);
    assert.ok(imports.length > 0, `${f} shows no import of createChecker`);
    assert.deepEqual([...new Set(imports)], [pkg.name], `${f} imports from ${imports}`);
  }
});

// The page's import map, and the headers web/README.md recommends, on every
// response of the site: an inline import map is a script, allowed by its hash.
const IMPORT_MAP = '{"imports": {"@hashgate/web": "/hashgate/src/index.js"}}';
const MAP_HASH = `'sha256-${createHash('sha256').update(IMPORT_MAP).digest('base64')}'`;
const CSP = `default-src 'self'; script-src 'self' 'wasm-unsafe-eval' ${MAP_HASH}; worker-src 'self'; connect-src 'self'; media-src blob:`;

let demo;
let browser;
let site;
let dir;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hashgate-pack-'));
  const p = npmPack(['--pack-destination', dir]);
  execFileSync('tar', ['-xzf', join(dir, p.filename), '-C', dir]);
  demo = await startDemo();
  browser = await launch();
  site = await startSite(join(dir, 'package'), demo.url);
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  await site?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// startSite serves an app page and the unpacked package at /hashgate/, and
// passes /v1/* and /keys.pub to the edge, so page, worker and edge share an
// origin. csp(path) picks each response's policy.
async function startSite(pkgDir, edge, csp = () => CSP) {
  const seen = [];
  const wasm = readFileSync(join(pkgDir, 'hashgate.wasm'));
  const wasmBr = brotliCompressSync(wasm, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } });
  const page = `<!doctype html><meta charset="utf-8"><title>app</title>
<script type="importmap">${IMPORT_MAP}</script>
<script type="module" src="/app.js"></script>`;
  const app = `import { createChecker } from '@hashgate/web';
const publicKeys = await (await fetch('/keys.pub')).text();
window.ready = createChecker({ releaseURL: '/v1/manifest', edgeURL: location.origin, publicKeys })
  .then((c) => { window.checker = c; return 'ok'; }, (e) => 'failed: ' + e.message);`;
  const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.ts': 'text/plain' };
  const srv = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    seen.push({ path, encoding: req.headers['accept-encoding'] });
    if (path.startsWith('/v1/') || path === '/keys.pub') {
      const up = request(edge + req.url, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode, { ...r.headers, 'content-security-policy': csp(path) });
        r.pipe(res);
      });
      req.pipe(up);
      return;
    }
    const h = { 'content-security-policy': csp(path) };
    if (path === '/') return res.writeHead(200, { ...h, 'content-type': 'text/html' }).end(page);
    if (path === '/app.js') return res.writeHead(200, { ...h, 'content-type': 'text/javascript' }).end(app);
    if (path === '/hashgate/hashgate.wasm' && /\bbr\b/.test(req.headers['accept-encoding'] || '')) {
      return res.writeHead(200, { ...h, 'content-type': 'application/wasm', 'content-encoding': 'br', vary: 'Accept-Encoding', 'cache-control': 'no-cache' }).end(wasmBr);
    }
    if (path.startsWith('/hashgate/')) {
      const file = normalize(join(pkgDir, path.slice('/hashgate/'.length)));
      if (file.startsWith(pkgDir + '/')) {
        try {
          const b = readFileSync(file);
          return res.writeHead(200, { ...h, 'content-type': types[extname(file)] || 'application/octet-stream', 'cache-control': 'no-cache' }).end(b);
        } catch { /* 404 below */ }
      }
    }
    res.writeHead(404, h).end();
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${srv.address().port}`, seen, close: () => new Promise((r) => srv.close(r)) };
}

async function openApp(url) {
  const page = await browser.context.newPage();
  const violations = [];
  const logs = [];
  page.on('console', (m) => {
    logs.push(m.text());
    if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text());
  });
  page.on('pageerror', (e) => logs.push(e.message));
  await page.goto(url + '/');
  await page.waitForFunction(() => window.ready, null, { timeout: 60000 }).catch((err) => {
    throw new Error(`the app did not start: ${err.message}\n${logs.join('\n')}`);
  });
  const ready = await page.evaluate(() => window.ready);
  return { page, ready, violations };
}

async function checkFile(page, path) {
  const b64 = readFileSync(path).toString('base64');
  return page.evaluate(async (b64) => {
    const r = await window.checker.check(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'f.jpg'));
    return { verdict: r.verdict, error: r.error };
  }, b64);
}

test('the packed package, served as documented, checks images under the Content-Security-Policy', async () => {
  const { page, ready, violations } = await openApp(site.url);
  assert.equal(ready, 'ok');
  assert.deepEqual(await checkFile(page, join(demoDir, 'listed', 'harbour.jpg')), { verdict: 'match', error: undefined });
  assert.deepEqual(await checkFile(page, join(demoDir, 'probe', 'meadow-unlisted.jpg')), { verdict: 'clear', error: undefined });
  assert.deepEqual(violations, []);
  // The module came from the package (the default wasmURL), brotli-encoded.
  const w = site.seen.filter((s) => s.path === '/hashgate/hashgate.wasm');
  assert.equal(w.length, 1);
  assert.match(w[0].encoding, /\bbr\b/);
  await page.close();
});

test("without 'wasm-unsafe-eval' the worker may not compile the module", async () => {
  const strict = await startSite(join(dir, 'package'), demo.url, () => CSP.replace(" 'wasm-unsafe-eval'", ''));
  try {
    const { page, ready } = await openApp(strict.url);
    assert.match(ready, /^failed: .*(WebAssembly|wasm-unsafe-eval)/i);
    await page.close();
  } finally {
    await strict.close();
  }
});
