/**
 * Runs Job DSL scripts (what the Jenkins seed job executes) on the real Groovy 2.4 against a
 * recording DSL (harness/JobDslHarness.groovy), all scripts in one JVM, and returns what each
 * script declared as a tree of calls:
 *
 *   multibranchPipelineJob('payments/shop') { branchSources { … } }
 *   → { name: 'multibranchPipelineJob', args: ['payments/shop'], children: [{ name: 'branchSources', … }] }
 *
 * The contract, beyond the types below:
 * - A trailing closure argument becomes the node's `children` (it runs with a fresh recording
 *   delegate, DELEGATE_FIRST) and is left out of `args`; the other arguments are JSON values
 *   (GStrings as strings; a closure that is not the last argument as "<closure>").
 * - `items` are the script's top-level calls, in order. Only the methods Jenkins' Job DSL accepts
 *   at the top level are allowed there: folder, multibranchPipelineJob, job, pipelineJob,
 *   listView, organizationFolder. Any other is the error "unknown top-level Job DSL method x".
 * - The dynamic blocks pipewright generates are checked as Job DSL checks a Describable's block,
 *   against the plugins' data-bound parameters (JdCheck.SPECS in the harness): a `github` or `git`
 *   branch source under `source`, its `traits` (only the traits that source's context takes), their
 *   options (CloneOption's four constructor parameters included) and the `jobDsl` step under
 *   `steps`. An unknown trait or option, a value of the wrong type, an unknown enum value, an unset
 *   constructor parameter, or a discovery strategy id other than 1, 2 and 3 is an `error` with its
 *   line. Other blocks are recorded as they come.
 * - A script that does not compile on Groovy 2.4 (Groovy 3 syntax included) or that throws has
 *   `error` (the first compiler message, or the exception) and `line` (0 when unknown) instead of
 *   `items`; the other scripts are still reported.
 * - `println` output goes to the harness's stderr, never into the result.
 * - Every script is compiled and executed by Groovy (about 10 ms per generated job).
 */
import { runHarnessBatches } from '../src/plan/harness.js';

export interface DslNode {
  readonly name: string;
  readonly args: readonly unknown[];
  readonly children: readonly DslNode[];
}

export interface DslScriptResult {
  /** The path as given. */
  file: string;
  items?: DslNode[];
  error?: string;
  /** 1-based line of the error in the script; 0 when unknown. */
  line?: number;
}

/** Runs the scripts in order in one call of the harness worker (one JVM per process); missing groovy/java → UsageError. */
export function runJobDsl(files: readonly string[]): Promise<DslScriptResult[]> {
  return runHarnessBatches<DslScriptResult>('JobDslHarness.groovy', 'the Job DSL harness', files, (output) => (output as { scripts?: unknown } | null)?.scripts);
}

/** Every node called `name`, depth-first in document order (a match's own descendants included). */
export function findAll(nodes: readonly DslNode[], name: string): DslNode[] {
  const found: DslNode[] = [];
  const visit = (list: readonly DslNode[]): void => {
    for (const n of list) {
      if (n.name === name) found.push(n);
      visit(n.children);
    }
  };
  visit(nodes);
  return found;
}

/** Follows the first child with each name in turn: child(job, 'branchSources', 'branchSource', 'source', 'github'). */
export function child(node: DslNode | undefined, ...names: string[]): DslNode | undefined {
  let at = node;
  for (const name of names) {
    at = at?.children.find((c) => c.name === name);
    if (!at) return undefined;
  }
  return at;
}

/** The node's first argument (undefined for no node or no arguments). */
export function arg(node: DslNode | undefined): unknown {
  return node?.args[0];
}
