// The JSON Schema for editors is derived from the zod schema; this keeps the published file in
// sync and checks that both accept and reject the same configs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import yaml from 'js-yaml';
import { ConfigSchema, toJsonSchema } from '../src/config/schema.js';
import { toCatalogJsonSchema } from '../src/config/catalog-schema.js';
import { fromRoot } from './helpers.js';

const published = JSON.parse(readFileSync(fromRoot('schema/pipewright.schema.json'), 'utf8'));

test('schema/pipewright.schema.json is what the zod schema generates (run `npm run schema`)', () => {
  assert.equal(published, toJsonSchema());
});

test('the published schema and zod agree on good and bad configs', () => {
  const ajv = new (Ajv as unknown as typeof Ajv.default)({ strict: false, allErrors: true });
  const check = ajv.compile(published);
  const example = yaml.load(readFileSync(fromRoot('examples/hello-flask/pipewright.yaml'), 'utf8'));
  const cases: [unknown, boolean][] = [
    [example, true],
    [{ app: 'x', aws: { accountId: '123456789012', region: 'eu-west-1' } }, true],
    [{ app: 'x', aws: { accountId: 123456789012, region: 'eu-west-1' } }, false],
    [{ app: 'X', aws: { accountId: '123456789012', region: 'eu-west-1' } }, false],
    [{ app: 'x', aws: { accountId: '123456789012', region: 'eu-west-1' }, extra: true }, false],
    [{ app: 'x', aws: { accountId: '123456789012', region: 'eu-west-1' }, build: { engine: 'podman' } }, false],
    [{ app: 'x', aws: { accountId: '123456789012', region: 'eu-west-1' }, environments: [] }, false],
    [{ app: 'x', aws: { accountId: '123456789012', region: 'eu-west-1' }, defaults: { replicas: 1.5 } }, false],
    [{ app: 'x', aws: { accountId: '123456789012' } }, false],
  ];
  for (const [data, ok] of cases) {
    assert.is(check(data), ok, `ajv on ${JSON.stringify(data)}`);
    assert.is(ConfigSchema.safeParse(data).success, ok, `zod on ${JSON.stringify(data)}`);
  }
});

test('schema/catalog.schema.json is what the catalog schema generates, and accepts the example catalog', () => {
  const catalog = JSON.parse(readFileSync(fromRoot('schema/catalog.schema.json'), 'utf8'));
  assert.equal(catalog, toCatalogJsonSchema());
  const ajv = new (Ajv as unknown as typeof Ajv.default)({ strict: false, allErrors: true });
  const check = ajv.compile(catalog);
  assert.ok(check(yaml.load(readFileSync(fromRoot('examples/catalog.yaml'), 'utf8'))), JSON.stringify(check.errors));
  assert.not.ok(check({ seed: { repository: 'https://x/y.git' }, repositories: [{ name: 'a', github: 'acme/a', colour: 'red' }] }));
});

test('the example config points editors at the published schema', () => {
  assert.match(readFileSync(fromRoot('examples/hello-flask/pipewright.yaml'), 'utf8'), '# yaml-language-server: $schema=../../schema/pipewright.schema.json');
});

test.run();
