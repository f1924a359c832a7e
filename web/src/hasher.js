// A second worker for video checks: the checker's worker demuxes and feeds
// WebCodecs, and transfers each selected VideoFrame here, where it is
// copied out, converted to luma and hashed by a second instance of the
// module (posted compiled, so it is neither fetched nor compiled again).
// Hashing a frame then runs on one core while decoding continues on the
// other. Messages: { init: WebAssembly.Module } → { ready }; { id, frame,
// pixels } → { id, result } or { id, error }; { spent } → the time spent.
import { Module } from './module.js';
import { FrameHasher } from './framehash.js';

let hasher = null;

self.onmessage = async (e) => {
  const d = e.data;
  if (d.init) {
    try {
      hasher = new FrameHasher(await Module.load(d.init));
      self.postMessage({ ready: true });
    } catch (err) {
      self.postMessage({ ready: false, error: String(err.message || err) });
    }
    return;
  }
  if (d.spent) {
    self.postMessage({ spent: { ...hasher.spent } });
    hasher.spent = { copy: 0, luma: 0, pdq: 0 };
    return;
  }
  try {
    self.postMessage({ id: d.id, result: await hasher.hash(d.frame, d.pixels) });
  } catch (err) {
    d.frame?.close();
    self.postMessage({ id: d.id, error: String(err.message || err) });
  }
};
