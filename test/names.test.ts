import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { DNS_LABEL, DOCKER_TAG, branchNameProblem, toDnsLabel, toDockerTag } from '../src/core/names.js';

test('valid names pass through; others are cleaned and suffixed deterministically', () => {
  assert.is(toDnsLabel('develop'), 'develop');
  assert.is(toDockerTag('master'), 'master');
  const label = toDnsLabel('feature/Foo_bar');
  assert.match(label, /^feature-foo-bar--[0-9a-f]{12}$/);
  assert.is(toDnsLabel('feature/Foo_bar'), label);
  assert.match(toDockerTag('feature/Foo_bar'), /^feature-Foo_bar--[0-9a-f]{12}$/);
  // the cleaned forms of these are equal, the results must not be
  assert.is.not(toDnsLabel('feature/foo-bar'), toDnsLabel('feature-foo-bar'));
  assert.is.not(toDnsLabel('Feature-Foo'), toDnsLabel('feature-foo'));
  // a valid name that looks like a suffixed one is itself suffixed, so it cannot collide
  const lookalike = label;
  assert.is.not(toDnsLabel(lookalike), label);
  assert.is(toDnsLabel('x'.repeat(200)).length, 63);
  assert.is(toDockerTag('y'.repeat(300)).length, 128);
});

const branchLike = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.stringMatching(/^[a-zA-Z0-9/_.-]{1,90}$/),
  fc.constantFrom('develop', 'staging', 'master', 'feature/x', 'Feature/X', 'feature--x', 'a--b', '-', '.', '_x', 'ä/ö'),
);

test('property: every result is a valid DNS-1123 label and a valid Docker tag', () => {
  fc.assert(
    fc.property(branchLike, (b) => {
      const label = toDnsLabel(b);
      const tag = toDockerTag(b);
      return DNS_LABEL.test(label) && label.length <= 63 && DOCKER_TAG.test(tag) && toDnsLabel(b) === label;
    }),
    { numRuns: 5000 },
  );
});

test('property: two different branches never map to the same name', () => {
  fc.assert(
    fc.property(fc.uniqueArray(branchLike, { minLength: 2, maxLength: 60 }), (branches) => {
      const labels = new Set(branches.map(toDnsLabel));
      const tags = new Set(branches.map(toDockerTag));
      return labels.size === branches.length && tags.size === branches.length;
    }),
    { numRuns: 2000 },
  );
  // and near-misses that clean to the same body, exhaustively
  const family = ['a/b', 'a-b', 'a_b', 'A/B', 'a.b', 'a//b', 'a--b', 'a b', 'a-B', 'A-b', 'a/-b'];
  assert.is(new Set(family.map(toDnsLabel)).size, family.length);
  assert.is(new Set(family.map(toDockerTag)).size, family.length);
});

test('branch names follow git check-ref-format', () => {
  for (const ok of ['develop', 'feature/x', 'release/1.2', 'a-b_c', 'user@x']) assert.is(branchNameProblem(ok), undefined, ok);
  for (const bad of ['', 'a..b', 'a b', '-x', 'x/', '/x', 'a//b', 'x.lock', 'a/.b', 'x.', 'a~b', 'a^b', 'a:b', 'a?b', 'a*b', 'a[b', 'a\\b', 'a@{b', '@']) {
    assert.type(branchNameProblem(bad), 'string', bad);
  }
});

test.run();
