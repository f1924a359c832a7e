// Types for hashgate's browser checker (src/index.js).

export interface CheckerOptions {
  /**
   * URL of hashgate.wasm (the checker module), served as application/wasm.
   * Default: the module shipped in the package, `@hashgate/web/hashgate.wasm`
   * (new URL('../hashgate.wasm', import.meta.url) from src/index.js).
   * For oblivious-mode releases give the oblivious-capable module,
   * hashgate-oblivious.wasm (`@hashgate/web/hashgate-oblivious.wasm`); the
   * default module refuses them with an error.
   */
  wasmURL?: string | URL;
  /** An edge's manifest URL (…/v1/manifest) or a release directory URL ending in "/". */
  releaseURL: string | URL;
  /**
   * The edge to confirm local hits with (POST /v1/verify). Without it a local hit is the verdict.
   * An oblivious-mode release needs it: every check makes one POST /v1/oprf there, whose blinded
   * elements reveal nothing of the file; a refusal, a spent budget (429) or a proof that does not
   * verify makes the verdict 'error', never 'clear'.
   */
  edgeURL?: string | URL;
  /** The publisher's public key file (lines "ALGORITHM BASE64"), pinned: releases must be signed by these keys. */
  publicKeys: string;
  /**
   * How the canonical 512×512 pixels are reached. 'auto' (default): JPEGs are
   * decoded to planes by WebCodecs' ImageDecoder and sampled in the worker at
   * the reference's coordinates; other files, or browsers without
   * ImageDecoder, use 'wasm'. 'wasm': the full decode goes to the module,
   * which samples it as the reference does. 'browser' and 'decode' let
   * Chromium resize (faster on some machines, further from the edge's hash);
   * they exist for measurement.
   */
  resize?: 'auto' | 'wasm' | 'browser' | 'decode';
  /**
   * Also look up the PDQ hashes of the file's rotations and mirror images, and send them to
   * the edge to confirm (default true, as the edge's --dihedral). false turns it off.
   */
  dihedral?: boolean;
  /** Worker script URL, if src/worker.js is served elsewhere. */
  workerURL?: string | URL;
  /** fetch used for /v1/verify (defaults to globalThis.fetch). */
  fetch?: typeof fetch;
  /**
   * URL of mediabunny's ES module bundle (dist/bundles/mediabunny.min.mjs),
   * loaded in the worker the first time a video is checked. Default: beside
   * src/, at ../node_modules/mediabunny/dist/bundles/mediabunny.min.mjs.
   */
  demuxerURL?: string | URL;
  /**
   * How a decoded video frame becomes RGB. 'i420' (default): its YUV planes
   * are copied out and converted as the edge's libswscale does (bit for bit
   * on the sample videos); 'rgba': the browser converts (VideoFrame.copyTo
   * RGBA), a few bits from the edge's hashes. Frames that are not 8-bit
   * I420 always take 'rgba'.
   */
  videoPixels?: 'i420' | 'rgba';
  /**
   * The edge's video rules (its --video-query-percent, --video-contains-percent
   * and --video-contains-min-frames; defaults 80, 80, 5). A video is a local
   * candidate, and the edge is asked, when a digest hits or at least
   * min(⌈videoQueryPercent % of its usable frames⌉, videoContainsMinFrames)
   * of its distinct frames of quality ≥ 50 hit the filter: fewer could
   * satisfy neither rule (src/videorule.js). Set them as the edge is set.
   */
  videoQueryPercent?: number;
  videoContainsPercent?: number;
  videoContainsMinFrames?: number;
  /** false: a video WebCodecs cannot decode is an error instead of being played in a <video> element. */
  fallback?: boolean;
  /**
   * false: hash a video's selected frames in the checker's worker instead of
   * a second worker (src/hasher.js) that hashes while the first one decodes.
   */
  videoHasher?: boolean;
}

/**
 * Progress of a check. Images: bytes read and digested (unit 'bytes'; the
 * pixels decode meanwhile), from { done: 0 } to { done: total }. Videos:
 * frames decoded so far of the track's frames (no unit).
 */
export interface Progress {
  done: number;
  total: number;
  unit?: 'bytes';
}

export interface CheckOptions {
  /**
   * Cancels the check, image or video: check() rejects at once with a
   * DOMException named 'AbortError', nothing is sent to the edge, and the
   * worker stops at its next step (a video's decoder is closed).
   */
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  videoPixels?: 'i420' | 'rgba';
  fallback?: boolean;
  /** 'video' takes the <video> fallback even where WebCodecs could decode (for measurement and tests). */
  videoDecoder?: 'auto' | 'video';
  videoHasher?: boolean;
}

/** One hashed video frame, as vPDQ: frame number (decoder output order), PDQ at the frame's own size. */
export interface FrameHash {
  frame: number;
  /** frame / fps, rounded to milliseconds. */
  timestamp: number;
  pdq: string;
  quality: number;
  width: number;
  height: number;
}

export interface VideoFingerprints {
  /** The track's average frame rate: frames / duration. */
  fps: number;
  /** Every frameMod-th decoded frame is hashed: ⌊1 s × fps⌋. */
  frameMod: number;
  /** Frames in the track. */
  frames: number;
  /** Seconds. */
  duration: number;
  codec: string | null;
  width: number;
  height: number;
  hashes: FrameHash[];
  /** Where frames hit the filter, in seconds: candidates the edge confirms or not. */
  localRanges: { start: number; end: number }[];
}

/**
 * The body of POST /v1/verify for a video: the file's digests and the frame
 * hashes of quality ≥ 50 in python-threatexchange's vPDQ signal form
 * "pdq_hex,quality,timestamp" (timestamp in seconds, 3 decimals). Never the file.
 */
export interface VideoVerifyRequest {
  sha256: string;
  md5: string;
  vpdq: string[];
}

export interface Fingerprints {
  width: number;
  height: number;
  /** PDQ, 64 hex digits in the reference's order (images only). */
  pdq?: string;
  pdqQuality?: number;
  /** PDQ of the 8 rotations and mirror images (original first), when dihedral look-ups are on (images only). */
  pdqDihedral?: string[];
  /**
   * Robust PDQ hashes of quality >= 50 (the picture with borders, caption bands and blurred fill
   * trimmed, as the edge computes them), each with its 8 variants; absent when nothing was trimmed.
   */
  pdqRobust?: { quality: number; dihedral: string[] }[];
  /** pHash, 16 hex digits (images only). */
  phash?: string;
  /** Not computed in the browser (no filter carries them); kept for older callers, always absent. */
  dhash?: string;
  ahash?: string;
  sha256: string;
  md5: string;
  bytes: number;
}

export interface LocalHit {
  /**
   * true when the fingerprints are a candidate (not a verdict): for an image
   * any filter key hit; for a video a digest hit, or at least `need` of its
   * `usable` frames hit (see CheckerOptions.videoQueryPercent).
   */
  hit: boolean;
  /** frame: the video frame whose PDQ hit. */
  hits: { kind: 'pdq' | 'phash' | 'sha256' | 'md5'; key: string; frame?: number }[];
  /** Videos: the frame numbers whose PDQ hit a filter key. */
  frames?: number[];
  /** Videos: distinct frame hashes of quality ≥ 50, and how many of them must hit (null: none usable). */
  usable?: number;
  need?: number | null;
}

export interface EdgeVerdict {
  match: boolean;
  release: number;
  matches: {
    kind: string; labels: string[]; list: string;
    /** A listed video's match (kind 'vpdq'): which rule, both shares, and the upload's matched [start, end] seconds. */
    video?: { id: string; rule: string; upload_percent: number; listed_percent: number; ranges: [number, number][] };
  }[];
}

/** Milliseconds. decode and digest overlap: each runs from the start of the check. */
export interface Timings {
  /** Until the file was read into memory (images). */
  read?: number;
  /** Until the canonical pixels were ready. */
  decode?: number;
  /** PDQ (with its variants and trimmed hashes) and pHash inside the module, after decoding. */
  fingerprint?: number;
  /** Until SHA-256 and MD5 of the bytes were done. */
  digest?: number;
  lookup?: number;
  /** Oblivious mode: blinding, the POST /v1/oprf round trip, the proof check and the look-up, ms. */
  oprf?: number;
  worker?: number;
  verify?: number;
  total: number;
}

export interface CheckResult {
  /**
   * 'unsupported': the file is an image this browser cannot decode (HEIC;
   * AVIF where ImageDecoder lacks it). Nothing was looked up or sent; the
   * edge decodes both and checks the upload. `reason` says which.
   */
  verdict: 'clear' | 'match' | 'error' | 'unsupported';
  fingerprints: Fingerprints | null;
  localHit: LocalHit | null;
  /** A video's frame hashes (fingerprints then holds its digests and size). */
  video?: VideoFingerprints;
  /** The edge's answer, present only after a local hit. */
  edge?: EdgeVerdict;
  /** How the pixels were decoded, e.g. "ImageDecoder I420" or "createImageBitmap". */
  decoder?: string;
  timings: Timings;
  error?: string;
  /** With verdict 'unsupported', e.g. "heic: this browser cannot decode it; the edge will check the upload". */
  reason?: string;
}

export interface ReleaseInfo {
  version: number;
  channel: string;
  created: string;
  expires: string;
  layout: string;
  filterKind: string;
  keys: number;
  filterBytes: number;
  /** An oblivious-mode release: keys need the edge (POST /v1/oprf). */
  oblivious: boolean;
  etag?: string | null;
}

export interface Checker {
  readonly release: ReleaseInfo;
  /** Where the release in use came from at the last load or update. */
  readonly releaseSource: 'network' | 'cache' | 'unchanged';
  /** Look for a newer release; a refused or failed update keeps the one in use. */
  update(): Promise<ReleaseInfo>;
  /** Images (JPEG, PNG, GIF, WebP, AVIF; HEIC answers 'unsupported') and videos (MP4/MOV, WebM, Matroska), recognised by their bytes. */
  check(file: Blob, options?: CheckOptions): Promise<CheckResult>;
  close(): void;
}

export class CheckerError extends Error {
  code: string;
  status: number;
}

export function createChecker(options: CheckerOptions): Promise<Checker>;
