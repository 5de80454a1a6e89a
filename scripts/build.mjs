#!/usr/bin/env node
// The bundles in dist/bin, from tsc's output in dist/src (`npm run build` runs tsc first):
//   cli.js (+ chunks)  the CLI, split so each command loads only its own code;
//   config-load.js     the config loader as an entry of its own, so hook.js can load it by name;
//   model.js           the model (resolveModel), likewise: a cache miss on a config that sets rules
//                      loads config-load.js and model.js;
//   rules-quick.js     the rules of a config that leaves them to the defaults, from js-yaml alone;
//   hook.js            the pre-push hook as ONE file: git runs it on every push, and each extra
//                      module costs start-up time. A cache miss loads rules-quick.js, then
//                      config-load.js and model.js if the config sets rules or environments; any other
//                      form of the command loads cli.js.
//   simple-git.js      simple-git and its dependencies as one file: the git layer's asynchronous
//                      engine (src/git/simple.ts) imports it on first use, from the CLI's chunks
//                      and the hook alike, so loading it resolves nothing in node_modules and a
//                      command that never needs it never reads it.
//   vendor-*.js        the same for the heavy SDKs the adapters import on first use
//                      (@kubernetes/client-node, @aws-sdk/client-ecr, @aws-sdk/client-eks): one
//                      file each instead of thousands of modules to resolve. Loading the Kubernetes
//                      client this way takes 0.3 s instead of 1.4 s here, in every command that
//                      reaches a cluster.
import { build } from 'esbuild';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// tsc builds incrementally and never deletes: drop the outputs of sources that were moved or removed.
for (const top of ['src', 'test']) {
  const walk = (dir) => (existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]));
  for (const out of walk(path.join('dist', top))) {
    const source = out.replace(/^dist[\\/]/, '').replace(/\.d\.ts$|\.js$/, '.ts');
    if (source.endsWith('.ts') && !existsSync(source)) rmSync(out);
  }
}
rmSync('dist/bin', { recursive: true, force: true });
const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist/bin',
  logLevel: 'warning',
  external: ['ts-morph', '@aws-sdk/*', '@kubernetes/client-node', '@inquirer/prompts', '@resvg/resvg-js', 'simple-git'],
  // Bundled CommonJS dependencies call require(), which an ES module lacks.
  banner: { js: "import{createRequire as __pwRequire}from'node:module';const require=__pwRequire(import.meta.url);" },
};
/** Packages bundled as one file each, beside the importer: `import('<package>')` → `./<file>.js`. */
const VENDOR = { 'simple-git': 'simple-git', '@kubernetes/client-node': 'vendor-kubernetes', '@aws-sdk/client-ecr': 'vendor-aws-ecr', '@aws-sdk/client-eks': 'vendor-aws-eks' };
for (const [pkg, file] of Object.entries(VENDOR)) {
  // Named re-exports of everything the package exports: `export *` of a CommonJS package (the AWS
  // SDK) would export nothing by name from an ES module.
  const names = Object.keys(await import(pkg)).filter((n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n));
  const contents = `export { ${names.join(', ')} } from ${JSON.stringify(pkg)};`;
  await build({ ...common, external: [], minify: true, keepNames: true, stdin: { contents, resolveDir: process.cwd(), loader: 'js' }, outdir: undefined, outfile: `dist/bin/${file}.js` });
}
const vendorFiles = {
  name: 'vendor-files',
  setup(b) {
    b.onResolve({ filter: /^(simple-git|@kubernetes\/client-node|@aws-sdk\/client-ecr|@aws-sdk\/client-eks)$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: `./${VENDOR[args.path]}.js`, external: true } : undefined,
    );
  },
};
const simpleGitFile = vendorFiles;
await build({ ...common, entryPoints: { cli: 'dist/src/cli.js', 'config-load': 'dist/src/config/load.js', model: 'dist/src/model/model.js', 'rules-quick': 'dist/src/rules/quick-rules.js' }, splitting: true, plugins: [simpleGitFile] });
/** The hook's ways out of its one file, to the files the first build wrote beside it. */
const SIBLINGS = { 'cli.js': './cli.js', 'config/load.js': './config-load.js', 'model/model.js': './model.js', 'quick-rules.js': './rules-quick.js' };
const siblings = {
  name: 'hook-siblings',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\/(cli|config\/load|model\/model|quick-rules)\.js$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: SIBLINGS[args.path.replace(/^\.\.?\//, '')], external: true } : undefined,
    );
  },
};
await build({ ...common, entryPoints: { hook: 'dist/src/bin-hook.js' }, plugins: [siblings, simpleGitFile] });
