#!/usr/bin/env node
// The `pipewright` command (package.json "bin"). Old JavaScript on purpose: the CLI itself
// (dist/bin/cli.js) is an ES module in modern syntax, which an old Node fails to parse before
// any check could run. This file parses everywhere, checks the version, then loads the CLI.
'use strict';
var MIN = [20, 11]; // keep in step with package.json "engines" and src/cli.ts
var parts = process.versions.node.split('.');
var major = Number(parts[0]);
var minor = Number(parts[1]);
if (major < MIN[0] || (major === MIN[0] && minor < MIN[1])) {
  process.stderr.write('pipewright: Node ' + process.versions.node + ' is too old; install Node ' + MIN.join('.') + ' or newer (e.g. nvm install 20)\n');
  process.exit(2);
}
// `… hook pre-push …` (what the installed hook runs, on every push) loads the hook's own one-file
// bundle; it hands any form it does not take on to the CLI.
var args = process.argv.slice(2);
var at = args.indexOf('hook');
var entry = at >= 0 && args[at + 1] === 'pre-push' ? 'hook.js' : 'cli.js';
var cli = require('url').pathToFileURL(require('path').join(__dirname, '..', 'dist', 'bin', entry)).href;
// import() inside a Function: a parser that predates the syntax never sees it.
new Function('url', 'return import(url)')(cli).catch(function (err) {
  process.stderr.write('pipewright: cannot load ' + cli + ': ' + (err && err.stack ? err.stack : err) + '\n');
  process.exitCode = 70;
});
