#!/usr/bin/env node
// Extracts the request-body schemas of the two GitHub endpoints `pipewright protect` writes bodies
// for from GitHub's own OpenAPI description, as shipped by @octokit/openapi, into small
// self-contained JSON Schemas (draft-07) under test/fixtures/github/, which the tests validate our
// bodies against. The package is 385 MB unpacked, so it is never a dependency: install it in a
// temp dir, run this, commit the result.
//
//   npm pack @octokit/openapi@<version> --pack-destination /tmp
//   mkdir /tmp/octokit-openapi && tar -xzf /tmp/octokit-openapi-<version>.tgz -C /tmp/octokit-openapi
//   node scripts/extract-github-schemas.mjs /tmp/octokit-openapi
//
// (or `npm i --prefix /tmp/octokit-openapi --no-save @octokit/openapi@<version>`: the argument may be
// the package directory itself, a directory holding `package/` as npm pack's tarball unpacks, or an
// npm prefix holding node_modules/@octokit/openapi.)
//
// The conversion from OpenAPI 3.0 Schema Objects: `$ref`s to components become `#/definitions/…`
// and each referenced component is copied once; `nullable: true` adds "null" to `type` (and to
// `enum`); annotations JSON Schema does not know (`example`, `externalDocs`, `x-…`) are dropped. Any
// other keyword stops the script, so a construct it does not convert is never silently lost.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(root, 'test', 'fixtures', 'github');
const DESCRIPTION = 'generated/api.github.com.json';

/** The endpoints, each written to test/fixtures/github/<file>. */
const ENDPOINTS = [
  { file: 'branch-protection.request.schema.json', method: 'put', path: '/repos/{owner}/{repo}/branches/{branch}/protection' },
  { file: 'ruleset.request.schema.json', method: 'post', path: '/repos/{owner}/{repo}/rulesets' },
];

// Keywords carried over unchanged: they mean the same in OpenAPI 3.0 and JSON Schema draft-07.
const SAME = new Set([
  'type', 'title', 'description', 'default', 'enum', 'required', 'format', 'pattern', 'minimum', 'maximum', 'multipleOf',
  'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'deprecated', 'readOnly', 'writeOnly',
]);
// OpenAPI-only annotations with no effect on validation.
const DROPPED = new Set(['example', 'externalDocs', 'discriminator', 'xml']);

function fail(message) {
  console.error(`extract-github-schemas: ${message}`);
  process.exit(1);
}

function packageDir(arg) {
  if (!arg) fail('usage: node scripts/extract-github-schemas.mjs <dir with @octokit/openapi>');
  for (const dir of [arg, path.join(arg, 'package'), path.join(arg, 'node_modules', '@octokit', 'openapi')]) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === '@octokit/openapi') return dir;
  }
  fail(`no @octokit/openapi package in ${arg} (nor in its package/ or node_modules/@octokit/openapi)`);
}

/** Converts one OpenAPI schema object; `refs` collects the component names it references. */
function convert(schema, where, refs) {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) fail(`${where}: not a schema object`);
  if ('$ref' in schema) {
    const m = /^#\/components\/schemas\/([^/]+)$/.exec(schema.$ref);
    if (!m) fail(`${where}: $ref ${schema.$ref} is not a component schema`);
    // OpenAPI 3.0 ignores what stands beside a $ref: a description there is dropped, anything else stops us.
    const others = Object.keys(schema).filter((k) => k !== '$ref' && k !== 'description');
    if (others.length) fail(`${where}: $ref with ${others.join(', ')} beside it`);
    refs.add(m[1]);
    return { $ref: `#/definitions/${m[1]}` };
  }
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (SAME.has(key)) out[key] = value;
    else if (DROPPED.has(key) || key.startsWith('x-')) continue;
    else if (key === 'nullable') continue; // applied below, once `type` and `enum` are in
    else if (key === 'properties') out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, `${where}.${k}`, refs)]));
    else if (key === 'items' || key === 'not') out[key] = convert(value, `${where}.${key}`, refs);
    else if (key === 'additionalProperties') out[key] = typeof value === 'boolean' ? value : convert(value, `${where}.${key}`, refs);
    else if (key === 'oneOf' || key === 'anyOf' || key === 'allOf') out[key] = value.map((v, i) => convert(v, `${where}.${key}[${i}]`, refs));
    else if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') {
      // OpenAPI 3.0 has draft-04's boolean form, which makes minimum or maximum exclusive.
      if (typeof value !== 'boolean') fail(`${where}: ${key} is not a boolean`);
    } else fail(`${where}: keyword ${key} is not converted`);
  }
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']]) {
    if (schema[flag] !== true) continue;
    if (typeof out[bound] !== 'number') fail(`${where}: ${flag} without ${bound}`);
    out[flag] = out[bound];
    delete out[bound];
  }
  if (schema.nullable === true) {
    if (typeof out.type !== 'string') fail(`${where}: nullable without a single type`);
    out.type = [out.type, 'null'];
    if (out.enum && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  return out;
}

const dir = packageDir(process.argv[2]);
const { version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
const raw = readFileSync(path.join(dir, DESCRIPTION));
const spec = JSON.parse(raw.toString('utf8'));
const sha256 = createHash('sha256').update(raw).digest('hex');
mkdirSync(OUT, { recursive: true });

for (const e of ENDPOINTS) {
  const op = spec.paths?.[e.path]?.[e.method];
  if (!op) fail(`${e.method.toUpperCase()} ${e.path} is not in ${DESCRIPTION}`);
  const body = op.requestBody?.content?.['application/json']?.schema;
  if (!body) fail(`${e.method.toUpperCase()} ${e.path} has no application/json request body`);
  const refs = new Set();
  const schema = convert(body, 'requestBody', refs);
  // Referenced components, and what they reference, each converted once, in a stable order.
  const definitions = {};
  for (const queue = [...refs]; queue.length > 0; ) {
    const name = queue.shift();
    if (name in definitions) continue;
    const component = spec.components?.schemas?.[name];
    if (!component) fail(`component ${name} is not in ${DESCRIPTION}`);
    const more = new Set();
    definitions[name] = convert(component, name, more);
    for (const m of more) if (!(m in definitions)) queue.push(m);
  }
  const sorted = Object.fromEntries(Object.keys(definitions).sort().map((k) => [k, definitions[k]]));
  const operation = `${e.method.toUpperCase()} ${e.path}`;
  const file = {
    source: {
      package: '@octokit/openapi',
      version,
      description: DESCRIPTION,
      sha256,
      operation,
      operationId: op.operationId,
      documentation: op.externalDocs?.url ?? null,
      extractedBy: 'scripts/extract-github-schemas.mjs',
    },
    schema: {
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: `Request body of ${operation} (GitHub's OpenAPI description, @octokit/openapi ${version})`,
      ...schema,
      ...(Object.keys(sorted).length > 0 && { definitions: sorted }),
    },
  };
  const target = path.join(OUT, e.file);
  writeFileSync(target, `${JSON.stringify(file, null, 2)}\n`);
  console.log(`${path.relative(root, target)}: ${operation} (${op.operationId}), ${Object.keys(sorted).length} definitions, from @octokit/openapi ${version}`);
}
