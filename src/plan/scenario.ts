/**
 * What the outside world answers when a generated pipeline runs in the harness. git is real: the
 * build checks out a repository made like GitHub's (merge commits by GitHub, no tags at checkout,
 * see git-fixture.ts) and every `git …` the pipeline runs, fetches and pushes included, runs
 * against it. ECR and kubectl replies are `sh` stubs. One builder serves `pipewright plan` (a
 * plausible happy path) and the tests (which flip one fact at a time).
 */
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Model } from '../model/model.js';
import type { Scenario } from './harness.js';
import { jenkinsCheckout, seedOrigin, type FlowBranch, type Origin, type Person, type WorkCommit } from './git-fixture.js';

export interface PipelineCase {
  /** BRANCH_NAME: a branch, or PR-<n> for a pull request build. */
  readonly branch: string;
  /** For a pull request: its source (CHANGE_BRANCH), target (CHANGE_TARGET) and, from a fork, the fork's owner (CHANGE_FORK). */
  readonly pr?: { readonly id: string; readonly from: string; readonly to: string; readonly fork?: string };
  /** Whether ECR already has git-<tree>. Default: where the branch takes only images verified upstream. */
  readonly imageInEcr?: boolean;
  /** HEAD: GitHub's merge of the allowed source (default), a merge from elsewhere, or a direct commit. */
  readonly head?: 'merge' | 'foreign-merge' | 'direct';
  /** Tags already on HEAD. Default none: GitHub's merge commit never has one. */
  readonly tagsOnHead?: readonly string[];
  /** Tags on the merged source commit. Default: the release its own pipeline gave it (e.g. v1.0.1-beta.1 on staging). */
  readonly tagsOnMerged?: readonly string[];
  /** Tags on the first commit. Default: the first stable release, v1.0.0. */
  readonly tagsOnRoot?: readonly string[];
  /** The job's clone option fetches tags at checkout. Default false: github-branch-source fetches none. */
  readonly checkoutTags?: boolean;
  readonly rolloutFails?: boolean;
  /** The post-install Job fails (its `kubectl wait` loop exits 1). Default false. */
  readonly postInstFails?: boolean;
  readonly approver?: string;
  readonly abortApproval?: boolean;
  /** Author of the change. Default Dev Eloper <dev@example.com>. */
  readonly author?: Person;
  /** Who merged the pull requests on GitHub. Default Mer Ger <merger@example.com>. */
  readonly mergedBy?: Person;
  /** Earlier commits of the change, oldest first, before its last one. Default none. */
  readonly work?: readonly WorkCommit[];
  /** Author of the first release (the root commit, already on every branch). Default: the change's author. */
  readonly releasedBy?: Person;
  /** Files of the repository, e.g. script/cibuild. */
  readonly files?: readonly string[];
  /** Files of the repository with their contents (a real app to build), on top of `files`. */
  readonly contents?: Readonly<Record<string, string>>;
  /** Whether ECR has the verified-<upstream>-<tree> tag on the image. Default true. */
  readonly verifiedUpstream?: boolean;
  /** The state CloudWatch reports for every alarm the pipeline reads. Default OK. */
  readonly alarmState?: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  /** Alarms CloudWatch does not have (by name or prefix, as configured). */
  readonly missingAlarms?: readonly string[];
  /** The canary's rollout never becomes ready. */
  readonly canaryFails?: boolean;
  /** What ECR's scan reports (status, CRITICAL, HIGH, tab-separated). Default COMPLETE, none. */
  readonly scanFindings?: string;
  /** The time the build runs at (ISO 8601); default: the real clock. */
  readonly now?: string;
}

export interface PipelineScenario extends Scenario {
  /** The "GitHub" repository of this run, and its commits. */
  readonly repo: Origin;
}

export const SAMPLE_DIGEST = `sha256:${'5e1f'.repeat(16)}`;
/** The releases a repository has before the built change: the first stable one, and the beta its staging build gave. */
export const SAMPLE_TAGS: Readonly<Record<string, string>> = { root: 'v1.0.0', stable: 'v1.0.1', beta: 'v1.0.1-beta.1' };

/** A Java regex matching `s` literally. */
const lit = (s: string): string => s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');

/** The environment branches in flow order, with the sample tags their pipelines leave. */
export function flowOf(m: Model): FlowBranch[] {
  return m.environments.map((e) => {
    const rule = m.rules.branches.find((r) => r.branch === e.branch);
    const kind = rule?.releaseTag;
    const sample = kind ? SAMPLE_TAGS[kind.name] : undefined;
    return {
      branch: e.branch,
      from: rule?.mergeFrom?.[0] ?? null,
      sampleTag: kind && sample && new RegExp(kind.pattern).test(sample) ? sample : null,
    };
  });
}

function rootTags(m: Model): string[] {
  const stable = m.rules.branches.find((r) => r.releaseTag?.name === 'stable');
  return stable && new RegExp(stable.releaseTag!.pattern).test(SAMPLE_TAGS.root!) ? [SAMPLE_TAGS.root!] : [];
}

/** The scenario of one build; its repository and workspace are made under `dir` (a fresh directory). */
export function scenarioFor(m: Model, paths: { jenkinsfile: string; vars: string }, c: PipelineCase, dir: string): PipelineScenario {
  const files = Object.fromEntries((c.files ?? []).map((f) => [f, f.startsWith('script/') ? '#!/bin/sh\nexit 0\n' : `${f}\n`]));
  const repo = seedOrigin(path.join(dir, 'github'), {
    flow: flowOf(m),
    branch: c.pr ? c.pr.from : c.branch,
    head: c.head ?? 'merge',
    tagsOnHead: c.tagsOnHead ?? [],
    ...(c.tagsOnMerged && { tagsOnMerged: c.tagsOnMerged }),
    tagsOnRoot: c.tagsOnRoot ?? rootTags(m),
    files: { 'requirements.txt': 'flask>=3\n', ...files, ...c.contents },
    ...(c.author && { author: c.author }),
    ...(c.mergedBy && { mergedBy: c.mergedBy }),
    ...(c.work && { work: c.work }),
    ...(c.releasedBy && { releasedBy: c.releasedBy }),
    ...(c.pr && { pullRequest: c.pr.id }),
  });
  return scenarioOn(m, paths, c, repo, dir);
}

/**
 * The scenario of one build of `c.branch` (or pull request `c.pr`) in an existing "GitHub"
 * repository, checking out `repo.head` (the revision the branch scan found).
 */
export function scenarioOn(m: Model, paths: { jenkinsfile: string; vars: string }, c: PipelineCase, repo: Origin, dir: string): PipelineScenario {
  const checkout = jenkinsCheckout(path.join(dir, 'agent'), repo.url, c.pr ? { pullRequest: c.pr.id } : { branch: c.branch }, {
    tags: c.checkoutTags ?? false,
    revision: repo.head,
  });
  const env: Record<string, string> = { BRANCH_NAME: c.branch, BUILD_NUMBER: '1', JOB_NAME: `${m.app}/${c.branch}` };
  if (c.pr) Object.assign(env, { CHANGE_ID: c.pr.id, CHANGE_BRANCH: c.pr.from, CHANGE_TARGET: c.pr.to }, c.pr.fork ? { CHANGE_FORK: c.pr.fork } : {});
  return {
    name: c.pr ? `${c.branch} (${c.pr.fork ? `${c.pr.fork}:` : ''}${c.pr.from} → ${c.pr.to})` : c.branch,
    jenkinsfile: paths.jenkinsfile,
    vars: c.now === undefined ? paths.vars : varsAt(paths.vars, c.now, path.join(dir, 'vars')),
    env,
    files: [...new Set([...(c.files ?? []), ...Object.keys(c.contents ?? {})])],
    input: { approver: c.approver ?? 'approver', abort: c.abortApproval ?? false },
    credentials: { [m.jenkins.gitCredentialsId]: { username: 'x-access-token', password: 'not-a-real-token' } },
    shell: { workspace: checkout.workspace, env: checkout.env, checkout: checkout.script },
    sh: [
      // Every script that runs git (alone, or inside a shell conditional) runs for real.
      { match: String.raw`(^|[\s;&|(])git\s`, run: true },
      // Where the branch takes only images verified upstream, the image is there unless told otherwise.
      { match: lit('--image-ids "imageTag=$PW_TAG" > /dev/null'), status: (c.imageInEcr ?? m.environments.some((e) => e.branch === c.branch && e.upstream !== null)) ? 0 : 254 },
      { match: lit('aws ecr describe-image-scan-findings'), stdout: c.scanFindings ?? 'COMPLETE\tNone\tNone\n' },
      { match: lit('--image-ids "imageTag=$PW_TAG" --query'), stdout: `${SAMPLE_DIGEST}\n` },
      { match: lit('--image-ids "imageTag=$PW_VERIFIED_TAG" --query'), stdout: `${c.verifiedUpstream === false ? 'None' : SAMPLE_DIGEST}\n` },
      { match: lit('--image-ids "imageTag=$PW_TARGET_TAG" --query'), stdout: 'None\n' },
      { match: lit('aws cloudwatch describe-alarms'), stdout: alarmReply(m, c) },
      { match: lit('kubectl rollout status "deployment/$PW_CANARY"'), status: c.canaryFails ? 1 : 0 },
      { match: lit('kubectl rollout status'), status: c.rolloutFails ? 1 : 0 },
      { match: lit('until kubectl wait --for=condition=complete'), status: c.postInstFails ? 1 : 0 },
      { match: lit('kubectl logs "job/'), stdout: 'Traceback (most recent call last):\nRuntimeError: migration failed\n' },
    ],
    repo,
  };
}

/**
 * What `aws cloudwatch describe-alarms` answers, as "name<TAB>STATE" lines: every alarm the built
 * branch's environment names, plus one per prefix (`<prefix>1`), in `c.alarmState`, less
 * `c.missingAlarms`.
 */
function alarmReply(m: Model, c: PipelineCase): string {
  // Only the built branch's environment: every query of this build reads its alarms.
  const alarms = m.environments.filter((e) => e.branch === c.branch).flatMap((e) => [...e.verify.alarms, ...(e.canary?.alarms ?? [])]);
  const names = [...new Set(alarms.filter((a) => !(c.missingAlarms ?? []).includes(a.value)).map((a) => (a.kind === 'name' ? a.value : `${a.value}1`)))];
  return names.map((n) => `${n}\t${c.alarmState ?? 'OK'}\n`).join('');
}

/** A copy of the library whose pipewrightClock answers `iso`: the build runs at that time. */
export function varsAt(vars: string, iso: string, dir: string): string {
  const millis = Date.parse(iso);
  if (Number.isNaN(millis)) throw new Error(`not an ISO time: ${iso}`);
  cpSync(vars, dir, { recursive: true });
  // The harness's sleep moves this clock on (pwSleptMillis, a harness method), as time passes while a build waits.
  const clock = [
    `// The build starts at ${new Date(millis).toISOString()} (pipewright plan --at, or a test).`,
    'long call() {',
    `    return ${millis}L + pwSleptMillis()`,
    '}',
    '',
  ];
  writeFileSync(path.join(dir, 'pipewrightClock.groovy'), clock.join('\n'));
  return dir;
}
