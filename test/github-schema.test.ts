// `pipewright protect`: every body it prints validates against GitHub's own request schemas, from
// GitHub's OpenAPI description (@octokit/openapi, extracted by scripts/extract-github-schemas.mjs
// into test/fixtures/github/). GitHub's schemas allow fields they do not list; ours may not have
// any: the test closes every object (additionalProperties: false) before validating, so a
// misspelt field fails as surely as a wrong type.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run, type ProtectOptions } from '../src/commands/protect.js';
import type { Io } from '../src/core/io.js';
import { fromRoot, tempDir } from './helpers.js';
import { FOUR } from './graph-configs.js';

type Schema = Record<string, unknown>;
interface Extracted {
  readonly source: { readonly package: string; readonly version: string; readonly operation: string; readonly extractedBy: string };
  readonly schema: Schema;
}
interface Validator {
  (body: unknown): boolean;
  errors?: { keyword: string; instancePath: string; schemaPath: string; message?: string; params: unknown }[] | null;
}

const extracted = (file: string): Extracted => JSON.parse(readFileSync(fromRoot('test/fixtures/github', file), 'utf8')) as Extracted;
const PROTECTION = extracted('branch-protection.request.schema.json');
const RULESET = extracted('ruleset.request.schema.json');

/** ajv (a devDependency), or null (outside CI) when it is not installed. */
async function loadAjv(): Promise<((schema: Schema) => Validator) | null> {
  try {
    const { default: Ajv } = await import('ajv');
    // Strict: a keyword ajv does not know (an OpenAPI-only one the extraction kept) is an error.
    const ajv = new Ajv.default({ strict: true, allErrors: true });
    return (schema) => ajv.compile(schema) as Validator;
  } catch (e) {
    if (process.env.CI === 'true') throw new Error(`ajv is required under CI=true (a devDependency; run npm ci): ${String(e)}`);
    console.warn(`  ! skipping: ajv is not installed (${String(e)})`);
    return null;
  }
}

/** Keywords whose values are data, not schemas. */
const DATA = new Set(['enum', 'const', 'default', 'examples', 'required']);

/**
 * `schema` with every object that lists its properties closed to others, at any depth (the rule
 * variants under oneOf included). An object schema that lists none is left open: it is either a
 * oneOf over closed variants or a free-form map.
 */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    // Property and definition names, enums, defaults and examples are data, not schemas.
    if (k === 'properties' || k === 'definitions') out[k] = Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, closed(s)]));
    else out[k] = DATA.has(k) ? v : closed(v);
  }
  if ('properties' in out && !('additionalProperties' in out)) {
    assert.not.ok('allOf' in out, 'an allOf beside properties would need unevaluatedProperties, not additionalProperties');
    out.additionalProperties = false;
  }
  return out;
}

const compile = await loadAjv();

async function protect(opts: Omit<ProtectOptions, 'cwd'> & { cwd?: string }) {
  let out = '';
  const io: Io = { out: (t) => void (out += t), err: () => {}, color: false };
  assert.is(await run({ cwd: fromRoot('examples/hello-flask'), ...opts }, io), 0);
  return JSON.parse(out);
}

/** Configs whose protection differs: four environments, a branch under release/, main as the production branch. */
const CONFIGS: [string, string | null][] = [
  ['hello-flask', null],
  ['4 environments', FOUR],
  ['release/prod', `${FOUR}rules:\n  branches:\n    develop: { directCommits: true }\n    release/prod: { mergeFrom: [develop], directCommits: true }\n`],
  ['main', 'app: shop\naws:\n  accountId: "123456789012"\n  region: eu-west-1\nproductionBranch: main\n'],
];

/** Every body `protect --github` and `protect --ruleset` print for CONFIGS, with and without --owner/--repo/--status-check. */
async function bodies(): Promise<{ protection: [string, unknown][]; rulesets: [string, unknown][] }> {
  const protection: [string, unknown][] = [];
  const rulesets: [string, unknown][] = [];
  const t = tempDir('pipewright-github-');
  try {
    for (const [name, yaml] of CONFIGS) {
      const cwd = yaml === null ? fromRoot('examples/hello-flask') : path.join(t.dir, name.replace('/', '-'));
      if (yaml !== null) {
        mkdirSync(cwd);
        writeFileSync(path.join(cwd, 'pipewright.yaml'), yaml);
      }
      for (const target of [{}, { owner: 'acme', repo: 'shop', statusCheck: 'jenkins/guard' }]) {
        const gh = await protect({ cwd, github: true, ...target });
        for (const b of gh.branches as { branch: string; body: unknown }[]) protection.push([`${name}: ${b.branch}`, b.body]);
        const rs = await protect({ cwd, ruleset: true, ...target });
        rulesets.push([name, rs.body]);
      }
    }
  } finally {
    t.cleanup();
  }
  return { protection, rulesets };
}

const format = (e: { instancePath: string; message?: string; params: unknown }, at = ''): string => `${at}${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`;

/**
 * A validator for `schema` that returns null for a valid body and readable errors for another. A
 * rule failing the oneOf over GitHub's rule kinds makes ajv report every kind's errors: such a rule
 * is explained by the errors of the one kind its `type` names.
 */
function checker(compile: (schema: Schema) => Validator, schema: Schema): (body: unknown) => string | null {
  const validate = compile(schema);
  const definitions = (schema.definitions ?? {}) as Record<string, Schema>;
  const kindOf = (type: unknown): string | undefined =>
    Object.keys(definitions).find((k) => ((definitions[k]!.properties as Record<string, Schema> | undefined)?.type?.enum as unknown[] | undefined)?.includes(type));
  return (body) => {
    if (validate(body)) return null;
    const errors = validate.errors ?? [];
    const out = errors.filter((e) => !/^\/rules\/\d+(\/|$)/.test(e.instancePath)).map((e) => format(e));
    for (const e of errors.filter((x) => x.keyword === 'oneOf' && /^\/rules\/\d+$/.test(x.instancePath))) {
      const rule = (body as { rules: { type?: unknown }[] }).rules[Number(e.instancePath.split('/')[2])]!;
      const kind = kindOf(rule.type);
      if (!kind) {
        out.push(`${e.instancePath}/type: GitHub has no rule of type ${JSON.stringify(rule.type)}`);
        continue;
      }
      const one = compile({ ...definitions[kind]!, definitions });
      if (!one(rule)) out.push(...(one.errors ?? []).map((x) => format(x, e.instancePath)));
      out.push(`${e.instancePath} does not match ${kind}`);
    }
    return out.join('; ');
  };
}

const stats = { protection: 0, rulesets: 0, refused: [] as string[] };

if (compile) {
  const github = { protection: checker(compile, PROTECTION.schema), ruleset: checker(compile, RULESET.schema) };
  const strict = { protection: checker(compile, closed(PROTECTION.schema) as Schema), ruleset: checker(compile, closed(RULESET.schema) as Schema) };
  const all = await bodies();

  test('the extracted schemas name their source', () => {
    for (const [x, operation] of [
      [PROTECTION, 'PUT /repos/{owner}/{repo}/branches/{branch}/protection'],
      [RULESET, 'POST /repos/{owner}/{repo}/rulesets'],
    ] as const) {
      assert.is(x.source.package, '@octokit/openapi');
      assert.match(x.source.version, /^\d+\.\d+\.\d+$/);
      assert.is(x.source.operation, operation);
      assert.is(x.source.extractedBy, 'scripts/extract-github-schemas.mjs');
      assert.not.match(JSON.stringify(x.schema), /"\$ref":"(?!#\/definitions\/)/, 'self-contained');
    }
  });

  test('every protect --github body validates against GitHub\'s schema, unknown fields refused', () => {
    assert.ok(all.protection.length >= 10, `${all.protection.length} bodies`);
    for (const [name, body] of all.protection) {
      assert.is(github.protection(body), null, name);
      assert.is(strict.protection(body), null, name);
      stats.protection += 1;
    }
  });

  test('every protect --ruleset body validates against GitHub\'s schema, unknown fields refused', () => {
    assert.is(all.rulesets.length, CONFIGS.length * 2);
    for (const [name, body] of all.rulesets) {
      assert.ok(body, `${name} has a ruleset`);
      assert.is(github.ruleset(body), null, name);
      assert.is(strict.ruleset(body), null, name);
      stats.rulesets += 1;
    }
  });

  test('the one deprecated field the bodies use is contexts, which GitHub\'s schema still requires', () => {
    // Fields marked deprecated, found by following properties, items and $refs (not oneOf).
    const deprecated = (schema: Schema, value: unknown, at: string, root: Schema): string[] => {
      const ref = schema.$ref as string | undefined;
      if (ref) return deprecated((root.definitions as Record<string, Schema>)[ref.replace('#/definitions/', '')]!, value, at, root);
      const here = schema.deprecated === true ? [at] : [];
      if (Array.isArray(value) && schema.items) return [...here, ...value.flatMap((v, i) => deprecated(schema.items as Schema, v, `${at}/${i}`, root))];
      if (value && typeof value === 'object' && schema.properties) {
        const props = schema.properties as Record<string, Schema>;
        return [...here, ...Object.entries(value).flatMap(([k, v]) => (props[k] ? deprecated(props[k], v, `${at}/${k}`, root) : []))];
      }
      return here;
    };
    const used = new Set(all.protection.flatMap(([, body]) => deprecated(PROTECTION.schema, body, '', PROTECTION.schema)));
    assert.equal([...used], ['/required_status_checks/contexts']);
    assert.ok(((PROTECTION.schema.properties as Record<string, Schema>).required_status_checks!.required as string[]).includes('contexts'));
    assert.equal(new Set(all.rulesets.flatMap(([, body]) => deprecated(RULESET.schema, body, '', RULESET.schema))), new Set());
  });

  test('a broken body fails: a misspelt field, a wrong type, an unknown rule, a bad enum value', () => {
    const protection = all.protection[0]![1] as Record<string, Record<string, unknown>>;
    const ruleset = all.rulesets[0]![1] as { rules: Record<string, unknown>[] } & Record<string, unknown>;
    const refuse = (what: string, check: (body: unknown) => string | null, body: unknown, error: RegExp) => {
      const errors = check(body);
      assert.ok(errors, `${what} passed`);
      assert.match(errors!, error, what);
      stats.refused.push(what);
    };
    // A misspelt optional field: GitHub's own schema lets it through; the closed one does not.
    const misspelt = { ...protection, required_pull_request_reviews: { ...protection.required_pull_request_reviews, dismiss_stale_review: true } };
    assert.is(github.protection(misspelt), null, 'GitHub\'s schema allows fields it does not list');
    refuse('misspelt field', strict.protection, misspelt, /\/required_pull_request_reviews must NOT have additional properties .*dismiss_stale_review/);
    refuse('misspelt top-level field', strict.protection, { ...protection, allow_force_push: false }, /additionalProperty":"allow_force_push"/);
    // A required field misspelt is missing: GitHub's own schema refuses it.
    const { enforce_admins: admins, ...noAdmins } = protection;
    refuse('missing required field', github.protection, { ...noAdmins, enforce_admin: admins }, /must have required property 'enforce_admins'/);
    refuse('wrong type', github.protection, { ...protection, enforce_admins: 'true' }, /\/enforce_admins must be boolean,null/);
    refuse('nested wrong type', github.protection, { ...protection, required_pull_request_reviews: { ...protection.required_pull_request_reviews, required_approving_review_count: '1' } }, /must be integer/);
    refuse('unknown rule type', github.ruleset, { ...ruleset, rules: [...ruleset.rules, { type: 'deletions' }] }, /^\/rules\/4\/type: GitHub has no rule of type "deletions"$/);
    refuse('bad enum value', github.ruleset, { ...ruleset, enforcement: 'enabled' }, /\/enforcement must be equal to one of the allowed values/);
    const pr = ruleset.rules.find((r) => r.type === 'pull_request')! as { parameters: Record<string, unknown> };
    const rules = (parameters: Record<string, unknown>) => ruleset.rules.map((r) => (r === pr ? { ...pr, parameters } : r));
    refuse('bad merge method', github.ruleset, { ...ruleset, rules: rules({ ...pr.parameters, allowed_merge_methods: ['merge', 'fast-forward'] }) }, /^\/rules\/2\/parameters\/allowed_merge_methods\/1 must be equal to one of the allowed values .*; \/rules\/2 does not match repository-rule-pull-request$/);
    const typo = { ...ruleset, rules: rules({ ...pr.parameters, allowed_merge_method: ['merge'] }) };
    assert.is(github.ruleset(typo), null, 'GitHub\'s schema allows rule parameters it does not list');
    refuse('misspelt rule parameter', strict.ruleset, typo, /^\/rules\/2\/parameters must NOT have additional properties \{"additionalProperty":"allowed_merge_method"\}; \/rules\/2 does not match repository-rule-pull-request$/);
  });

  test.after(() => {
    console.log(
      `  GitHub's OpenAPI request schemas (@octokit/openapi ${PROTECTION.source.version}, ajv, unknown fields refused at any depth) validated ` +
        `${stats.protection} branch protection bodies (${PROTECTION.source.operation}) and ${stats.rulesets} rulesets (${RULESET.source.operation}); ` +
        `refused ${stats.refused.length} broken ones (${stats.refused.join(', ')})`,
    );
  });
}

test.run();
