#!/usr/bin/env node
/**
 * Wiring only: parse flags, import the one command module needed, map errors to exit codes
 * (1 findings/drift, 2 usage/config, 70 internal). Heavy modules load inside the commands.
 */
import type { Command as CommandType } from 'commander';
import { prePushCall, reportFailure, workDir } from './commands/argv.js';
import { VERSION } from './core/version.js';

/** Also checked, in old syntax, by bin/pipewright.cjs: a Node too old to parse this bundle never gets here. */
const MIN_NODE = [20, 11];

function checkNode(): void {
  const [maj = 0, min = 0] = process.versions.node.split('.').map(Number);
  if (maj < MIN_NODE[0]! || (maj === MIN_NODE[0] && min < MIN_NODE[1]!)) {
    process.stderr.write(`pipewright: Node ${process.versions.node} is too old; install Node ${MIN_NODE.join('.')} or newer (e.g. nvm install 20)\n`);
    process.exit(2);
  }
}

type Command = CommandType;

/** --timeout means the same on every command that calls AWS or Kubernetes (src/core/deadline.ts). */
const TIMEOUT_HELP =
  'seconds each AWS or Kubernetes call may take, connecting and retries included; the command stops at the first call that runs out, saying what was done (default: 30)';

async function program(): Promise<Command> {
  const { Command, Option } = await import('commander');
  const p = new Command('pipewright')
    .description('One config for a Flask service\'s Jenkins → ECR → EKS Fargate delivery pipeline.')
    .version(VERSION, '-V, --version')
    .option('-C, --cwd <dir>', 'run as if started in <dir> (default: the current directory)')
    .option('-c, --config <file>', 'config file (default: pipewright.yaml, pipewright.yml or pipewright.config.ts)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  /** Register a command whose implementation is imported only when it runs. */
  const lazy = <O>(cmd: Command, load: () => Promise<{ run: (opts: O) => Promise<number> }>) =>
    cmd.action(async (...argv: unknown[]) => {
      const c = argv[argv.length - 1] as Command;
      const all = c.optsWithGlobals();
      const [remote, url] = c.processedArgs as (string | undefined)[];
      if (remote !== undefined) all.remote = remote;
      if (url !== undefined) all.url = url;
      const { run } = await load();
      // commander's options are untyped at run time; each command validates what it uses.
      process.exitCode = await run({ ...all, cwd: workDir(typeof all.cwd === 'string' ? all.cwd : '.') } as O);
    });

  /**
   * --check, --dry-run, --force and --json mean the same on every command that writes through the
   * one writer (src/commands/write-files.ts): generate, library, jobs and graph.
   */
  const writer = (cmd: Command, json = 'print the list of changes as JSON') =>
    cmd
      .option('--check', 'write nothing; print a unified diff and exit 1 if the files on disk differ from what would be written')
      .addOption(new Option('--dry-run', 'write nothing; list the files that would change').conflicts('check'))
      .option('--force', 'overwrite or remove generated files that were edited by hand')
      .option('--json', json);
  /** --templates-dir means the same for generate, library and jobs: one folder, laid out as the built-in templates. */
  const templatesDir = (cmd: Command, which: string, fallback = '') =>
    cmd.option('--templates-dir <dir>', `a folder whose ${which} templates override the built-in ones by file name${fallback}`);

  lazy(
    p
      .command('init')
      .description('set up pipewright in a Flask repository: write pipewright.yaml, generate, create develop and staging, install the hook')
      .option('--app <name>', 'app name (default: inferred from pyproject.toml, else the directory name)')
      .option('--account-id <id>', 'AWS account id, 12 digits')
      .option('--region <region>', 'AWS region (default: AWS_REGION or AWS_DEFAULT_REGION, else asked, else eu-west-1)')
      .option('--wsgi <module:callable>', 'gunicorn target (default: inferred: app:app, wsgi:app or module:create_app())')
      .option('--python <version>', 'Python version (default: inferred from pyproject.toml or .python-version, else 3.12)')
      .option('--production-branch <name>', 'the branch that deploys to production (default: the repository\'s default branch: origin/HEAD, else main or master)')
      .option('-y, --yes', 'ask nothing: take every inferred value and default (for scripts)')
      .option('--force', 'run in a working tree with changes of your own; rewrite an existing pipewright.yaml; overwrite generated files edited by hand')
      .option('--no-branches', 'do not create the develop and staging branches')
      .option('--no-hook', 'do not install the pre-push hook')
      .option('--dry-run', 'write nothing; print the pipewright.yaml that would be written and what would follow')
      .option('--json', 'print what was done as JSON')
      .addHelpText(
        'after',
        '\nExamples:\n  pipewright init                                   # asks for what it cannot infer\n  pipewright init --yes --account-id 123456789012 --region eu-west-1\n  pipewright init --dry-run --account-id 123456789012   # see pipewright.yaml and the rest first\n' +
          '\nRunning it again is safe: an existing pipewright.yaml is kept, and what is already done is left alone.\n' +
          "It refuses a working tree with changes of your own (not init's output) unless --force.",
      ),
    () => import('./commands/init.js'),
  );
  lazy(
    templatesDir(
      writer(
        p
          .command('generate')
          .description('write the Jenkinsfile and the Kustomize base and overlays (and scaffold Dockerfile, .dockerignore, script/cibuild if absent)'),
      ),
      'kustomize/, scaffold/ and vars-templates/Jenkinsfile',
      " (default: the config's templatesDir)",
    ).addHelpText(
      'after',
      '\nExamples:\n  pipewright generate\n  pipewright generate --check     # in CI: fail when someone forgot to regenerate\n  pipewright -C examples/hello-flask generate --dry-run\n' +
        '  pipewright generate --templates-dir ci-templates   # e.g. ci-templates/scaffold/Dockerfile.mustache; or set templatesDir in the config',
    ),
    () => import('./commands/generate.js'),
  );
  lazy(
    templatesDir(
      writer(
        p
          .command('library')
          .description("write the org's Jenkins shared library (vars/*.groovy and vars/*.txt) into --out: the same for every app, so it needs no pipewright.yaml")
          .option('--out <dir>', 'root of the shared library repository'),
      ),
      'vars-templates/vars/',
    ).addHelpText(
      'after',
      '\nExamples:\n  pipewright library --out ../jenkins-library   # then commit and tag it, and pin that tag in jenkins.library.version\n' +
        '  pipewright library --out . --check            # in the library repository\'s CI\n' +
        '  pipewright library --out ../jenkins-library --templates-dir ci-templates   # e.g. ci-templates/vars-templates/vars/pipewrightTest.groovy.mustache',
    ),
    () => import('./commands/library.js'),
  );
  lazy(
    templatesDir(
      writer(
        p
          .command('jobs')
          .description('write the Job DSL of every repository in the catalog (one multibranch pipeline job each) and the seed job that applies it')
          .option('--catalog <file>', 'the catalog of repositories', 'catalog.yaml')
          .option('--out <dir>', 'output directory (Job DSL under <dir>/dsl; the seed job in <dir>/seed-job.groovy and, for JCasC, <dir>/seed-job.jcasc.yaml)', 'jobs')
          .option('--plan', 'write nothing; list the jobs this run would add, change or remove against the last run'),
        'print the list of changes as JSON (with --plan: the jobs to add, change and remove)',
      ),
      'jobs/',
    ).addHelpText(
      'after',
      '\nExamples:\n  pipewright jobs --catalog catalog.yaml --out jobs           # then commit catalog.yaml and jobs/\n' +
        '  pipewright jobs --catalog catalog.yaml --out jobs --check   # in the jobs repository\'s CI: exit 1 on drift\n' +
        '  pipewright jobs --catalog catalog.yaml --out jobs --plan    # what the seed job is about to change\n' +
        '  pipewright jobs --templates-dir ci-templates                # e.g. ci-templates/jobs/multibranch.groovy.mustache\n' +
        '\nThe seed job only applies the committed jobs/dsl with Job DSL: it runs no pipewright and no npm.',
    ),
    () => import('./commands/jobs.js'),
  );
  lazy(
    p
      .command('plan')
      .description('show the stages and commands a build of a branch would run, in order (runs the generated pipeline in Groovy 2.4; needs groovy and java)')
      .option('--branch <name>', 'the branch to plan (for a pull request: its target)')
      .option('--pr-from <branch>', 'plan a pull request from this branch into --branch')
      .option('--fork <owner>', 'with --pr-from: the pull request comes from a fork owned by <owner> (CHANGE_FORK)')
      .option('--image-exists', 'assume ECR already has the image, as in a promotion (the default where the branch takes only images verified upstream)')
      .option('--unverified', 'the image was never verified in the environment before this one: shows the refusal')
      .option('--alarm <state>', 'every CloudWatch alarm reads <state>: OK (default), ALARM or INSUFFICIENT_DATA; ALARM shows a failed canary or soak')
      .option('--at <time>', 'run the build at this time (ISO 8601, e.g. 2026-12-04T17:00:00+01:00): shows the promotion windows')
      .option('--json', 'print stages and commands as JSON')
      .addHelpText(
        'after',
        '\nThe build runs against a real git repository made as GitHub leaves it: HEAD of a protected branch is\n' +
          "GitHub's merge commit (untagged), and the checkout has no tags, as github-branch-source checks out.\n" +
          '\nExamples:\n  pipewright plan --branch master                       # tags the release, waits for approval, deploys\n' +
          '  pipewright plan --branch master --pr-from develop     # shows the Guard refusing it\n' +
          '  pipewright plan --branch master --pr-from staging --fork mallory   # a fork is never a promotion source\n' +
          '  pipewright plan --branch staging --unverified         # refused: never verified on develop\n' +
          '  pipewright plan --branch master --alarm ALARM         # the canary (or the soak) fails and is undone\n' +
          "  pipewright plan --branch master --at 2026-12-04T17:00:00+01:00   # a Friday evening: outside the window",
      ),
    () => import('./commands/plan.js'),
  );
  const hook = p.command('hook').description('the git pre-push hook that enforces the branch rules: install, uninstall, pre-push');
  lazy(
    hook
      .command('pre-push')
      .description('check a push against the branch rules (git runs this: remote and URL as arguments, ref lines on stdin)')
      .argument('[remote]', 'the remote name, as git passes it', 'origin')
      .argument('[url]', 'the remote URL, as git passes it')
      .option('--json', 'print the verdict and findings as JSON')
      .addHelpText('after', `\nExit 0: allowed; 1: rejected (the message names the rule and the fix); 2: config error.\nEscape hatch: PIPEWRIGHT_SKIP_HOOK=1 git push … (warned; the Jenkins Guard still checks it).`),
    () => import('./commands/hook-pre-push.js'),
  );
  lazy(
    hook
      .command('install')
      .description("install the git pre-push hook that runs `pipewright hook pre-push` (chains into an existing hook; edits husky's .husky/pre-push; for lefthook prints the lefthook.yml entry)")
      .option('--force', 'with lefthook: chain into its generated hook anyway instead of printing the lefthook.yml entry')
      .option('--dry-run', 'write nothing; print the hook file that would be written')
      .option('--json', 'print {hooksDir, file, action, manager} as JSON')
      .addHelpText('after', '\nExamples:\n  pipewright hook install\n  pipewright hook install --dry-run   # see the hook file first\n  PIPEWRIGHT_SKIP_HOOK=1 git push     # escape hatch: warned; the Jenkins Guard still checks it'),
    () => import('./commands/hook-install.js'),
  );
  lazy(
    hook
      .command('uninstall')
      .description('remove what `pipewright hook install` added; the rest of a chained hook is left byte for byte')
      .option('--dry-run', 'write nothing; say what would be removed')
      .option('--json', 'print {hooksDir, file, action, manager, deleted} as JSON')
      .addHelpText('after', '\nExample:\n  pipewright hook uninstall'),
    () => import('./commands/hook-uninstall.js'),
  );
  lazy(
    p
      .command('protect')
      .description('print the branch rules as GitHub settings, as JSON for gh api or Terraform: branch protection bodies, or one ruleset')
      .option('--github', 'classic branch protection: one PUT …/branches/<branch>/protection body per protected branch')
      .option('--ruleset', 'one repository ruleset (POST …/rulesets) for every protected branch instead (implies --github)')
      .option('--owner <account>', "GitHub account or organisation (default: gh's {owner} placeholder)")
      .option('--repo <name>', "GitHub repository (default: gh's {repo} placeholder)")
      .option('--status-check <name>', 'the required status check (default: continuous-integration/jenkins/pr-merge)')
      // Its old name, refused with a pointer: --context is a kubeconfig context everywhere else.
      .addOption(new Option('--context <name>').hideHelp())
      .addHelpText('after', "\nExamples:\n  pipewright protect --github --owner acme --repo shop\n  pipewright protect --github --status-check jenkins/guard   # a check other than Jenkins' pr-merge status\n  pipewright protect --github | jq '.branches[0].body' | gh api --method PUT repos/{owner}/{repo}/branches/staging/protection --input -\n  pipewright protect --ruleset | jq .body | gh api --method POST repos/{owner}/{repo}/rulesets --input -"),
    () => import('./commands/protect.js'),
  );
  lazy(
    p
      .command('lint')
      .description('check the branch rules and that the environment branches exist (the production branch against the default branch), then audit the history of the protected branches against them')
      .option('--remote <name>', "audit the remote's branches (refs/remotes/<name>/…) instead of the local ones")
      .option('--json', 'print the findings as JSON')
      .addHelpText('after', '\nExamples:\n  pipewright lint\n  git fetch origin && pipewright lint --remote origin'),
    () => import('./commands/lint.js'),
  );
  /** AWS CLI-style flags: --region beats the config's aws.region; --profile beats AWS_PROFILE. */
  const aws = (cmd: Command) =>
    cmd
      .option('--region <region>', "AWS region of the ECR repository (default: the config's aws.region)")
      .option('--profile <name>', 'AWS profile from ~/.aws/config (default: AWS_PROFILE, then the standard credential chain)')
      .option('--endpoint-url <url>', 'send ECR calls to this endpoint instead of AWS (e.g. a moto server); AWS_ENDPOINT_URL_ECR works too');
  /** kubectl-style flags, and the deadline of every call (the commands with kube flags all call the network). */
  const kube = (cmd: Command) =>
    cmd
      .option('--context <name>', 'kubeconfig context (default: the current context)')
      .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
      .option('--timeout <seconds>', TIMEOUT_HELP);

  lazy(
    writer(
      p
        .command('graph')
        .description('draw the delivery flow: branches → environments → namespaces, with the gates and promotions (Mermaid, or SVG)')
        .option('--svg', 'an SVG picture instead of Mermaid text')
        .option('--out <dir>', 'write <dir>/pipeline.mmd (with --svg: <dir>/pipeline.svg) through the writer instead of printing to standard output'),
    ).addHelpText(
      'after',
      '\nExamples:\n  pipewright graph                            # Mermaid text on standard output\n' +
        '  pipewright graph --svg --out docs           # writes docs/pipeline.svg\n' +
        '  pipewright graph --svg --out docs --check   # in CI: exit 1 when the picture is out of date\n' +
        '\n--check, --dry-run, --force and --json work with --out only.',
    ),
    () => import('./commands/graph.js'),
  );
  const ecr = p.command('ecr').description("the app's ECR repository");
  lazy(
    aws(
      ecr
        .command('ensure')
        .description('create the ECR repository, or bring it into line: immutable tags, scan on push, encryption, lifecycle policy')
        .option('--dry-run', 'change nothing; print the calls that would be made')
        .option('--timeout <seconds>', TIMEOUT_HELP)
        .option('--json', 'print the changes as JSON'),
    ).addHelpText('after', '\nExamples:\n  pipewright ecr ensure --dry-run\n  pipewright ecr ensure --profile prod'),
    () => import('./commands/ecr-ensure.js'),
  );
  lazy(
    kube(
      aws(
        p
          .command('promote')
          .description("re-tag the image deployed in one environment for the next in ECR (BatchGetImage → PutImage): nothing is pulled, pushed or rebuilt")
          .requiredOption('--from <env>', 'source environment')
          .requiredOption('--to <env>', 'target environment')
          .option('--image <ref>', 'promote this image (a tag or sha256: digest) instead of the one running in --from')
          .option('--dry-run', 'change nothing; run the checks and print the calls that would be made')
          .option('--json', 'print the result as JSON'),
      ),
    ).addHelpText('after', '\nExamples:\n  pipewright promote --from develop --to green\n  pipewright promote --from green --to blue --image git-4b825dc642cb6eb9a060e54bf8d69288fbee4904'),
    () => import('./commands/promote.js'),
  );
  lazy(
    kube(
      p
        .command('history')
        .description("what ran in an environment, newest first, from the cluster alone: each revision's digest, release, tree, commit, when, approver, build and reason")
        .requiredOption('--env <name>', 'the environment')
        .option('--json', 'print the revisions of each cluster as JSON'),
    ).addHelpText(
      'after',
      '\nExamples:\n  pipewright history --env blue\n  pipewright history --env blue --json | jq \'.clusters[0].revisions[] | {revision, digest, release: .record.release}\'\n' +
        '\nThe Deployment controller keeps revisionHistoryLimit (10) old ReplicaSets: that is how far back it goes. `*` marks the current revision.',
    ),
    () => import('./commands/history.js'),
  );
  lazy(
    kube(
      aws(
        p
          .command('rollback')
          .description('put back an earlier release verified in an environment (default: the newest before the current one), in every cluster of it, and wait for the rollout')
          .requiredOption('--env <name>', 'the environment')
          .requiredOption('--reason <text>', 'why: recorded on the Deployment as "rollback: <text>"')
          .option('--image <ref>', 'roll back to this image instead: a tag (looked up in ECR) or a sha256: digest')
          // Its old name, refused with a pointer: --to is an environment in promote.
          .addOption(new Option('--to <ref>').hideHelp())
          .option('--force', 'roll back to an image that never ran in the environment, or was never verified there')
          .option('--rollout-timeout <duration>', 'how long each cluster\'s rollout may take, e.g. 5m or 90s', '5m')
          .option('--dry-run', 'change nothing; run the checks and print the patch')
          .option('--json', 'print the result as JSON'),
      ),
    ).addHelpText(
      'after',
      '\nExamples:\n  pipewright rollback --env blue --reason "5xx since v1.4.0" --dry-run\n  pipewright rollback --env blue --reason "5xx since v1.4.0"\n' +
        '  pipewright rollback --env blue --image v1.3.2 --reason "back to the last good release"\n' +
        '  pipewright rollback --env green --image sha256:<digest> --reason "hotfix image" --force   # never verified in green\n' +
        '\nRefused (exit 1, nothing changed) unless --force: an image that never ran in the environment (not in its ReplicaSet history),\n' +
        'or one without its verified-<env>-<tree> tag in ECR. The rollout must finish within --rollout-timeout, or it exits 1.',
    ),
    () => import('./commands/rollback.js'),
  );
  const cluster = p.command('cluster').description("the app's namespaces, deployer access, Fargate profiles and logging");
  lazy(
    kube(
      cluster
        .command('bootstrap')
        .description(
          "bring the context's cluster in line: the environments' namespaces, a deployer ServiceAccount (with its IRSA role) whose Role allows only what the pipeline needs, " +
            'Fargate logging, and the Fargate profiles (through the EKS API); print the access entry for Jenkins',
        )
        .option('--dry-run', 'change nothing; print what would be created or updated (without kubeconfig or AWS credentials: everything, as "would create")')
        .addOption(new Option('--manifests', 'contact nothing: print the Kubernetes objects of each cluster as YAML, with its Fargate profiles as commands').conflicts('dryRun'))
        .option('--profile <name>', 'AWS profile for the EKS calls (default: AWS_PROFILE, then the standard credential chain)')
        .option('--endpoint-url <url>', 'send EKS calls to this endpoint instead of AWS (e.g. a moto server); AWS_ENDPOINT_URL_EKS works too')
        .option('--fargate-timeout <duration>', 'how long each new Fargate profile may take to become ACTIVE, e.g. 15m or 90s', '15m')
        .option('--json', 'print the changes and the Fargate profiles as JSON (with --manifests: the objects)'),
    ).addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  pipewright cluster bootstrap --dry-run                  # works without kubeconfig or AWS credentials',
        '  pipewright cluster bootstrap --context arn:aws:eks:eu-west-1:123456789012:cluster/main --profile admin',
        '  pipewright cluster bootstrap --manifests > k8s/pipewright-bootstrap.yaml   # GitOps; contacts nothing',
        '  pipewright cluster bootstrap --dry-run --json | jq \'.fargateProfiles[] | {name, action}\'',
        '',
        'The cluster is the one the context names by its EKS ARN (as `aws eks update-kubeconfig` writes it): only its',
        'environments are bootstrapped, and its Fargate profiles are created (cluster.fargate.podExecutionRoleArn is then',
        'required). A context that names no EKS cluster gets every environment, and the profiles are printed as commands.',
        'Running it again is safe: what is as wanted is left alone; a Fargate profile whose selectors differ is reported',
        '(EKS cannot edit profiles), never deleted.',
      ].join('\n'),
    ),
    () => import('./commands/cluster-bootstrap.js'),
  );
  lazy(
    kube(
      aws(
        p
          .command('status')
          .description('one row per environment: namespace, image tag and digest, ready/desired replicas, age of the last rollout')
          .option('--json', 'print the rows as JSON'),
      ),
    ).addHelpText('after', '\nExamples:\n  pipewright status\n  pipewright status --json | jq ".[] | select(.ready < .desired)"'),
    () => import('./commands/status.js'),
  );
  lazy(
    p
      .command('iam')
      .description(
        'print the IAM policies the pipeline needs, least privilege, scoped to the app\'s repository, clusters and log groups: ' +
          'the Jenkins agents, the app\'s IRSA role per environment, the Fargate pod execution role, and who runs ecr ensure, cluster bootstrap and promote',
      )
      .option('--role <name>', 'print only this role\'s permission policy as raw JSON (for aws iam put-role-policy --policy-document file://…)')
      .option('--trust', "with --role: its trust policy instead (for aws iam create-role --assume-role-policy-document file://…)")
      .option(
        '--oidc-issuer <[cluster=]issuer>',
        "a cluster's OIDC issuer URL or id, for the IRSA trust policies (repeatable; name the cluster when there are several); default: a placeholder",
        (value: string, previous: string[] = []) => [...previous, value],
      )
      .option('--agent-cluster <cluster[@region]>', "the cluster whose pods run the Jenkins agents (default: the config's aws.cluster)")
      .option('--json', 'print every role as JSON: {roles: [{name, purpose, trustPolicy, policy, managedPolicies, …}], placeholders}')
      .addHelpText(
        'after',
        '\nRoles: jenkins-agent, app-<environment> (one per environment), fargate-pod-execution, operator, promoter.\n' +
          '\nExamples:\n  pipewright iam                                    # every role: what it is for, its documents, the commands that apply them\n' +
          '  pipewright iam --oidc-issuer "$(aws eks describe-cluster --name main --query cluster.identity.oidc.issuer --output text)"\n' +
          '  pipewright iam --role jenkins-agent > policy.json && aws iam put-role-policy --role-name jenkins-agent --policy-name pipewright-shop --policy-document file://policy.json\n' +
          '  pipewright iam --role app-blue --trust --oidc-issuer main=https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\n' +
          '  pipewright iam --json | jq ".roles[].name"\n' +
          '\nIt never calls AWS. Values the config lacks (OIDC ids, role names) are printed as <placeholders>, listed with how to find them.',
      ),
    () => import('./commands/iam.js'),
  );
  lazy(
    p
      .command('validate')
      .description('check the config and print the resolved model (every default filled in)')
      .option('--json', 'print the model as JSON'),
    () => import('./commands/validate.js'),
  );
  lazy(
    p
      .command('schema')
      .description('print the JSON Schema of pipewright.yaml, or of catalog.yaml (for editors: yaml-language-server)')
      .option('--catalog', 'the schema of the seed job\'s catalog.yaml')
      .addOption(new Option('--markdown', "the config reference as a Markdown table (the README's)").conflicts('catalog')),
    () => import('./commands/schema.js'),
  );
  return p;
}

async function main(argv: string[]): Promise<void> {
  checkNode();
  // `pipewright … | head` closes stdout early: that is the reader's choice, not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  try {
    // The pre-push hook runs on every push: the installed hook's call skips commander entirely.
    const fast = prePushCall(argv.slice(2));
    if (fast) {
      const { run } = await import('./commands/hook-pre-push.js');
      process.exitCode = await run(fast);
      return;
    }
    await (await program()).parseAsync(argv);
  } catch (e) {
    const err = e as Error & { code?: unknown; exitCode?: number };
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) {
      // Help and version are not errors; everything else commander rejects is a usage error.
      process.exitCode = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? 0 : 2;
      return;
    }
    process.exitCode = reportFailure(e);
  }
}

await main(process.argv);
