// hashgate's browser checker. createChecker starts a module Web Worker that
// runs the wasm checker; check(file) fingerprints a file on the device and
// looks it up in the signed release's filter. Only when the filter hits are
// the fingerprints (never the file) sent to the edge's /v1/verify, which
// gives the verdict; a miss sends nothing anywhere.
//
//   const checker = await createChecker({ releaseURL, edgeURL, publicKeys });
//   const r = await checker.check(file, { onProgress, signal }); // r.verdict: 'clear' | 'match' | 'error' | 'unsupported'

export { CheckerError } from './module.js';
import { captureFrames } from './videofallback.js';

class WorkerClient {
  constructor(url) {
    this.w = new Worker(url, { type: 'module', name: 'hashgate-checker' });
    this.next = 1;
    this.pending = new Map();
    this.w.onmessage = (e) => {
      const { id, result, error, progress } = e.data;
      const p = this.pending.get(id);
      if (!p) return;
      if (progress) {
        p.onProgress?.(progress);
        return;
      }
      this.pending.delete(id);
      if (error) {
        const err = new Error(error.message);
        err.name = error.name || 'Error';
        if (error.code !== undefined) err.code = error.code;
        p.reject(err);
      } else {
        p.resolve(result);
      }
    };
    this.w.onerror = (e) => {
      const err = new Error(`hashgate: checker worker failed: ${e.message || 'could not start'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  // call runs op in the worker. onProgress gets the op's progress messages;
  // an aborted signal rejects at once with an AbortError and tells the
  // worker to stop.
  call(op, args = {}, { onProgress, signal } = {}) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        this.w.postMessage({ id: this.next++, op: 'abort', target: id });
        reject(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (f) => (v) => { signal?.removeEventListener('abort', onAbort); f(v); };
      this.pending.set(id, { resolve: done(resolve), reject: done(reject), onProgress });
      this.w.postMessage({ id, op, ...args });
    });
  }

  terminate() { this.w.terminate(); }
}

function abortError() {
  return new DOMException('hashgate: the check was cancelled', 'AbortError');
}

// Frames under this PDQ quality are dropped by the vPDQ matcher; they are
// not sent.
const MIN_FRAME_QUALITY = 50;

// localRanges turns the hashed frames that hit the filter into time ranges
// of the video ({ start, end } in seconds): consecutive hashed frames join,
// and each covers the frameMod frames up to the next hashed one.
function localRanges(video, hitFrames) {
  const hit = new Set(hitFrames);
  const step = video.frameMod / video.fps;
  const out = [];
  let cur = null;
  for (const f of video.hashes) {
    if (!hit.has(f.frame)) {
      cur = null;
      continue;
    }
    const end = Math.min(video.duration, f.frame / video.fps + step);
    if (cur) cur.end = end;
    else out.push(cur = { start: f.frame / video.fps, end });
  }
  return out;
}

function verifyBody(r) {
  const fp = r.fingerprints;
  if (r.video) {
    // A video: its digests and its frame hashes in python-threatexchange's
    // vPDQ signal form, "pdq_hex,quality,timestamp" (never the file).
    const vpdq = r.video.hashes.filter((f) => f.quality >= MIN_FRAME_QUALITY)
      .map((f) => `${f.pdq},${f.quality},${f.timestamp.toFixed(3)}`);
    return JSON.stringify({ sha256: fp.sha256, md5: fp.md5, vpdq });
  }
  const body = { pdq: fp.pdq, pdq_quality: fp.pdqQuality, phash: fp.phash, sha256: fp.sha256, md5: fp.md5 };
  // With dihedral matching the edge confirms a rotated or mirrored copy from its variants.
  if (fp.pdqDihedral) body.pdq_dihedral = fp.pdqDihedral;
  // The robust hashes, so the edge confirms a bordered or captioned copy.
  if (fp.pdqRobust) body.pdq_robust = fp.pdqRobust;
  return JSON.stringify(body);
}

// The packed module sits at the package's root, beside src/ (npm pack
// copies it there from dist/; see scripts/prepack.mjs).
const PACKAGED_WASM = new URL('../hashgate.wasm', import.meta.url);

export async function createChecker(options) {
  const { releaseURL, edgeURL, publicKeys } = options || {};
  const wasmURL = options?.wasmURL || PACKAGED_WASM;
  if (!releaseURL || !publicKeys) {
    throw new TypeError('hashgate: createChecker needs releaseURL and publicKeys');
  }
  const resize = options.resize || 'auto';
  const demuxerURL = options.demuxerURL ? new URL(options.demuxerURL, globalThis.location?.href).href : undefined;
  const dihedral = options.dihedral !== false;
  // The edge's video rules, so the checker asks only when they could hold.
  const videoRules = { queryPercent: options.videoQueryPercent, containsPercent: options.videoContainsPercent, containsMinFrames: options.videoContainsMinFrames };
  const fetchImpl = options.fetch || globalThis.fetch.bind(globalThis);
  const worker = new WorkerClient(options.workerURL || new URL('./worker.js', import.meta.url));
  const abs = (u) => new URL(u, globalThis.location?.href).href;
  let state;
  try {
    state = await worker.call('init', { wasmURL: abs(wasmURL), releaseURL: abs(releaseURL), publicKeys, edgeURL: edgeURL && abs(edgeURL) });
  } catch (err) {
    worker.terminate();
    throw err;
  }

  return {
    get release() { return state.info; },
    get releaseSource() { return state.source; },

    async update() {
      state = await worker.call('update');
      return state.info;
    },

    async check(file, checkOptions = {}) {
      const { signal, onProgress } = checkOptions;
      const t0 = performance.now();
      let r;
      try {
        r = await worker.call('check', {
          file, resize, dihedral, demuxerURL, videoPixels: checkOptions.videoPixels || options.videoPixels,
          fallback: checkOptions.fallback ?? options.fallback, decoder: checkOptions.videoDecoder,
          videoRules, videoHasher: checkOptions.videoHasher ?? options.videoHasher,
        }, { signal, onProgress });
        if (r.fallback) {
          // WebCodecs cannot decode this codec: the page plays the video
          // in a <video> element and captures the selected frames.
          const frames = await captureFrames(file, r.fallback, { signal, onProgress });
          r = await worker.call('videoFrames', { file, info: r.fallback, frames, videoRules }, { signal });
        }
      } catch (err) {
        if (err.name === 'AbortError') throw err;
        return { verdict: 'error', error: err.message, fingerprints: null, localHit: null, timings: { total: performance.now() - t0 } };
      }
      if (r.unsupported) {
        return { verdict: 'unsupported', reason: r.unsupported, fingerprints: null, localHit: null, timings: { total: performance.now() - t0 } };
      }
      const out = { verdict: 'clear', fingerprints: r.fingerprints, localHit: r.localHit, decoder: r.decoder, timings: r.timings };
      if (r.video) out.video = { ...r.video, localRanges: localRanges(r.video, r.localHit.frames || []) };
      if (r.localHit.hit) {
        if (!edgeURL) {
          out.verdict = 'match'; // no edge to ask: the filter's candidate stands
        } else {
          const t1 = performance.now();
          try {
            const resp = await fetchImpl(new URL('/v1/verify', abs(edgeURL)).href, {
              method: 'POST', headers: { 'content-type': 'application/json' }, body: verifyBody(r), signal,
            });
            const body = await resp.json();
            if (!resp.ok) throw new Error(`edge answered ${resp.status}: ${body.message || body.code || ''}`);
            out.edge = body;
            out.verdict = body.match ? 'match' : 'clear';
          } catch (err) {
            if (err.name === 'AbortError') throw err;
            out.verdict = 'error';
            out.error = `hashgate: verifying with the edge: ${err.message}`;
          }
          out.timings.verify = performance.now() - t1;
        }
      }
      out.timings.total = performance.now() - t0;
      return out;
    },

    close() { worker.terminate(); },
  };
}
