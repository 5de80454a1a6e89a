/**
 * The README is the manual: its config reference is the schema's, and every command and flag it
 * shows exists in the CLI's --help (and every command the CLI has is in the README).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fromRoot, runCli } from './helpers.js';
import { renderConfigReference, REFERENCE_END, REFERENCE_START } from '../src/render/docs/config-reference.js';

const readme = readFileSync(fromRoot('README.md'), 'utf8');

/** Every command path (e.g. "hook install") with its --help text, from the CLI itself. */
function commandTree(): Map<string, string> {
  const tree = new Map<string, string>();
  const visit = (path: string[]): void => {
    const res = runCli([...path, '--help']);
    assert.is(res.status, 0, `pipewright ${path.join(' ')} --help: ${res.stderr}`);
    tree.set(path.join(' '), res.stdout);
    const commands = res.stdout.split(/\nCommands:\n/)[1] ?? '';
    for (const m of commands.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)) {
      if (m[1] !== 'help') visit([...path, m[1]!]);
    }
  };
  visit([]);
  return tree;
}

test('the README holds the config reference generated from the schema, unedited', () => {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  assert.ok(start >= 0 && end > start, 'README.md has the config-reference markers');
  const inReadme = readme.slice(start, end + REFERENCE_END.length) + '\n';
  assert.fixture(inReadme, renderConfigReference(), 'regenerate with: node dist/bin/cli.js schema --markdown');
});

test('the reference names every key of the schema, with the required ones marked', () => {
  const ref = renderConfigReference();
  for (const key of ['app', 'aws.accountId', 'image.keep', 'environments[].requiredChecks[].command', 'rules.branches.<branch>.mergeFrom', 'cluster.deployer.group']) {
    assert.ok(ref.includes(`| \`${key}\` |`), key);
  }
  assert.match(ref, /\| `app` \|[^\n]*\*\*required\*\*/);
  assert.not.match(ref, /\| `image.port` \|[^\n]*\*\*required\*\*/);
});

test('every command and flag the README shows exists, and every command is in the README', () => {
  const tree = commandTree();
  const global = tree.get('')!;
  const paths = [...tree.keys()].filter(Boolean).sort((a, b) => b.length - a.length);
  // Code only: fenced blocks and inline code spans, one per line.
  const fenced = [...readme.matchAll(/^```[a-z]*\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
  const inline = [...readme.replace(/^```[a-z]*\n[\s\S]*?^```/gm, '').matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  const code = [...fenced, ...inline].join('\n');
  // Every invocation: `pipewright …` up to the end of the line, a pipe, a comment or a shell operator.
  const uses = [...code.matchAll(/(?:^|[\s(])pipewright((?: +[^\s|#;&)]+)*)/gm)].map((m) => m[1]!.trim());
  let checked = 0;
  for (const use of uses) {
    const words = use.split(/\s+/).filter(Boolean);
    // Skip global options and their values (-C dir, -c file).
    while (words[0] && /^(-C|-c|--cwd|--config)$/.test(words[0])) words.splice(0, 2);
    const rest = words.join(' ');
    const cmd = paths.find((p) => rest === p || rest.startsWith(`${p} `));
    if (!cmd) {
      if (words.length && /^[a-z]/.test(words[0]!)) {
        assert.ok(global.includes(`  ${words[0]} `) || global.includes(`  ${words[0]}\n`), `README shows "pipewright ${use}", but there is no command "${words[0]}"`);
      }
      continue;
    }
    const help = tree.get(cmd)!;
    for (const flag of rest.slice(cmd.length).match(/(?<![\w-])--?[a-zA-Z][\w-]*/g) ?? []) {
      assert.ok(help.includes(flag) || global.includes(flag), `README shows "pipewright ${use}", but ${cmd} --help has no ${flag}`);
      checked++;
    }
  }
  assert.ok(checked >= 20, `only ${checked} flags checked: is the README's command list missing?`);
  for (const p of paths) {
    const leaf = tree.get(p)!.includes('\nCommands:\n');
    if (!leaf) assert.ok(readme.includes(`pipewright ${p}`), `the README never shows \`pipewright ${p}\``);
  }
});

test.run();
