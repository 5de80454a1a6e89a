/** Rules about the rules themselves: checked by `pipewright lint` before any history. */
import { flowText, type Rule, type RulesData } from './types.js';

export const configRules: readonly Rule<RulesData>[] = [
  {
    id: 'flow-is-a-chain',
    description: 'Merge sources form a chain with no cycle (develop → staging → production).',
    check: (rules, push) => {
      const from = new Map(rules.branches.map((r) => [r.branch, r.mergeFrom ?? []]));
      const state = new Map<string, 'visiting' | 'done'>();
      const visit = (branch: string, path: readonly string[]): void => {
        if (state.get(branch) === 'done') return;
        if (state.get(branch) === 'visiting') {
          const cycle = [...path.slice(path.indexOf(branch)), branch];
          push({ severity: 'error', branch, message: `the flow has a cycle: ${cycle.join(' ← ')}`, fix: `make every mergeFrom point down the flow only (${flowText(rules)})` });
          return;
        }
        state.set(branch, 'visiting');
        for (const source of from.get(branch) ?? []) visit(source, [...path, branch]);
        state.set(branch, 'done');
      };
      for (const branch of from.keys()) visit(branch, []);
    },
  },
  {
    id: 'rule-branch-has-environment',
    description: 'Every branch with rules deploys to an environment.',
    check: (rules, push) => {
      for (const r of rules.branches) {
        if (r.environment === null) {
          push({ severity: 'warning', branch: r.branch, message: `${r.branch} has rules but no environment deploys from it`, fix: `map it in environments (branch: ${r.branch}), or remove its rule` });
        }
      }
    },
  },
  {
    id: 'tag-pattern-valid',
    description: 'Release-tag patterns are valid regular expressions that match a sample tag.',
    check: (rules, push) => {
      for (const [name, pattern] of Object.entries(rules.tagPatterns)) {
        try {
          new RegExp(pattern);
        } catch (e) {
          push({ severity: 'error', message: `the tag pattern ${name} is not a valid regular expression: ${(e as Error).message}`, fix: `fix rules.tagPatterns.${name}` });
        }
      }
    },
  },
];
