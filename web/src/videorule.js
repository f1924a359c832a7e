// When a video's local filter hits are worth asking the edge about. The
// filter says only whether a frame's PDQ keys are listed, not by which video,
// and each of a frame's ~260 keys is a false hit at the filter's rate (2^-16
// at the default), so a clean 60-s clip has about a 21 % chance of one stray
// frame hit. The edge matches a video by rules that need many frames
// (package match): RuleWhole wants queryPercent of the upload's usable frames
// (quality ≥ 50, each distinct hash once) to match one listed video, and
// RuleContains at least containsMinFrames of a listed video's frames (and
// containsPercent of them). Every frame the edge matches within the layout's
// guaranteed distance also hits the filter, so a video whose hit frames are
// fewer than both rules need cannot match at the edge through such frames:
// the checker asks only when hits ≥ framesNeeded(usable).

// The edge's defaults (hashgate serve --video-query-percent,
// --video-contains-percent, --video-contains-min-frames).
export const defaultVideoRules = Object.freeze({ queryPercent: 80, containsPercent: 80, containsMinFrames: 5 });

// framesNeeded is the least number of distinct usable frames that must hit
// the filter before the edge is asked, for a video of usable such frames:
// the fewer of what RuleWhole needs (⌈queryPercent % of usable⌉) and what
// RuleContains needs (containsMinFrames, when that rule is on), at least 1.
// An upload with no usable frame never needs the edge for its frames.
export function framesNeeded(usable, rules = {}) {
  const { queryPercent, containsPercent, containsMinFrames } = { ...defaultVideoRules, ...stripUndefined(rules) };
  if (usable <= 0) return Infinity;
  // The edge compares 100·matched/usable ≥ queryPercent in float64; the
  // hair keeps 80 % of 5 at 4, not 5, after rounding.
  const whole = Math.max(1, Math.ceil(queryPercent * usable / 100 - 1e-9));
  const contains = containsPercent > 0 ? Math.max(1, containsMinFrames) : Infinity;
  return Math.min(whole, contains);
}

// videoCandidate says whether a video goes to the edge: a digest hit
// (a listed file, video_md5 or SHA-256) always does; frame hits do when
// hitFrames ≥ framesNeeded(usable).
export function videoCandidate({ digestHit, hitFrames, usable }, rules) {
  return Boolean(digestHit) || hitFrames >= framesNeeded(usable, rules);
}

function stripUndefined(o) {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
}
