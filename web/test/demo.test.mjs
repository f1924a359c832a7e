// Browser tests of the checker against a real `hashgate demo` (an edge with
// a freshly signed release of testdata/demo/listed) in Debian's Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { launch, openDemo as openPage, checkFile } from './browser.mjs';
import { startDemo, repoRoot } from './demo-server.mjs';

const demoDir = join(repoRoot, 'testdata', 'demo');
const listed = join(demoDir, 'listed', 'harbour.jpg');
const resized = join(demoDir, 'probe', 'harbour-resized-q70.jpg');
const clean = join(demoDir, 'probe', 'meadow-unlisted.jpg');
const results = join(repoRoot, 'web', 'test-results');
mkdirSync(results, { recursive: true });

let demo;
let browser;

before(async () => {
  demo = await startDemo();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

// openDemo loads the demo page (browser.mjs's openDemo on this file's demo).
const openDemo = (query = '') => openPage(browser.context, `${demo.url}/${query}`);

async function pickFiles(page, files) {
  const before = await page.locator('#results tbody tr').count();
  await page.setInputFiles('#files', files);
  await page.waitForFunction((n) => document.querySelectorAll('#results tr[data-verdict]').length === n,
    before + files.length, { timeout: 60000 });
  return page.evaluate(() => [...document.querySelectorAll('#results tbody tr')].map((tr) => ({
    name: tr.querySelector('.name').textContent, verdict: tr.dataset.verdict,
    summary: tr.querySelector('.summary').textContent, text: tr.textContent,
  })));
}

test('a listed image and a resized re-encode of it match, confirmed by the edge', async () => {
  const { page, requests } = await openDemo();
  for (const f of [listed, resized]) {
    const n0 = requests.length;
    const r = await checkFile(page, f);
    assert.equal(r.verdict, 'match', `${f}: ${JSON.stringify(r)}`);
    assert.equal(r.localHit.hit, true);
    assert.equal(r.edge.match, true);
    assert.ok(r.edge.matches.some((m) => m.labels.includes('demo:harbour')), JSON.stringify(r.edge));
    const sent = requests.slice(n0);
    assert.deepEqual(sent.map((q) => `${q.method} ${new URL(q.url).pathname}`), ['POST /v1/verify']);
  }
  // The same through the page's file picker.
  const rows = await pickFiles(page, [listed, resized]);
  assert.deepEqual(rows.map((r) => r.verdict), ['match', 'match']);
  // In plain words, naming the list; no run of filter-key kinds.
  for (const r of rows) {
    assert.equal(r.summary, 'Matched a known image from list “hashgate demo” (demo:harbour).');
    assert.doesNotMatch(r.text, /pdq, pdq|filter: hit/);
  }
  await page.screenshot({ path: join(results, 'demo-match.png'), fullPage: true });
  await page.close();
});

test('a letterboxed and a captioned copy match through the trimmed hash, confirmed by the edge', async () => {
  const { page, requests } = await openDemo();
  for (const [f, label] of [['harbour-letterbox.jpg', 'demo:harbour'], ['market-caption.jpg', 'demo:market']]) {
    const n0 = requests.length;
    const r = await checkFile(page, join(demoDir, 'probe', f));
    assert.equal(r.verdict, 'match', `${f}: ${JSON.stringify(r)}`);
    assert.equal(r.localHit.hit, true);
    assert.ok(r.fingerprints.pdqRobust?.length >= 1, `${f}: no robust hash`);
    assert.ok(r.edge.matches.some((m) => m.labels.includes(label)), JSON.stringify(r.edge));
    assert.deepEqual(requests.slice(n0).map((q) => `${q.method} ${new URL(q.url).pathname}`), ['POST /v1/verify']);
  }
  // Without the robust hash the raw PDQ is far from the listed one: the
  // match is the trim's.
  const edge = await (await fetch(`${demo.url}/demo/api/fingerprint`, { method: 'POST', body: readFileSync(join(demoDir, 'probe', 'harbour-letterbox.jpg')) })).json();
  const orig = await (await fetch(`${demo.url}/demo/api/fingerprint`, { method: 'POST', body: readFileSync(listed) })).json();
  assert.ok(hamming(edge.pdq, orig.pdq) > 31, `raw PDQ only ${hamming(edge.pdq, orig.pdq)} bits from the listed one`);
  await page.close();
});

test('a clean photo is clear and no request leaves the page for it', async () => {
  const { page, requests } = await openDemo();
  const n0 = requests.length;
  const r = await checkFile(page, clean);
  assert.equal(r.verdict, 'clear');
  assert.equal(r.localHit.hit, false);
  assert.equal(r.edge, undefined);
  const rows = await pickFiles(page, [clean]);
  assert.equal(rows[0].verdict, 'clear');
  assert.match(rows[0].summary, /^No match: not a known image in release \d+\. Nothing was sent\.$/);
  await page.waitForTimeout(300); // anything sent late would show up here
  assert.deepEqual(requests.slice(n0), [], 'requests after choosing a clean file');
  await page.screenshot({ path: join(results, 'demo.png'), fullPage: true });
  await page.close();
});

test('an image check reports its progress and stops on an AbortSignal, sending nothing', async () => {
  const { page, requests } = await openDemo();
  const b64 = readFileSync(listed).toString('base64');
  const got = await page.evaluate(async (b64) => {
    const file = new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'listed.jpg');
    const seen = [];
    const r = await window.hashgateChecker.check(file, { onProgress: (p) => seen.push(p) });
    const outcome = async (signal) => {
      try {
        const x = await window.hashgateChecker.check(file, { signal });
        return `resolved ${x.verdict}`;
      } catch (err) {
        return err.name;
      }
    };
    const pre = await outcome(AbortSignal.abort());
    const ac = new AbortController();
    const p = outcome(ac.signal);
    ac.abort();
    const mid = await p;
    return { size: file.size, verdict: r.verdict, seen, pre, mid };
  }, b64);
  assert.equal(got.verdict, 'match');
  assert.ok(got.seen.length >= 2, JSON.stringify(got.seen));
  assert.deepEqual(got.seen[0], { done: 0, total: got.size, unit: 'bytes' });
  assert.deepEqual(got.seen.at(-1), { done: got.size, total: got.size, unit: 'bytes' });
  assert.ok(got.seen.every((p, i) => i === 0 || p.done >= got.seen[i - 1].done));
  assert.equal(got.pre, 'AbortError');
  assert.equal(got.mid, 'AbortError');
  // One verify, for the check that ran; none for the two cancelled ones.
  await page.waitForTimeout(300);
  assert.equal(requests.filter((q) => new URL(q.url).pathname === '/v1/verify').length, 1);
  await page.close();
});

test('the upload form stops a match before upload and sends a clean file', async () => {
  const { page, requests } = await openDemo();
  const uploads = () => requests.filter((q) => new URL(q.url).pathname === '/demo/api/upload');
  await page.setInputFiles('#upload-file', resized);
  await page.click('#upload button');
  await page.waitForFunction(() => document.querySelector('#upload-status').dataset.state, null, { timeout: 60000 });
  assert.equal(await page.evaluate(() => document.querySelector('#upload-status').dataset.state), 'blocked');
  assert.equal(uploads().length, 0, 'a matching file was uploaded');

  await page.evaluate(() => { delete document.querySelector('#upload-status').dataset.state; });
  await page.setInputFiles('#upload-file', clean);
  await page.click('#upload button');
  await page.waitForFunction(() => document.querySelector('#upload-status').dataset.state, null, { timeout: 60000 });
  assert.equal(await page.evaluate(() => document.querySelector('#upload-status').dataset.state), 'sent');
  assert.equal(uploads().length, 1);
  await page.screenshot({ path: join(results, 'upload.png'), fullPage: true });
  await page.close();
});

test('a refused release update keeps the cached release', async () => {
  const { page } = await openDemo();
  const first = await page.evaluate(() => window.hashgateChecker.release);
  // The second load comes from the Cache API (ETag revalidation: 304).
  const again = await openDemo();
  const info = await again.page.evaluate(() => ({ r: window.hashgateChecker.release, src: window.hashgateChecker.releaseSource }));
  assert.equal(info.r.version, first.version);
  assert.equal(info.src, 'cache');
  // A tampered manifest is refused; the release in use stays and checks still work.
  await again.page.route('**/v1/manifest', async (route) => {
    const resp = await route.fetch({ headers: { ...route.request().headers(), 'if-none-match': '' } });
    const body = (await resp.text()).replace('"channel": "demo"', '"channel": "demx"');
    await route.fulfill({ response: resp, body, headers: { ...resp.headers(), etag: '"tampered"' } });
  });
  const upd = await again.page.evaluate(async () => {
    await window.hashgateChecker.update();
    return { r: window.hashgateChecker.release, src: window.hashgateChecker.releaseSource };
  });
  assert.equal(upd.r.version, first.version);
  assert.notEqual(upd.src, 'network');
  const r = await checkFile(again.page, listed);
  assert.equal(r.verdict, 'match');
  await page.close();
  await again.page.close();
});

test('malformed files give an error verdict and the checker keeps working', async () => {
  const { page, requests } = await openDemo();
  const jpeg = readFileSync(listed);
  const cases = {
    'not an image': Buffer.from('hello, this is not an image at all'),
    'empty file': Buffer.alloc(0),
    'JPEG cut after its header': jpeg.subarray(0, 600),
    'JPEG cut half-way through its scan': jpeg.subarray(0, jpeg.length >> 1),
    'JPEG header claiming 60000x60000': hugeJPEGHeader(),
  };
  const before = requests.length;
  for (const [name, bytes] of Object.entries(cases)) {
    const r = await page.evaluate(async ({ b64 }) => {
      const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      return window.hashgateChecker.check(new File([bin], 'x.jpg'));
    }, { b64: bytes.toString('base64') });
    assert.equal(r.verdict, 'error', `${name}: ${JSON.stringify(r).slice(0, 200)}`);
    assert.ok(r.error && r.error.length > 5, `${name}: an error message`);
  }
  assert.equal(requests.length, before, 'nothing was sent for files that could not be checked');
  const ok = await checkFile(page, listed);
  assert.equal(ok.verdict, 'match', 'the checker still works afterwards');
  await page.close();
});

// hugeJPEGHeader is SOI then a baseline SOF0 for 60000x60000 and EOI: a
// decompression bomb's header with nothing behind it.
function hugeJPEGHeader() {
  return Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0, 17, 8, 0xea, 0x60, 0xea, 0x60, 3,
    1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xd9]);
}

function hamming(a, b) {
  let d = 0;
  for (let i = 0; i < a.length; i += 8) {
    let x = parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16);
    while (x) { d += x & 1; x >>>= 1; }
  }
  return d;
}

function corpus() {
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(jpe?g|png|webp)$/i.test(e)) files.push(p);
    }
  };
  walk(join(repoRoot, '..', 'shared', 'testdata', 'pdq', 'images'));
  walk(join(demoDir, 'listed'));
  walk(join(demoDir, 'probe'));
  return files.sort();
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// The budget applies where PDQ is used: quality >= 50, the edge's floor
// (match.DefaultOptions); below it the hash of a near-flat image is noise and
// the edge ignores it. Meta's own conformance rule likewise only counts
// quality >= 80. Distances over every file are reported too.
test('browser PDQ and its dihedral variants agree with the edge over the corpus (median <= 2, max <= 8 bits at quality >= 50)', async () => {
  // Every mode is measured and reported; the budget applies to the default
  // ('auto'), and to 'wasm', the path browsers without ImageDecoder take.
  const files = corpus();
  assert.ok(files.length >= 40, `corpus has ${files.length} files`);
  const edge = {};
  for (const f of files) {
    const resp = await fetch(`${demo.url}/demo/api/fingerprint`, { method: 'POST', body: readFileSync(f) });
    edge[f] = await resp.json();
  }
  const report = {};
  let digestsChecked = 0;
  for (const mode of ['auto', 'wasm', 'browser', 'decode']) {
    const { page } = await openDemo(`?resize=${mode}`);
    const rows = [];
    for (const f of files) {
      const r = await checkFile(page, f);
      const e = edge[f];
      if (!r.fingerprints || !e.pdq) {
        rows.push({ file: relative(join(repoRoot, '..'), f), error: r.error || e.error });
        continue;
      }
      // Bytes are bytes: the digests and the oriented size must be exact.
      assert.equal(r.fingerprints.sha256, e.sha256, `${f}: sha256 (${mode})`);
      assert.equal(r.fingerprints.md5, e.md5, `${f}: md5 (${mode})`);
      if (mode === 'auto' && /\.jpe?g$/i.test(f)) {
        assert.match(r.decoder, /^ImageDecoder /, `${f}: the default path decoded a JPEG with ${r.decoder}`);
      }
      if (mode === 'auto' || mode === 'wasm') {
        assert.deepEqual([r.fingerprints.width, r.fingerprints.height], [e.width, e.height], `${f}: oriented size (${mode})`);
      }
      digestsChecked++;
      // The dihedral variants the browser looks up and sends to /v1/verify
      // (on by default): the largest distance of the eight to the edge's.
      let dihedral;
      if (r.fingerprints.pdqDihedral && e.pdqDihedral) {
        assert.equal(r.fingerprints.pdqDihedral.length, 8, `${f}: eight dihedral variants (${mode})`);
        assert.equal(r.fingerprints.pdqDihedral[0], r.fingerprints.pdq, `${f}: variant 0 is the PDQ (${mode})`);
        dihedral = Math.max(...e.pdqDihedral.map((h, i) => hamming(r.fingerprints.pdqDihedral[i], h)));
      }
      // The trimmed picture's hash (the module's robust hash): where the edge has one of
      // quality >= 50, the browser must have it too, with the same variants
      // within the PDQ budget.
      let robust;
      const er = (e.pdqRobust || []).filter((x) => x.quality >= 50 && x.name === 'trim');
      if (er.length) {
        const br = r.fingerprints.pdqRobust || [];
        assert.equal(br.length, er.length, `${f}: robust hashes in the browser ${JSON.stringify(br)}, at the edge ${JSON.stringify(er)} (${mode})`);
        robust = Math.max(...er.flatMap((x, k) => x.dihedral.map((h, i) => hamming(br[k].dihedral[i], h))));
      }
      rows.push({
        dihedral, robust,
        file: relative(join(repoRoot, '..'), f), distance: hamming(r.fingerprints.pdq, e.pdq),
        quality: e.pdqQuality, size: `${e.width}x${e.height}`, sameSize: r.fingerprints.width === e.width && r.fingerprints.height === e.height,
        ms: Math.round(r.timings.total),
      });
    }
    const d = rows.filter((r) => r.distance !== undefined).map((r) => r.distance);
    const q = rows.filter((r) => r.distance !== undefined && r.quality >= 50).map((r) => r.distance);
    const dq = rows.filter((r) => r.dihedral !== undefined && r.quality >= 50).map((r) => r.dihedral);
    const rq = rows.filter((r) => r.robust !== undefined).map((r) => r.robust);
    report[mode] = {
      robustQ50: {
        files: rq.length, median: median(rq), max: Math.max(...rq), within8: rq.filter((d) => d <= 8).length,
        probes: Math.max(...rows.filter((r) => r.robust !== undefined && r.file.includes('/demo/probe/')).map((r) => r.robust)),
      },
      dihedralQ50: { files: dq.length, median: median(dq), max: Math.max(...dq) },
      files: rows.length, hashed: d.length, median: median(d), max: Math.max(...d),
      q50: { files: q.length, median: median(q), max: Math.max(...q) },
      medianMs: median(rows.filter((r) => r.ms).map((r) => r.ms)), rows,
    };
    await page.close();
  }
  writeFileSync(join(results, 'pdq-distance.json'), JSON.stringify(report, null, 1));
  for (const [mode, r] of Object.entries(report)) {
    console.log(`# PDQ distance browser vs edge, resize=${mode}: all ${r.hashed}/${r.files} files median ${r.median}, max ${r.max} bits; ` +
      `quality >= 50 (${r.q50.files} files) median ${r.q50.median}, max ${r.q50.max} bits; median time ${r.medianMs} ms`);
    console.log(`#   robust hashes (trimmed picture, quality >= 50 at the edge): ${r.robustQ50.files} files, median ${r.robustQ50.median}, max ${r.robustQ50.max} bits, ${r.robustQ50.within8} within 8 bits, probes max ${r.robustQ50.probes}`);
    for (const row of r.rows.filter((x) => x.robust > 8)) console.log(`#   robust ${row.file}: ${row.robust}`);
    for (const row of r.rows.filter((x) => x.distance === undefined || x.distance > 2)) console.log(`#   ${row.file}: ${row.distance ?? row.error} (quality ${row.quality})`);
  }
  assert.ok(digestsChecked >= 4 * 40, `only ${digestsChecked} digests compared`);
  for (const mode of ['auto', 'wasm']) {
    const w = report[mode];
    assert.equal(w.hashed, w.files, `every corpus file hashed in the browser and at the edge (${mode})`);
    assert.ok(w.q50.files >= 40, `only ${w.q50.files} files with quality >= 50 (${mode})`);
    assert.ok(w.q50.median <= 2, `median distance ${w.q50.median} > 2 (${mode})`);
    assert.ok(w.q50.max <= 8, `max distance ${w.q50.max} > 8 (${mode})`);
    // Dihedral look-ups are on by default: every variant agrees as PDQ does.
    assert.equal(w.dihedralQ50.files, w.q50.files, `dihedral variants of every file (${mode})`);
    assert.ok(w.dihedralQ50.median <= 2, `dihedral median of the largest variant distance ${w.dihedralQ50.median} > 2 (${mode})`);
    assert.ok(w.dihedralQ50.max <= 8, `dihedral max distance ${w.dihedralQ50.max} > 8 (${mode})`);
    // The letterboxed and captioned probes are trimmed alike on both sides.
    // On photos with a thin or faint border of their own the trim's edge
    // can land a line apart when the browser's decoder gives slightly
    // different pixels, and the hash of the region then moves far: that is
    // allowed on at most a quarter of the files (docs/variants.md).
    assert.ok(w.robustQ50.files >= 2, `only ${w.robustQ50.files} files with a robust hash at both ends (${mode})`);
    assert.ok(w.robustQ50.probes <= 8, `robust distance on the probes ${w.robustQ50.probes} > 8 (${mode})`);
    assert.ok(w.robustQ50.median <= 2, `robust median distance ${w.robustQ50.median} > 2 (${mode})`);
    assert.ok(4 * w.robustQ50.within8 >= 3 * w.robustQ50.files, `robust hashes within 8 bits on ${w.robustQ50.within8} of ${w.robustQ50.files} files (${mode})`);
  }
});
