// The local video rule: the edge is asked only when its rules could hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { framesNeeded, videoCandidate } from '../src/videorule.js';

test('framesNeeded is the fewer of what RuleWhole and RuleContains need', () => {
  for (const [usable, rules, want] of [
    [0, {}, Infinity],
    [1, {}, 1], // 80 % of 1 frame
    [4, {}, 4], // ⌈3.2⌉
    [5, {}, 4], // exactly 80 %: 4 of 5, not 5
    [6, {}, 5], // ⌈4.8⌉, and the contains rule's 5
    [60, {}, 5], // the contains rule's minimum
    [60, { containsPercent: 0 }, 48], // only RuleWhole: 80 % of 60
    [60, { containsMinFrames: 0 }, 1], // RuleContains with no minimum: any frame
    [60, { containsMinFrames: 10 }, 10],
    [10, { queryPercent: 50 }, 5],
    [9, { queryPercent: 50, containsMinFrames: 8 }, 5], // ⌈4.5⌉
    [60, { queryPercent: 0 }, 1],
    [60, { queryPercent: undefined, containsMinFrames: null }, 5], // unset: the defaults
  ]) {
    assert.equal(framesNeeded(usable, rules), want, `${usable} ${JSON.stringify(rules)}`);
  }
});

test('a digest hit is always a candidate, frame hits only when enough', () => {
  assert.equal(videoCandidate({ digestHit: true, hitFrames: 0, usable: 0 }), true);
  assert.equal(videoCandidate({ digestHit: false, hitFrames: 0, usable: 0 }), false);
  assert.equal(videoCandidate({ digestHit: false, hitFrames: 4, usable: 60 }), false);
  assert.equal(videoCandidate({ digestHit: false, hitFrames: 5, usable: 60 }), true);
  assert.equal(videoCandidate({ digestHit: false, hitFrames: 1, usable: 1 }), true);
});
