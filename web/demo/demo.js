// The demo page: every chosen or dropped file is checked in the browser;
// the upload form asks the checker first and stops a confirmed match
// before anything is sent.
import { createChecker } from '/src/index.js';

const $ = (s) => document.querySelector(s);
const params = new URLSearchParams(location.search);

const publicKeys = await (await fetch('/keys.pub')).text();
let checker;
try {
  checker = await createChecker({
    wasmURL: '/hashgate.wasm',
    releaseURL: '/v1/manifest',
    edgeURL: location.origin,
    publicKeys,
    resize: params.get('resize') || 'auto',
  });
  const r = checker.release;
  $('#release').textContent = `Release ${r.version} (${r.channel}), ${r.keys} filter keys in ${r.filterBytes} bytes, ` +
    `layout ${r.layout}, expires ${r.expires} — loaded from ${checker.releaseSource}.`;
  document.body.dataset.ready = 'true';
} catch (err) {
  $('#release').textContent = `The checker did not start: ${err.message}`;
  document.body.dataset.ready = 'error';
  throw err;
}
window.hashgateChecker = checker; // for the browser tests and the console

const fmt = (n) => (n === undefined ? '–' : n.toFixed(1));

function row(file) {
  const tr = document.createElement('tr');
  tr.innerHTML = '<td class="name"></td><td><span class="verdict checking">checking…</span><progress class="progress" hidden></progress></td>' +
    '<td class="fp"><p class="summary"></p><details><summary>fingerprints</summary><pre></pre></details></td><td class="t"></td>';
  tr.querySelector('.name').textContent = `${file.name} (${Math.round(file.size / 1024)} KB)`;
  $('#results tbody').prepend(tr);
  return tr;
}

// progress shows a check's progress in its row: an image's bytes digested,
// a video's frames decoded.
function progress(tr) {
  const bar = tr.querySelector('.progress');
  return ({ done, total, unit }) => {
    bar.hidden = false;
    bar.max = Math.max(total, 1);
    bar.value = done;
    bar.title = unit === 'bytes' ? `${Math.round(done / 1024)} of ${Math.round(total / 1024)} KB read` : `${done} of ${total} frames`;
    tr.dataset.progress = `${done}/${total}`;
  };
}

const KIND_NAMES = { pdq: 'PDQ', phash: 'pHash', sha256: 'SHA-256', md5: 'MD5', vpdq: 'vPDQ' };
const uniq = (a) => a.filter((x, i) => a.indexOf(x) === i);
const quoted = (names) => {
  const q = names.map((n) => `“${n}”`);
  return q.length > 1 ? `${q.slice(0, -1).join(', ')} and ${q.at(-1)}` : q[0];
};

// summary says in plain words what the check found.
function summary(r) {
  const what = r.video ? 'video' : 'image';
  const rel = checker.release.version;
  if (r.verdict === 'unsupported') {
    if (r.reason?.startsWith('video:')) return 'Not checked here: in oblivious mode the edge checks videos when they are uploaded.';
    return `Not checked here: this browser cannot decode ${(r.reason || 'this').split(':')[0].toUpperCase()} photos. The edge checks the file when it is uploaded.`;
  }
  if (r.verdict === 'error') return `Could not check this file: ${r.error || 'unknown error'}`;
  if (r.verdict === 'match' && r.edge) {
    const lists = uniq(r.edge.matches.map((m) => m.list || 'unnamed'));
    const labels = uniq(r.edge.matches.flatMap((m) => m.labels));
    const rg = ranges(r);
    return `Matched a known ${what} from list${lists.length > 1 ? 's' : ''} ${quoted(lists)}` +
      (labels.length ? ` (${labels.join(', ')})` : '') + (rg ? `, at ${rg}` : '') + '.';
  }
  if (r.verdict === 'match') return `Looks like a known ${what}: it is in the filter of release ${rel}, and there is no edge to confirm it.`;
  if (r.localHit?.hit) return `No match. The ${what} resembled an entry of the filter, so its fingerprints (not the file) went to the edge, which cleared it.`;
  if (checker.release.oblivious) return `No match: not a known ${what} in release ${rel}. Only blinded elements went to the edge to compute the filter keys (oblivious mode).`;
  return `No match: not a known ${what} in release ${rel}. Nothing was sent.`;
}

const sec = (t) => `${Math.floor(t / 60)}:${(t % 60).toFixed(1).padStart(4, '0')}`;

// ranges names where a video matched: the edge's time ranges when it gave
// them, else the frames that hit the filter.
function ranges(r) {
  const edge = (r.edge?.matches || []).flatMap((m) => (m.video?.ranges || []).map(([start, end]) => ({ start, end })));
  const list = edge.length ? edge : r.video?.localRanges || [];
  return list.map((x) => `${sec(x.start)}–${sec(x.end)}`).join(', ');
}

function show(tr, r) {
  tr.querySelector('.progress').hidden = true;
  const v = tr.querySelector('.verdict');
  v.className = `verdict ${r.verdict}`;
  v.textContent = r.verdict;
  tr.dataset.verdict = r.verdict;
  tr.querySelector('.summary').textContent = summary(r);
  const f = r.fingerprints;
  const lines = [];
  if (f && r.video) {
    const vd = r.video;
    lines.push(`video ${f.width}×${f.height}, ${vd.duration.toFixed(1)} s at ${vd.fps.toFixed(2)} fps (${vd.codec || '?'}), ${vd.hashes.length} frame hashes (every ${vd.frameMod}th frame)`,
      `SHA-256 ${f.sha256}`, `MD5 ${f.md5}`);
    lines.push(r.localHit.hit ? `filter: ${r.localHit.frames.length} frames are candidates → frame hashes sent to the edge` : 'filter: no candidate → nothing sent');
  } else if (f) {
    lines.push(`${f.width}×${f.height}`, `PDQ ${f.pdq} (quality ${f.pdqQuality})`, `pHash ${f.phash}`, `SHA-256 ${f.sha256}`, `MD5 ${f.md5}`);
    lines.push(r.localHit.hit ? `filter: candidate by ${uniq(r.localHit.hits.map((h) => KIND_NAMES[h.kind] || h.kind)).join(', ')} → fingerprints sent to the edge` : 'filter: no candidate → nothing sent');
  }
  if (r.edge) lines.push(`edge: ${r.edge.match ? `confirmed by ${uniq(r.edge.matches.map((m) => KIND_NAMES[m.kind] || m.kind)).join(', ')}` : 'no match'} (release ${r.edge.release})`);
  if (r.error) lines.push(r.error);
  const rg = r.verdict === 'match' ? ranges(r) : '';
  if (rg) {
    lines.push(`matched at ${rg}`);
    tr.dataset.ranges = rg;
  }
  tr.querySelector('.fp pre').textContent = lines.join('\n');
  const t = r.timings;
  tr.querySelector('.t').textContent = `total ${fmt(t.total)}\ndecode ${fmt(t.decode)}\nhash ${fmt(t.fingerprint)}\ndigest ${fmt(t.digest)}\nlookup ${fmt(t.lookup)}` +
    (t.verify !== undefined ? `\nverify ${fmt(t.verify)}` : '');
  tr.querySelector('.t').style.whiteSpace = 'pre-line';
}

async function checkFiles(files) {
  for (const file of files) {
    const tr = row(file);
    show(tr, await checker.check(file, { onProgress: progress(tr) }));
  }
}

$('#files').addEventListener('change', (e) => checkFiles([...e.target.files]));
const drop = $('#drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  checkFiles([...e.dataTransfer.files]);
});

$('#upload').addEventListener('submit', async (e) => {
  e.preventDefault();
  const status = $('#upload-status');
  const file = $('#upload-file').files[0];
  if (!file) return;
  status.className = '';
  status.textContent = `Checking ${file.name}…`;
  const r = await checker.check(file);
  if (r.verdict === 'match') {
    status.className = 'blocked';
    status.textContent = `Not uploaded: ${file.name}. ${summary(r)}`;
    status.dataset.state = 'blocked';
    return;
  }
  // Clear (or the check failed): upload. The edge re-checks uploads anyway.
  const body = new FormData(e.target);
  const resp = await fetch(e.target.action, { method: 'POST', body });
  const res = await resp.json();
  status.className = 'sent';
  status.textContent = `Uploaded ${file.name} (${res.bytes} bytes sent; check said ${r.verdict}).`;
  status.dataset.state = 'sent';
});
