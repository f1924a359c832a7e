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
  tr.innerHTML = '<td class="name"></td><td><span class="verdict checking">checking…</span><progress class="progress" hidden></progress></td><td class="fp"></td><td class="t"></td>';
  tr.querySelector('.name').textContent = `${file.name} (${Math.round(file.size / 1024)} KB)`;
  $('#results tbody').prepend(tr);
  return tr;
}

// progress shows a video check's frames decoded so far in its row.
function progress(tr) {
  const bar = tr.querySelector('.progress');
  return ({ done, total }) => {
    bar.hidden = false;
    bar.max = total;
    bar.value = done;
    bar.title = `${done} of ${total} frames`;
    tr.dataset.progress = `${done}/${total}`;
  };
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
  const f = r.fingerprints;
  const lines = [];
  if (f && r.video) {
    const vd = r.video;
    lines.push(`video ${f.width}×${f.height}, ${vd.duration.toFixed(1)} s at ${vd.fps.toFixed(2)} fps (${vd.codec || '?'}), ${vd.hashes.length} frame hashes (every ${vd.frameMod}th frame)`,
      `SHA-256 ${f.sha256}`, `MD5 ${f.md5}`);
    lines.push(r.localHit.hit ? `filter: ${r.localHit.frames.length} frames hit → asked the edge` : 'filter: miss → nothing sent');
  } else if (f) {
    lines.push(`${f.width}×${f.height}`, `PDQ ${f.pdq} (quality ${f.pdqQuality})`, `pHash ${f.phash}`, `SHA-256 ${f.sha256}`, `MD5 ${f.md5}`);
    lines.push(r.localHit.hit ? `filter: hit (${r.localHit.hits.map((h) => h.kind).join(', ')}) → asked the edge` : 'filter: miss → nothing sent');
  }
  if (r.edge) lines.push(`edge: ${r.edge.match ? 'match ' + r.edge.matches.flatMap((m) => m.labels).filter((l, i, a) => a.indexOf(l) === i).join(', ') : 'no match'}`);
  if (r.error) lines.push(r.error);
  const rg = r.verdict === 'match' ? ranges(r) : '';
  if (rg) {
    lines.push(`matched at ${rg}`);
    tr.dataset.ranges = rg;
  }
  tr.querySelector('.fp').textContent = lines.join('\n');
  tr.querySelector('.fp').style.whiteSpace = 'pre-line';
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
    status.textContent = `Not uploaded: ${file.name} matches a listed item (${r.edge ? r.edge.matches.flatMap((m) => m.labels).filter((l, i, a) => a.indexOf(l) === i).join(', ') : 'filter'}).`;
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
