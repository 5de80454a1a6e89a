import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import yaml from 'js-yaml';
import { yamlScalar } from '../src/render/yaml-scalar.js';

test('plain only when both YAML 1.1 and 1.2 read it as the same string', () => {
  assert.is(yamlScalar('hello-flask'), 'hello-flask');
  assert.is(yamlScalar('250m'), '250m');
  assert.is(yamlScalar('512Mi'), '512Mi');
  for (const s of ['yes', 'No', 'on', 'OFF', 'y', 'true', 'null', '0755', '1.5', '2024-01-01', '1e3', '', ' x', 'a: b', '#x', '*x', '-x']) {
    assert.ok(yamlScalar(s).startsWith('"'), s);
  }
});

test('property: any string round-trips through YAML exactly', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })), (s) => {
      const back = (yaml.load(`k: ${yamlScalar(s)}\n`) as { k: unknown }).k;
      return back === s;
    }),
    { numRuns: 3000 },
  );
});

test.run();
