// Browser benchmark: time to verdict of hashgate's checker in headless
// Chromium for a 12-MP and a 512-px JPEG (median of RUNS runs after a
// warm-up), for each way of reaching the canonical 512×512 pixels (the
// default 'auto', then 'wasm', 'browser', 'decode'; MODES=a,b picks some),
// the module's download size, and in the same page the npm package
// browser-image-hash computing a pHash of the same files as the peer, then
// where the default's time goes (the worker's own timings, medians) and
// the machine's load average.
//
// Usage (from the repository root, after `make build`):
//   (cd bench/browser && npm ci) && node bench/browser/run.mjs [RUNS]
// It writes bench/out/browser.json and prints a Markdown table.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { launch } from '../../web/test/browser.mjs';
import { startDemo } from '../../web/test/demo-server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const out = join(root, 'bench', 'out');
const runs = Number(process.argv[2] || 11);
const modes = (process.env.MODES || 'auto,wasm,browser,decode').split(',');
mkdirSync(out, { recursive: true });

const gen = spawnSync('go', ['run', './bench/browser/mkjpeg', out], { cwd: root, stdio: 'inherit' });
if (gen.status !== 0) process.exit(1);
const files = { '12mp': join(out, 'photo-12mp-4000x3000.jpg'), '512px': join(out, 'photo-512x512.jpg') };

const wasm = readFileSync(join(root, 'dist', 'hashgate.wasm'));
const br = brotliCompressSync(wasm, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24 } });
const peerJS = readFileSync(join(here, 'node_modules', 'browser-image-hash', 'dist', 'index.js'));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const demo = await startDemo();
const browser = await launch();
const loadBefore = loadavg()[0];
const result = { runs, wasmBytes: wasm.length, wasmBrotliBytes: br.length, chromium: browser.context.browser()?.version(), cases: {} };
try {
  for (const mode of modes) {
    const page = await browser.context.newPage();
    // The peer library and the inputs are served through the page's router,
    // from the same origin as the checker.
    await page.route('**/bench/**', (route) => {
      const p = new URL(route.request().url()).pathname;
      if (p === '/bench/peer.js') return route.fulfill({ body: peerJS, contentType: 'text/javascript' });
      const f = files[p.split('/').pop()];
      return f ? route.fulfill({ body: readFileSync(f), contentType: 'image/jpeg' }) : route.fulfill({ status: 404 });
    });
    await page.goto(`${demo.url}/?resize=${mode}`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 120000 });
    for (const name of Object.keys(files)) {
      const r = await page.evaluate(async ({ name, runs, peer }) => {
        const blob = await (await fetch(`/bench/${name}`)).blob();
        const file = new File([blob], `${name}.jpg`, { type: 'image/jpeg' });
        const times = [];
        const timings = [];
        let last;
        let first;
        for (let i = 0; i <= runs; i++) {
          const t0 = performance.now();
          last = await window.hashgateChecker.check(file);
          if (i > 0) {
            times.push(performance.now() - t0); // run 0 warms up
            timings.push(last.timings);
          } else first = performance.now() - t0;
        }
        const peerTimes = [];
        let peerFirst;
        if (peer) {
          const { PerceptualHashBuilder } = await import('/bench/peer.js');
          const url = new URL(URL.createObjectURL(file));
          for (let i = 0; i <= runs; i++) {
            const t0 = performance.now();
            await new PerceptualHashBuilder().build(url);
            if (i > 0) peerTimes.push(performance.now() - t0);
            else peerFirst = performance.now() - t0;
          }
        }
        return { times, first, peerTimes, peerFirst, verdict: last.verdict, decoder: last.decoder, timings: last.timings, allTimings: timings, size: file.size };
      }, { name, runs, peer: mode === modes[0] });
      result.cases[`${name}/${mode}`] = {
        bytes: r.size, verdict: r.verdict, decoder: r.decoder, medianMs: median(r.times), minMs: Math.min(...r.times),
        firstMs: r.first, times: r.times, lastTimings: r.timings,
        timingMedians: Object.fromEntries(Object.keys(r.timings).map((k) => [k, median(r.allTimings.map((t) => t[k]))])),
        peerMedianMs: r.peerTimes.length ? median(r.peerTimes) : undefined, peerFirstMs: r.peerFirst,
      };
      if (r.verdict !== 'clear') throw new Error(`${name} resize=${mode}: verdict ${r.verdict}, want clear`);
      console.error(`${name} resize=${mode} (${r.decoder}): median ${median(r.times).toFixed(1)} ms, first ${r.first.toFixed(1)} ms` +
        (r.peerTimes.length ? `; browser-image-hash pHash median ${median(r.peerTimes).toFixed(1)} ms, first ${r.peerFirst.toFixed(1)} ms` : ''));
    }
    await page.close();
  }
} finally {
  await browser.close();
  await demo.stop();
}
result.loadAverage = [loadBefore, loadavg()[0]];
writeFileSync(join(out, 'browser.json'), JSON.stringify(result, null, 1));
console.log(`module: ${(result.wasmBytes / 1000).toFixed(1)} KB raw, ${(result.wasmBrotliBytes / 1000).toFixed(1)} KB brotli; ${runs} runs after a warm-up, medians; ` +
  `Chromium ${result.chromium}; load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after\n`);
const head = modes.map((m) => `hashgate, ${m} (ms)`);
console.log(`| input | ${head.join(' | ')} | browser-image-hash pHash (ms) | peer ÷ ${modes[0]} |`);
console.log(`|---|${modes.map(() => '---|').join('')}---|---|`);
for (const name of Object.keys(files)) {
  const a = result.cases[`${name}/${modes[0]}`];
  const cols = modes.map((m) => result.cases[`${name}/${m}`].medianMs.toFixed(0));
  console.log(`| ${name} JPEG (${(a.bytes / 1e6).toFixed(2)} MB) | ${cols.join(' | ')} | ${a.peerMedianMs.toFixed(0)} | ${(a.peerMedianMs / a.medianMs).toFixed(1)}x |`);
}

// Where the default's time goes, from the worker's timings (medians; read,
// decode, digest and worker count from the check's start in the worker;
// decode and digest overlap).
const keys = ['read', 'decode', 'digest', 'fingerprint', 'lookup', 'worker', 'total'];
console.log(`\n| input (${modes[0]}), ms | ${keys.join(' | ')} |`);
console.log(`|---|${keys.map(() => '---|').join('')}`);
for (const name of Object.keys(files)) {
  const t = result.cases[`${name}/${modes[0]}`].timingMedians;
  console.log(`| ${name} | ${keys.map((k) => (t[k] === undefined ? '' : t[k].toFixed(1))).join(' | ')} |`);
}
