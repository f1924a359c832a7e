// The page-side fallback for videos WebCodecs cannot decode: the browser
// plays the file in a <video> element, the selected frames are reached by
// seeking and read back through a canvas as RGBA, and the worker hashes
// them. Frame n (n % frameMod == 0, as the worker's selection) is taken by
// seeking to the middle of its display interval, (n + ½) / fps. Seeking
// lands on presentation timestamps, not on decoder output counts, and the
// browser converts YUV to RGB its own way, so these hashes are a few bits
// further from the edge's than the WebCodecs path's (README).

// captureFrames returns [{ frame, width, height, data }] for info
// ({ fps, frameMod, frames }) from the page's DOM.
export async function captureFrames(file, info, { signal, onProgress } = {}) {
  if (typeof document === 'undefined') {
    throw new Error('hashgate: this browser cannot decode the video: no WebCodecs decoder for it and no <video> element here');
  }
  const url = URL.createObjectURL(file);
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  video.playsInline = true;
  const once = (ev) => new Promise((res, rej) => {
    const ok = () => { clean(); res(); };
    const bad = () => { clean(); rej(new Error(`hashgate: the browser cannot play this video (${info.codec || 'unknown codec'})`)); };
    const stop = () => { clean(); rej(new DOMException('hashgate: the check was cancelled', 'AbortError')); };
    const clean = () => {
      video.removeEventListener(ev, ok);
      video.removeEventListener('error', bad);
      signal?.removeEventListener('abort', stop);
    };
    video.addEventListener(ev, ok);
    video.addEventListener('error', bad);
    signal?.addEventListener('abort', stop);
  });
  try {
    const loaded = once('loadeddata');
    video.src = url;
    await loaded;
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (!w || !h) throw new Error(`hashgate: the browser cannot play this video (${info.codec || 'unknown codec'})`);
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d', { willReadFrequently: true, colorSpace: 'srgb' });
    const out = [];
    const total = info.frames;
    for (let n = 0; n < total; n += info.frameMod) {
      if (signal?.aborted) throw new DOMException('hashgate: the check was cancelled', 'AbortError');
      const seeked = once('seeked');
      video.currentTime = (n + 0.5) / info.fps;
      await seeked;
      ctx.drawImage(video, 0, 0, w, h);
      out.push({ frame: n, width: w, height: h, data: ctx.getImageData(0, 0, w, h, { colorSpace: 'srgb' }).data });
      onProgress?.({ done: Math.min(total, n + info.frameMod), total });
    }
    return out;
  } finally {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
}
