// Types for hashgate's browser checker (src/index.js).

export interface CheckerOptions {
  /** URL of hashgate.wasm (the checker module). */
  wasmURL: string | URL;
  /** An edge's manifest URL (…/v1/manifest) or a release directory URL ending in "/". */
  releaseURL: string | URL;
  /** The edge to confirm local hits with (POST /v1/verify). Without it a local hit is the verdict. */
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
  /** Worker script URL, if src/worker.js is served elsewhere. */
  workerURL?: string | URL;
  /** fetch used for /v1/verify (defaults to globalThis.fetch). */
  fetch?: typeof fetch;
}

export interface Fingerprints {
  width: number;
  height: number;
  /** PDQ, 64 hex digits in the reference's order. */
  pdq: string;
  pdqQuality: number;
  /** pHash, dHash, aHash: 16 hex digits each. */
  phash: string;
  dhash: string;
  ahash: string;
  sha256: string;
  md5: string;
  bytes: number;
}

export interface LocalHit {
  /** true when any filter key of any fingerprint hit: a candidate, not a verdict. */
  hit: boolean;
  hits: { kind: 'pdq' | 'phash' | 'sha256' | 'md5'; key: string }[];
}

export interface EdgeVerdict {
  match: boolean;
  release: number;
  matches: { kind: string; labels: string[]; list: string }[];
}

/** Milliseconds. decode and digest overlap: each runs from the start of the check. */
export interface Timings {
  /** Until the canonical pixels were ready. */
  decode?: number;
  /** PDQ, pHash, dHash, aHash inside the module, after decoding. */
  fingerprint?: number;
  /** Until SHA-256 and MD5 of the bytes were done. */
  digest?: number;
  lookup?: number;
  worker?: number;
  verify?: number;
  total: number;
}

export interface CheckResult {
  verdict: 'clear' | 'match' | 'error';
  fingerprints: Fingerprints | null;
  localHit: LocalHit | null;
  /** The edge's answer, present only after a local hit. */
  edge?: EdgeVerdict;
  /** How the pixels were decoded, e.g. "ImageDecoder I420" or "createImageBitmap". */
  decoder?: string;
  timings: Timings;
  error?: string;
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
  etag?: string | null;
}

export interface Checker {
  readonly release: ReleaseInfo;
  /** Where the release in use came from at the last load or update. */
  readonly releaseSource: 'network' | 'cache' | 'unchanged';
  /** Look for a newer release; a refused or failed update keeps the one in use. */
  update(): Promise<ReleaseInfo>;
  check(file: Blob): Promise<CheckResult>;
  close(): void;
}

export class CheckerError extends Error {
  code: string;
  status: number;
}

export function createChecker(options: CheckerOptions): Promise<Checker>;
