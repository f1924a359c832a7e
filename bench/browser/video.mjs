// Browser benchmark: time to verdict of hashgate's checker for a 60-s 720p
// H.264 clip in headless Chromium (median of RUNS checks after a warm-up),
// with the time spent decoding and the frames hashed. The clip is made at
// bench time with FFmpeg from a sample video of ../shared/testdata/vpdq
// (looped, scaled to 1280×720, libx264 at 30 fps). Budget: 3 s.
//
// Usage (from the repository root, after `make build` and `npm ci` in web/):
//   node bench/browser/video.mjs [RUNS]
// It writes bench/out/browser-video.json and prints a Markdown row.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '../../web/test/browser.mjs';
import { startDemo } from '../../web/test/demo-server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const out = join(root, 'bench', 'out');
const runs = Number(process.argv[2] || 5);
// HASHGATE_VIDEO_HASHER=inline hashes frames in the checker's worker instead
// of the second (hasher) worker, for comparison.
const checkOpts = process.env.HASHGATE_VIDEO_HASHER === 'inline' ? { videoHasher: false } : {};
mkdirSync(out, { recursive: true });

const clip = join(out, 'clip-60s-720p-h264.mp4');
if (!existsSync(clip)) {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-stream_loop', '-1', '-i', join(root, '..', 'shared', 'testdata', 'vpdq', 'videos', 'chair-orig-22-sd-bar.mp4'),
    '-t', '60', '-vf', 'scale=1280:720,setsar=1', '-r', '30', '-an', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', clip], { stdio: 'inherit' });
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// cpuSeconds sums user + system CPU of every process below this one (the
// demo and Chromium's browser, renderer, GPU and utility processes; not
// this one, which polls): on a
// shared machine the wall time says little, the CPU spent does.
function cpuSeconds() {
  const parent = new Map();
  const ticks = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(f[1]));
      ticks.set(Number(d), Number(f[11]) + Number(f[12]));
    } catch { /* gone */ }
  }
  let sum = 0;
  for (const [pid, t] of ticks) {
    for (let p = parent.get(pid) ?? 0; p > 1; p = parent.get(p) ?? 0) {
      if (p === process.pid) { sum += t; break; }
    }
  }
  return sum / 100; // USER_HZ
}

// threadCPU maps every live thread of the processes below this one to its
// CPU seconds so far, keyed by tid, named "process type:thread name"
// (digits dropped): the renderer's ThreadPoolForeground workers run
// WebCodecs' decoder, DedicatedWorker the checker's workers. Polled during
// the runs, because the decoder's threads end with each check.
function threadCPU(into) {
  const parent = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/stat`, 'utf8');
      parent.set(Number(d), Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]));
    } catch { /* gone */ }
  }
  for (const pid of parent.keys()) {
    let mine = false;
    for (let p = parent.get(pid) ?? 0; p > 1; p = parent.get(p) ?? 0) if (p === process.pid) { mine = true; break; }
    if (!mine) continue;
    let type = 'browser';
    try {
      const m = /--type=([a-z-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      type = m ? m[1] : readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch { continue; }
    let tids = [];
    try { tids = readdirSync(`/proc/${pid}/task`); } catch { continue; }
    for (const t of tids) {
      try {
        const st = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
        const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')')).replace(/[\d#]+$/, '');
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        into.set(`${pid}/${t}`, { name: `${type}:${name}`, cpu: (Number(f[11]) + Number(f[12])) / 100 });
      } catch { /* gone */ }
    }
  }
  return into;
}

const demo = await startDemo();
const browser = await launch();
let r;
try {
  const page = await browser.context.newPage();
  await page.route('**/bench/clip.mp4', (route) => route.fulfill({ body: readFileSync(clip), contentType: 'video/mp4' }));
  await page.goto(`${demo.url}/`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 120000 });
  await page.evaluate(async () => {
    const blob = await (await fetch('/bench/clip.mp4')).blob();
    window.benchFile = new File([blob], 'clip.mp4', { type: 'video/mp4' });
  });
  const first = await page.evaluate(async (opts) => {
    const t0 = performance.now();
    await window.hashgateChecker.check(window.benchFile, opts);
    return performance.now() - t0;
  }, checkOpts);
  const cpu0 = cpuSeconds();
  const before = threadCPU(new Map());
  const seen = new Map(before);
  const poll = setInterval(() => threadCPU(seen), 100);
  r = await page.evaluate(async ({ runs, opts }) => {
    const file = window.benchFile;
    const times = [];
    let last;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      last = await window.hashgateChecker.check(file, opts);
      times.push(performance.now() - t0);
    }
    return { localHit: last.localHit, times, verdict: last.verdict, decoder: last.decoder, timings: last.timings, frames: last.video?.frames, hashed: last.video?.hashes.length, skipped: last.video?.skipped, size: file.size, error: last.error };
  }, { runs, opts: checkOpts });
  clearInterval(poll);
  threadCPU(seen);
  r.first = first;
  r.cpuPerCheck = (cpuSeconds() - cpu0) / runs;
  const byName = {};
  for (const [id, { name, cpu }] of seen) {
    const d = cpu - (before.get(id)?.cpu || 0);
    if (d > 0) byName[name] = (byName[name] || 0) + d / runs;
  }
  r.threads = Object.fromEntries(Object.entries(byName).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => [k, Number(v.toFixed(2))]));
} finally {
  await browser.close();
  await demo.stop();
}
if (r.verdict !== 'clear') throw new Error(`verdict ${r.verdict}, want clear: ${r.error} ${JSON.stringify(r.localHit)}`);
const result = { runs, load: loadavg(), chromium: '/usr/bin/chromium', bytes: r.size, frames: r.frames, hashed: r.hashed, skipped: r.skipped, decoder: r.decoder, medianMs: median(r.times), firstMs: r.first, cpuSecondsPerCheck: r.cpuPerCheck, threadCPUPerCheck: r.threads, times: r.times, lastTimings: r.timings };
writeFileSync(join(out, 'browser-video.json'), JSON.stringify(result, null, 1));
console.error(`60-s 720p H.264 (${(r.size / 1e6).toFixed(1)} MB, ${r.frames} frames, ${r.hashed} hashed, ${r.skipped} left undecoded, ${r.decoder}): median ${result.medianMs.toFixed(0)} ms, first ${r.first.toFixed(0)} ms, ${r.cpuPerCheck.toFixed(2)} CPU-s a check (by thread: ${JSON.stringify(r.threads)}); load ${result.load.map((x) => x.toFixed(1)).join(' ')}`);
console.log(`| 60-s 720p H.264 clip (${(r.size / 1e6).toFixed(1)} MB, ${r.frames} frames, ${r.hashed} hashed) | ${result.medianMs.toFixed(0)} | ${r.first.toFixed(0)} | ${r.cpuPerCheck.toFixed(2)} | ${result.load[0].toFixed(1)} | ≤ 3000 |`);
