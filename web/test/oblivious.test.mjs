// The browser checker against an oblivious-mode release: a real `hashgate
// demo --mode oblivious` (an edge with POST /v1/oprf) beside an open-mode
// demo of the same list, in Debian's Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, openDemo as openPage, checkFile } from './browser.mjs';
import { startDemo, repoRoot } from './demo-server.mjs';

const demoDir = join(repoRoot, 'testdata', 'demo');
let open;
let obl;
let browser;
let tmp;
const files = [];

before(async () => {
  [open, obl] = await Promise.all([startDemo(), startDemo([], { oblivious: true })]);
  browser = await launch();
  tmp = mkdtempSync(join(tmpdir(), 'hashgate-oblivious-'));
  for (const f of ['harbour.jpg', 'market.jpg', 'station.jpg']) files.push({ path: join(demoDir, 'listed', f), want: 'match' });
  for (const f of ['harbour-letterbox.jpg', 'harbour-resized-q70.jpg', 'market-caption.jpg']) files.push({ path: join(demoDir, 'probe', f), want: 'match' });
  files.push({ path: join(demoDir, 'probe', 'meadow-unlisted.jpg'), want: 'clear' });
  // A mirror image and a quarter turn: dihedral look-ups, in both modes.
  for (const [op, name] of [['-flop', 'station-mirrored.jpg'], ['-rotate', 'market-rot90.jpg']]) {
    const src = join(demoDir, 'listed', name.startsWith('station') ? 'station.jpg' : 'market.jpg');
    const out = join(tmp, name);
    execFileSync('convert', [src, ...(op === '-rotate' ? ['-rotate', '90'] : [op]), '-quality', '90', out]);
    files.push({ path: out }); // whatever open mode says: the same verdict

  }
});

after(async () => {
  await browser?.close();
  await Promise.all([open?.stop(), obl?.stop()]);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const openDemo = (demo) => openPage(browser.context, `${demo.url}/`);

test('the same list built open and oblivious gives the same verdicts on listed, edited and clean files', async () => {
  const o = await openDemo(open);
  const b = await openDemo(obl);
  assert.equal(await b.page.evaluate(() => window.hashgateChecker.release.oblivious), true);
  assert.equal(await o.page.evaluate(() => window.hashgateChecker.release.oblivious), false);
  assert.match(await b.page.evaluate(() => window.hashgateChecker.release.layout), /\/oblivious$/);
  const listedPDQ = [];
  const oprfMs = [];
  let beyond = 0;
  for (const f of files) {
    const name = f.path.split('/').pop();
    const ro = await checkFile(o.page, f.path);
    if (f.path.includes('/listed/')) listedPDQ.push(ro.fingerprints.pdq);
    const n0 = b.requests.length;
    const rb = await checkFile(b.page, f.path);
    if (f.want) assert.equal(ro.verdict, f.want, `${name} open: ${JSON.stringify(ro)}`);
    // Both layouts guarantee PDQ within 7 bits (dihedral variants and
    // trimmed hashes included): there the verdicts must be the same. Beyond
    // it each filter flags some copies by chance (8x32's short bands more
    // often than 4x64+p1) and the edge's exact search decides, so there
    // oblivious mode may only add matches the edge confirms.
    const fp = ro.fingerprints;
    const mine = [fp.pdq, ...(fp.pdqDihedral || []), ...(fp.pdqRobust || []).flatMap((x) => x.dihedral)];
    const d = Math.min(...mine.flatMap((h) => listedPDQ.map((l) => hamming(h, l))));
    if (d <= 7 || f.want) {
      assert.equal(rb.verdict, ro.verdict, `${name} (PDQ ${d} bits from the list): oblivious ${rb.verdict} (${rb.error || ''}), open ${ro.verdict}`);
      assert.equal(rb.localHit.hit, ro.localHit.hit, `${name}: local hit`);
    } else if (rb.verdict !== ro.verdict) {
      assert.deepEqual([ro.verdict, rb.verdict], ['clear', 'match'], `${name} (PDQ ${d} bits from the list)`);
      beyond++;
    }
    // One /v1/oprf round trip a check, then /v1/verify for a candidate.
    const sent = b.requests.slice(n0).map((r) => `${r.method} ${new URL(r.url).pathname}`);
    assert.deepEqual(sent, rb.localHit.hit ? ['POST /v1/oprf', 'POST /v1/verify'] : ['POST /v1/oprf'], `${name}: ${sent}`);
    assert.ok(rb.timings.oprf > 0 && rb.localHit.evaluations > 8, `${name}: ${JSON.stringify(rb.timings)} ${rb.localHit.evaluations}`);
    oprfMs.push([rb.timings.oprf, rb.localHit.evaluations]);
  }
  oprfMs.sort((x, y) => x[0] - y[0]);
  console.log(`# oblivious look-up (blind, POST /v1/oprf, proof check, look-up) per check: median ${oprfMs[oprfMs.length >> 1][0].toFixed(1)} ms, ` +
    `${Math.min(...oprfMs.map((x) => x[1]))}-${Math.max(...oprfMs.map((x) => x[1]))} evaluations (indicative: a test, not a benchmark)`);
  if (beyond) console.log(`# ${beyond} edit(s) more than 7 bits from the list matched in oblivious mode only (confirmed by the edge)`);
  await o.page.close();
  await b.page.close();
});

function hamming(a, b) {
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    let x = parseInt(a[i], 16) ^ parseInt(b[i], 16);
    for (; x; x &= x - 1) n++;
  }
  return n;
}

test('a tampered /v1/oprf answer, a refusal and a missing edge are errors, never clear', async () => {
  const { page } = await openDemo(obl);
  const listed = join(demoDir, 'listed', 'harbour.jpg');
  const clean = join(demoDir, 'probe', 'meadow-unlisted.jpg');
  let flip = -1;
  await page.route('**/v1/oprf', async (route) => {
    const resp = await route.fetch();
    const body = Buffer.from(await resp.body());
    body[flip < 0 ? body.length + flip : flip] ^= 0x01;
    await route.fulfill({ response: resp, body });
  });
  for (const at of [-1, -40, 20]) { // the proof, an evaluation, the first evaluation's bytes
    flip = at;
    for (const f of [listed, clean]) {
      const r = await checkFile(page, f);
      assert.equal(r.verdict, 'error', `byte ${at} flipped, ${f}: ${JSON.stringify(r)}`);
      assert.match(r.error, /proof|does not parse|another key/);
    }
  }
  await page.unroute('**/v1/oprf');
  await page.route('**/v1/oprf', (route) => route.fulfill({ status: 429, headers: { 'retry-after': '7', 'content-type': 'application/json' }, body: '{"code":"oprf_budget","message":"budget spent"}' }));
  const r429 = await checkFile(page, clean);
  assert.equal(r429.verdict, 'error');
  assert.match(r429.error, /budget is spent: retry after 7 s/);
  await page.unroute('**/v1/oprf');
  await page.route('**/v1/oprf', (route) => route.abort('connectionrefused'));
  const down = await checkFile(page, listed);
  assert.equal(down.verdict, 'error');
  assert.match(down.error, /asking the edge \(\/v1\/oprf\)/);
  await page.unroute('**/v1/oprf');
  // Without an edge to evaluate keys the checker cannot look anything up.
  const none = await checkFile(page, listed, { edgeURL: undefined });
  assert.equal(none.verdict, 'error');
  assert.match(none.error, /needs edgeURL/);
  // And the untouched round trip still matches.
  assert.equal((await checkFile(page, listed)).verdict, 'match');
  await page.close();
});
