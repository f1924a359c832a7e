// Browser tests of the video checker in Debian's Chromium against a real
// `hashgate demo`: frame hashes agree with the reference (Meta's vPDQ built
// against Debian's FFmpeg, ../shared/testdata/vpdq/expected-here-1fps),
// progress is reported, and cancellation stops a check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from './browser.mjs';
import { startDemo, repoRoot } from './demo-server.mjs';

const vpdq = join(repoRoot, '..', 'shared', 'testdata', 'vpdq');
const videos = join(vpdq, 'videos');
const results = join(repoRoot, 'web', 'test-results');
mkdirSync(results, { recursive: true });

let demo;
let browser;
let page;
const requests = [];
const verifyBodies = [];
const lastVerifyBody = async () => verifyBodies.at(-1);
const local = new Map(); // /local/N → a file made by a test

// The demo lists one sample video (and its digests) besides its images.
const listedVideo = 'chair-orig-22-sd-bar.mp4';
const listDir = mkdtempSync(join(tmpdir(), 'hashgate-listed-videos-'));
symlinkSync(join(videos, listedVideo), join(listDir, listedVideo));

before(async () => {
  demo = await startDemo(['--videos', listDir]);
  browser = await launch();
  page = await browser.context.newPage();
  // The sample videos are served through the page's router, same origin.
  await page.route('**/testvideo/**', (route) => {
    const name = decodeURIComponent(new URL(route.request().url()).pathname.split('/').pop());
    const path = local.get(name) || join(videos, name);
    return route.fulfill({ body: readFileSync(path), contentType: 'application/octet-stream' });
  });
  page.on('request', (r) => {
    requests.push({ method: r.method(), url: r.url() });
    if (new URL(r.url()).pathname === '/v1/verify') verifyBodies.push(r.postData());
  });
  await page.goto(`${demo.url}/`);
  await page.waitForFunction(() => document.body.dataset.ready, null, { timeout: 60000 });
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  rmSync(listDir, { recursive: true, force: true });
});

// sentByChecker: requests other than the test's own fetches of its inputs
// and the page loading the demuxer library (the same for every video).
const sentByChecker = (q) => !new URL(q.url).pathname.startsWith('/testvideo/') && !new URL(q.url).pathname.startsWith('/node_modules/');

// checkPath checks a file made by a test (served under /testvideo/ too).
async function checkPath(path, opts) {
  const key = `local-${local.size}-${path.split('/').pop()}`;
  local.set(key, path);
  return checkVideo(key, opts);
}

function reference(name) {
  return readFileSync(join(vpdq, 'expected-here-1fps', name.replace(/\.mp4$/, '.txt')), 'utf8').trim().split('\n').map((l) => {
    const [frame, quality, pdq, timestamp] = l.split(',');
    return { frame: Number(frame), quality: Number(quality), pdq, timestamp };
  });
}

function distance(a, b) {
  let d = 0;
  for (let i = 0; i < 64; i += 8) {
    let x = parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16);
    while (x) { d += x & 1; x >>>= 1; }
  }
  return d;
}

async function checkVideo(name, opts = {}) {
  return page.evaluate(async ({ name, opts }) => {
    const blob = await (await fetch(`/testvideo/${encodeURIComponent(name)}`)).blob();
    const progress = [];
    const r = await window.hashgateChecker.check(new File([blob], name), { ...opts, onProgress: (p) => progress.push(p) });
    return { ...r, progress };
  }, { name, opts });
}

test('browser frame hashes agree with the reference on every sample video', async () => {
  const report = { modes: {} };
  // HASHGATE_VIDEO_PIXELS=i420,rgba also measures the browser's own
  // YUV→RGB (VideoFrame.copyTo RGBA) for the README's table.
  for (const mode of (process.env.HASHGATE_VIDEO_PIXELS || 'i420').split(',')) {
    const dists = [];
    const perVideo = {};
    for (const name of readdirSync(videos).filter((f) => f.endsWith('.mp4')).sort()) {
      const r = await checkVideo(name, { videoPixels: mode });
      assert.ok(r.video, `${name}: ${r.error}`);
      const want = reference(name);
      const got = r.video.hashes;
      assert.deepEqual(got.map((f) => f.frame), want.map((f) => f.frame), `${name}: frame numbers`);
      assert.deepEqual(got.map((f) => f.timestamp.toFixed(3)), want.map((f) => f.timestamp), `${name}: timestamps`);
      const d = got.map((f, i) => distance(f.pdq, want[i].pdq));
      perVideo[name] = { frames: d.length, max: Math.max(...d), decoder: r.decoder, skipped: r.video.skipped, qualityDiffs: got.filter((f, i) => f.quality !== want[i].quality).length };
      dists.push(...d);
    }
    dists.sort((a, b) => a - b);
    const within10 = dists.filter((d) => d <= 10).length;
    report.modes[mode] = { frames: dists.length, median: dists[dists.length >> 1], identical: dists.filter((d) => d === 0).length, within10, max: dists[dists.length - 1], perVideo };
  }
  writeFileSync(join(results, 'video-agreement.json'), JSON.stringify(report, null, 2));
  console.log(JSON.stringify(Object.fromEntries(Object.entries(report.modes).map(([k, v]) => [k, { frames: v.frames, median: v.median, identical: v.identical, within10: v.within10, max: v.max }]))));
  const m = report.modes.i420;
  // H.264 pictures that are neither hashed nor referenced are left
  // undecoded; the frame numbers and hashes above must not notice.
  assert.ok(Object.values(m.perVideo).some((v) => v.skipped > 0), 'no sample video had a packet left undecoded');
  assert.equal(m.median, 0);
  assert.ok(m.within10 >= 0.95 * m.frames, `${m.within10} of ${m.frames} within 10 bits`);
});

// nativeVPDQ is what the edge computes: `hashgate hash --format vpdq`.
function nativeVPDQ(file) {
  const out = execFileSync(join(repoRoot, 'dist', 'hashgate'), ['hash', '--format', 'vpdq', file], { encoding: 'utf8' });
  return out.trim().split('\n').map((l) => {
    const [frame, quality, pdq, timestamp] = l.split(',');
    return { frame: Number(frame), quality: Number(quality), pdq, timestamp };
  });
}

// ffmpegCut makes a short re-encode of a sample video at test time.
function ffmpegCut(src, out, args) {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', join(videos, src), ...args, out]);
  return out;
}

test('WebM/VP9 and Matroska/AV1 re-encodes hash in the browser as on the edge', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashgate-video-'));
  try {
    const files = [
      ffmpegCut('pattern-sd-grey-bar.mp4', join(dir, 'pattern.webm'), ['-t', '3', '-c:v', 'libvpx-vp9', '-b:v', '400k', '-deadline', 'realtime', '-cpu-used', '8']),
      ffmpegCut('chair-19-sd-bar.mp4', join(dir, 'chair.mkv'), ['-t', '2', '-vf', 'scale=240:-2', '-c:v', 'libaom-av1', '-cpu-used', '8', '-b:v', '200k']),
    ];
    for (const f of files) {
      const name = f.split('/').pop();
      const r = await checkPath(f);
      assert.ok(r.video, `${name}: ${r.error}`);
      const want = nativeVPDQ(f);
      assert.deepEqual(r.video.hashes.map((h) => h.frame), want.map((h) => h.frame), `${name}: frame numbers`);
      const d = r.video.hashes.map((h, i) => distance(h.pdq, want[i].pdq));
      assert.ok(d.every((x) => x === 0), `${name}: distances to the edge ${d}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a video check reports progress and can be cancelled', async () => {
  const r = await checkVideo('chair-orig-22-sd-bar.mp4');
  assert.ok(r.progress.length >= 5, `${r.progress.length} progress reports`);
  for (let i = 1; i < r.progress.length; i++) assert.ok(r.progress[i].done >= r.progress[i - 1].done);
  const last = r.progress.at(-1);
  assert.equal(last.done, last.total);
  assert.equal(last.total, r.video.frames);

  const c = await page.evaluate(async () => {
    const blob = await (await fetch('/testvideo/chair-orig-22-sd-bar.mp4')).blob();
    const ac = new AbortController();
    let seen = 0;
    const t0 = performance.now();
    try {
      await window.hashgateChecker.check(new File([blob], 'v.mp4'), {
        signal: ac.signal, onProgress: (p) => { seen = p.done; if (p.done >= 60) ac.abort(); },
      });
      return { error: 'not cancelled', seen };
    } catch (err) {
      return { name: err.name, seen, ms: performance.now() - t0 };
    }
  });
  assert.equal(c.name, 'AbortError', JSON.stringify(c));
  assert.ok(c.seen < 600, `decoded ${c.seen} frames before the abort took`);
  // The checker keeps working after a cancelled check.
  const again = await checkVideo('doorknob-hd-no-bar.mp4');
  assert.equal(again.video.hashes.length, reference('doorknob-hd-no-bar.mp4').length);
});

test('the <video> fallback selects the same frames, a few bits from the reference', async () => {
  const dists = [];
  for (const name of ['chair-22-sd-sepia-bar.mp4', 'pattern-hd-no-bar.mp4']) {
    const r = await checkVideo(name, { videoDecoder: 'video' });
    assert.ok(r.video, `${name}: ${r.error}`);
    assert.equal(r.decoder, 'HTMLVideoElement');
    const want = reference(name);
    assert.deepEqual(r.video.hashes.map((h) => h.frame), want.map((h) => h.frame));
    dists.push(...r.video.hashes.map((h, i) => distance(h.pdq, want[i].pdq)));
    assert.ok(r.progress.length > 0);
  }
  dists.sort((a, b) => a - b);
  const within10 = dists.filter((d) => d <= 10).length;
  writeFileSync(join(results, 'video-fallback-agreement.json'), JSON.stringify({ frames: dists.length, median: dists[dists.length >> 1], within10, max: dists.at(-1) }));
  assert.ok(within10 >= 0.9 * dists.length, `fallback: ${within10} of ${dists.length} frames within 10 bits (${dists})`);
});

test('HEVC, which neither WebCodecs nor <video> decodes in Debian\'s Chromium, is a clear error and sends nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashgate-video-'));
  try {
    const f = ffmpegCut('doorknob-hd-no-bar.mp4', join(dir, 'doorknob-hevc.mp4'), ['-t', '1', '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1']);
    const n0 = requests.length;
    const r = await checkPath(f);
    if (r.video) {
      // A Chromium with HEVC support hashes it; then it must agree with the edge.
      const want = nativeVPDQ(f);
      assert.deepEqual(r.video.hashes.map((h) => h.frame), want.map((h) => h.frame));
    } else {
      assert.equal(r.verdict, 'error');
      assert.match(r.error, /cannot (play|decode)/);
      assert.deepEqual(requests.slice(n0).filter(sentByChecker), []);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a clean video is clear and sends no request', async () => {
  const n0 = requests.length;
  const r = await checkVideo('pattern-hd-no-bar.mp4');
  assert.equal(r.verdict, 'clear', JSON.stringify(r.localHit));
  assert.equal(r.localHit.hit, false);
  assert.equal(r.edge, undefined);
  await page.waitForTimeout(300);
  assert.deepEqual(requests.slice(n0).filter(sentByChecker), []);
});

test('a scaled re-encode of a listed video matches, confirmed by the edge with frame hashes only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashgate-video-'));
  try {
    const f = ffmpegCut(listedVideo, join(dir, 'chair-reencoded.mp4'), ['-vf', 'scale=360:-2', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '30']);
    const n0 = requests.length;
    const r = await checkPath(f);
    assert.equal(r.verdict, 'match', JSON.stringify({ error: r.error, edge: r.edge, localHit: r.localHit }));
    assert.ok(r.localHit.frames.length > 0);
    const vm = r.edge.matches.find((m) => m.video);
    assert.ok(vm && vm.labels.includes('demo:chair-orig-22-sd-bar'), JSON.stringify(r.edge));
    assert.ok(vm.video.ranges.length > 0);
    assert.ok(r.video.localRanges.length > 0);
    const sent = requests.slice(n0).filter(sentByChecker);
    assert.deepEqual(sent.map((q) => `${q.method} ${new URL(q.url).pathname}`), ['POST /v1/verify']);
    const body = JSON.parse(sent.length ? (await lastVerifyBody()) : '{}');
    assert.deepEqual(Object.keys(body).sort(), ['md5', 'sha256', 'vpdq']);
    assert.ok(body.vpdq.length > 0 && body.vpdq.every((s) => /^[0-9a-f]{64},\d+,\d+\.\d{3}$/.test(s)), body.vpdq[0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the demo page shows a video check\'s progress and the matched time ranges', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashgate-video-'));
  try {
    const f = ffmpegCut(listedVideo, join(dir, 'chair-copy.mp4'), ['-c', 'copy']);
    const seen = new Set();
    const poll = setInterval(async () => {
      const p = await page.evaluate(() => document.querySelector('#results tbody tr')?.dataset.progress).catch(() => null);
      if (p) seen.add(p);
    }, 50);
    await page.setInputFiles('#files', f);
    await page.waitForFunction(() => document.querySelector('#results tbody tr')?.dataset.verdict, null, { timeout: 120000 });
    clearInterval(poll);
    const row = await page.evaluate(() => {
      const tr = document.querySelector('#results tbody tr');
      return { verdict: tr.dataset.verdict, ranges: tr.dataset.ranges, progress: tr.dataset.progress, text: tr.textContent };
    });
    assert.equal(row.verdict, 'match', row.text);
    assert.match(row.ranges || '', /^0:00\.0–0:2\d\.\d/);
    assert.match(row.progress, /^(\d+)\/\1$/);
    assert.ok(seen.size >= 1, 'no progress seen while checking');
    await page.screenshot({ path: join(results, 'demo-video.png'), fullPage: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
