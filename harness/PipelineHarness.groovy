// pipewright pipeline harness: executes a declarative Jenkinsfile together with a shared library's
// vars/*.groovy against recorded stub steps (the JenkinsPipelineUnit approach, small and our own).
//
//   groovy harness/PipelineHarness.groovy scenarios.json      (or "-" to read the JSON from stdin)
//   (or served by harness/Worker.groovy, which calls PwMain.main)
//
// Input: a JSON array of scenarios; output (stdout): a JSON array with one result per scenario.
// The contract is documented in src/plan/harness.ts. This file must run on Groovy 2.4 (what Jenkins
// runs): no lambdas, no `!in`, no `?=`, no `var`.
import groovy.json.JsonOutput
import groovy.json.JsonSlurper
import org.codehaus.groovy.ast.ClassCodeVisitorSupport
import org.codehaus.groovy.ast.ClassNode
import org.codehaus.groovy.ast.expr.MethodCallExpression
import org.codehaus.groovy.classgen.GeneratorContext
import org.codehaus.groovy.control.CompilePhase
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.SourceUnit
import org.codehaus.groovy.control.customizers.CompilationCustomizer
import java.lang.annotation.Retention
import java.lang.annotation.RetentionPolicy
import java.util.regex.Pattern

/** `@Library('name@version') _` compiles against this; the library itself comes from the scenario's `vars`. */
@Retention(RetentionPolicy.SOURCE)
@interface Library {
    String[] value()
}

/** What `error()` and a failing `sh` throw (hudson.AbortException in Jenkins): FAILURE. */
class PwStepError extends RuntimeException {
    PwStepError(String m) { super(m) }
}

/** A rejected `input` (FlowInterruptedException in Jenkins): ABORTED. */
class PwAbort extends RuntimeException {
    PwAbort(String m) { super(m) }
}

/** Syntax the harness does not model. */
class PwUnsupported extends RuntimeException {
    PwUnsupported(String m) { super('harness: unsupported ' + m) }
}

/** A describable built by a DSL call, e.g. logRotator(numToKeepStr: '30') inside buildDiscarder(...). */
class PwDslCall {
    String name
    Object[] args
}

/** A withCredentials binding: usernamePassword(...), string(...), gitUsernamePassword(...) … */
class PwCred {
    String type
    Map args
}

/** The `scm` global. */
class PwScm {
    String toString() { 'scm' }
}

/** Repeated keys in a collected block (e.g. several parameters). */
class PwMulti extends ArrayList {
}

/** `env`: scenario env + values set during the run, with withEnv/withCredentials/environment layers on top. */
class PwEnv extends GroovyObjectSupport {
    private final LinkedHashMap<String, String> base = new LinkedHashMap<String, String>()
    private final List<Map<String, String>> layers = new ArrayList<Map<String, String>>()

    String lookup(String k) {
        for (int i = layers.size() - 1; i >= 0; i--) {
            Map<String, String> m = layers.get(i)
            if (m.containsKey(k)) return m.get(k)
        }
        return base.get(k)
    }

    Object getProperty(String k) { return lookup(k) }

    void setProperty(String k, Object v) { base.put(k, v == null ? null : v.toString()) }

    Object getAt(String k) { return lookup(k) }

    void putAt(String k, Object v) { setProperty(k, v) }

    void pwPush(Map<String, String> m) { layers.add(m) }

    void pwPop() { layers.remove(layers.size() - 1) }

    Map<String, String> getEnvironment() {
        Map<String, String> all = new LinkedHashMap<String, String>(base)
        for (int i = 0; i < layers.size(); i++) all.putAll(layers.get(i))
        return all
    }

    String toString() { return 'env' }
}

/** `currentBuild`. */
class PwBuild {
    PwRunner runner
    String displayName
    String description
    int number

    String getResult() { return (runner.resultExplicit || runner.result != 'SUCCESS') ? runner.result : null }

    void setResult(Object r) { runner.resultExplicit = true; runner.worsen(r == null ? 'SUCCESS' : r.toString()) }

    String getCurrentResult() { return runner.result }

    boolean resultIsBetterOrEqualTo(String r) { return PwRunner.rank(runner.result) <= PwRunner.rank(r) }

    boolean resultIsWorseOrEqualTo(String r) { return PwRunner.rank(runner.result) >= PwRunner.rank(r) }

    Object getPreviousBuild() { return null }

    List getChangeSets() { return [] }

    List getBuildCauses(Object type = null) { return [] }

    String getFullDisplayName() { return (runner.env.lookup('JOB_NAME') ?: 'job') + ' ' + displayName }

    String getProjectName() { return runner.env.lookup('JOB_BASE_NAME') }

    String getAbsoluteUrl() { return runner.env.lookup('BUILD_URL') }

    long getStartTimeInMillis() { return 0L }

    long getDuration() { return 0L }

    String getDurationString() { return '0 ms' }
}

/** Script variables: env, params, currentBuild, scm, and every library step as a property (`pipewrightImage.call(...)`). */
class PwBinding extends Binding {
    private final PwRunner pwRunner

    PwBinding(PwRunner r) { super(); this.@pwRunner = r }

    Object getVariable(String name) {
        if (super.hasVariable(name)) return super.getVariable(name)
        PwRunner r = this.@pwRunner
        if (r.varFiles.containsKey(name)) return r.varInstance(name)
        throw new MissingPropertyException(name, PwBinding)
    }

    boolean hasVariable(String name) {
        return super.hasVariable(name) || this.@pwRunner.varFiles.containsKey(name)
    }
}

/** Base class of the Jenkinsfile and of every vars/*.groovy: unknown calls are pipeline steps. */
abstract class PwScript extends Script {
    private PwRunner pwRunner

    void pwInit(PwRunner r, Binding b) { this.@pwRunner = r; setBinding(b) }

    Object methodMissing(String name, Object args) { return this.@pwRunner.step(name, (Object[]) args) }

    Object pipeline(Closure body) { this.@pwRunner.runPipeline(body); return null }

    /** For a test's fixed clock (not a Jenkins API): how long this build has slept, in milliseconds. */
    long pwSleptMillis() { return this.@pwRunner.sleptMillis }

    // Names that would otherwise hit Object/Script methods (DefaultGroovyMethods.sleep, Script.println).
    Object sleep(int t) { return this.@pwRunner.step('sleep', [t] as Object[]) }

    Object sleep(long t) { return this.@pwRunner.step('sleep', [t] as Object[]) }

    Object sleep(Object t) { return this.@pwRunner.step('sleep', [t] as Object[]) }

    void println(Object o) { this.@pwRunner.step('echo', [String.valueOf(o)] as Object[]) }

    void println() { this.@pwRunner.step('echo', [''] as Object[]) }

    void print(Object o) { this.@pwRunner.step('echo', [String.valueOf(o)] as Object[]) }
}

// ---------------------------------------------------------------------------------------------
// Declarative DSL collectors. Closures run with these as delegate (DELEGATE_FIRST); step bodies
// are kept and later rehydrated onto the script so every call in them is a step.
// ---------------------------------------------------------------------------------------------

class PwDsl {
    static Object apply(Closure c, Object delegate) {
        c.delegate = delegate
        c.resolveStrategy = Closure.DELEGATE_FIRST
        c.call()
        return delegate
    }

    static Map agentOf(Object a) {
        if (a == 'none') return [none: true]
        if (a == 'any') return [any: true]
        if (a instanceof Closure) {
            Map m = PwCollect.of((Closure) a)
            if (m.isEmpty()) throw new PwUnsupported('empty agent block')
            return m
        }
        if (a instanceof Map) return new LinkedHashMap((Map) a)
        throw new PwUnsupported('agent ' + a)
    }
}

/** Generic block → map: `label 'x'` → [label: 'x']; `kubernetes { yaml '…' }` → [kubernetes: [yaml: '…']]. */
class PwCollect {
    LinkedHashMap<String, Object> pwMap = new LinkedHashMap<String, Object>()

    Object methodMissing(String n, Object a) {
        Object[] args = (Object[]) a
        Object v
        if (args.length == 1 && args[0] instanceof Closure) v = of((Closure) args[0])
        else if (args.length == 0) v = true
        else if (args.length == 1) v = args[0]
        else v = Arrays.asList(args)
        if (pwMap.containsKey(n)) {
            Object old = pwMap.get(n)
            if (old instanceof PwMulti) ((PwMulti) old).add(v)
            else {
                PwMulti multi = new PwMulti()
                multi.add(old)
                multi.add(v)
                pwMap.put(n, multi)
            }
        } else pwMap.put(n, v)
        return null
    }

    static Map of(Closure c) {
        PwCollect pc = new PwCollect()
        PwDsl.apply(c, pc)
        return pc.pwMap
    }
}

/** options / triggers / parameters / tools: an ordered list of calls, nested calls folded into their parent. */
class PwCalls {
    List<PwDslCall> pwCalls = new ArrayList<PwDslCall>()

    Object methodMissing(String n, Object a) {
        Object[] args = (Object[]) a
        for (Object x : args) {
            if (x instanceof PwDslCall) pwCalls.remove(x)
            if (x instanceof Map) for (Object y : ((Map) x).values()) if (y instanceof PwDslCall) pwCalls.remove(y)
        }
        PwDslCall c = new PwDslCall(name: n, args: args)
        pwCalls.add(c)
        return c
    }

    static List<PwDslCall> of(Closure c) {
        PwCalls pc = new PwCalls()
        PwDsl.apply(c, pc)
        return pc.pwCalls
    }
}

/** environment { FOO = 'literal' } */
class PwEnvCollect {
    LinkedHashMap<String, String> pwVars = new LinkedHashMap<String, String>()

    void propertyMissing(String n, Object v) { pwVars.put(n, v == null ? null : v.toString()) }

    Object propertyMissing(String n) { throw new MissingPropertyException(n, PwEnvCollect) }

    Object methodMissing(String n, Object a) { throw new PwUnsupported('environment value ' + n + '(…) (only literals)') }

    static Map<String, String> of(Closure c) {
        PwEnvCollect pc = new PwEnvCollect()
        PwDsl.apply(c, pc)
        return pc.pwVars
    }
}

class PwPostDsl {
    static final List<String> ORDER = ['always', 'changed', 'fixed', 'regression', 'aborted', 'failure', 'success',
                                       'unstable', 'unsuccessful', 'notBuilt', 'cleanup']
    LinkedHashMap<String, Closure> pwBlocks = new LinkedHashMap<String, Closure>()

    Object methodMissing(String n, Object a) {
        Object[] args = (Object[]) a
        if (ORDER.contains(n) && args.length == 1 && args[0] instanceof Closure) {
            pwBlocks.put(n, (Closure) args[0])
            return null
        }
        throw new PwUnsupported('post condition ' + n)
    }

    static Map<String, Closure> of(Closure c) {
        PwPostDsl pc = new PwPostDsl()
        PwDsl.apply(c, pc)
        return pc.pwBlocks
    }
}

class PwWhenDsl {
    PwRunner r
    List<Closure> conds = new ArrayList<Closure>()
    boolean pwBeforeAgent
    boolean pwBeforeInput
    boolean pwBeforeOptions

    static PwWhenDsl of(PwRunner r, Closure c) {
        PwWhenDsl w = new PwWhenDsl(r: r)
        PwDsl.apply(c, w)
        return w
    }

    void beforeAgent(boolean b) { pwBeforeAgent = b }

    void beforeInput(boolean b) { pwBeforeInput = b }

    void beforeOptions(boolean b) { pwBeforeOptions = b }

    void branch(Object p) { branch([pattern: p]) }

    void branch(Map m) {
        String p = String.valueOf(m.pattern)
        String cmp = m.comparator ? m.comparator.toString() : 'GLOB'
        PwRunner rr = r
        conds.add({ -> rr.compare(p, rr.env.lookup('BRANCH_NAME'), cmp) })
    }

    void changeRequest() { changeRequest([:]) }

    void changeRequest(Map m) {
        Map<String, String> fields = [id: 'CHANGE_ID', target: 'CHANGE_TARGET', branch: 'CHANGE_BRANCH', fork: 'CHANGE_FORK',
                                      url: 'CHANGE_URL', title: 'CHANGE_TITLE', author: 'CHANGE_AUTHOR',
                                      authorDisplayName: 'CHANGE_AUTHOR_DISPLAY_NAME', authorEmail: 'CHANGE_AUTHOR_EMAIL']
        for (Object k : m.keySet()) {
            if (k != 'comparator' && !fields.containsKey(k)) throw new PwUnsupported('changeRequest ' + k + ':')
        }
        String cmp = m.comparator ? m.comparator.toString() : 'EQUALS'
        PwRunner rr = r
        Map mm = new LinkedHashMap(m)
        conds.add({ ->
            if (!rr.env.lookup('CHANGE_ID')) return false
            for (Object k : mm.keySet()) {
                if (k == 'comparator') continue
                if (!rr.compare(String.valueOf(mm.get(k)), rr.env.lookup(fields.get(k)), cmp)) return false
            }
            return true
        })
    }

    void buildingTag() {
        PwRunner rr = r
        conds.add({ -> rr.env.lookup('TAG_NAME') ? true : false })
    }

    void tag(Object p) { tag([pattern: p]) }

    void tag(Map m) {
        String p = String.valueOf(m.pattern)
        String cmp = m.comparator ? m.comparator.toString() : 'GLOB'
        PwRunner rr = r
        conds.add({ -> rr.compare(p, rr.env.lookup('TAG_NAME'), cmp) })
    }

    void environment(Map m) {
        String n = String.valueOf(m.name)
        String v = String.valueOf(m.value)
        boolean ic = m.ignoreCase ? true : false
        PwRunner rr = r
        conds.add({ ->
            String actual = rr.env.lookup(n)
            return actual != null && (ic ? actual.equalsIgnoreCase(v) : actual == v)
        })
    }

    boolean equals(Map m) {
        Object expected = m.expected
        Object actual = m.actual
        conds.add({ -> expected == actual })
        return false
    }

    void expression(Closure c) {
        PwRunner rr = r
        conds.add({ -> rr.truth(rr.rehydrate(c).call()) })
    }

    void not(Closure c) {
        PwWhenDsl w = of(r, c)
        if (w.conds.size() != 1) throw new PwUnsupported('not { } with ' + w.conds.size() + ' conditions')
        conds.add({ -> !w.all() })
    }

    void anyOf(Closure c) {
        PwWhenDsl w = of(r, c)
        conds.add({ -> w.any() })
    }

    void allOf(Closure c) {
        PwWhenDsl w = of(r, c)
        conds.add({ -> w.all() })
    }

    Object methodMissing(String n, Object a) { throw new PwUnsupported('when condition ' + n) }

    boolean all() {
        for (Closure c : conds) if (!c.call()) return false
        return true
    }

    boolean any() {
        for (Closure c : conds) if (c.call()) return true
        return false
    }
}

class PwStage {
    String name
    String path
    Map agent
    PwWhenDsl when
    List<PwDslCall> options = []
    Map input
    Map<String, String> environment
    Closure steps
    List<PwStage> stages
    List<PwStage> parallel
    Map<String, Closure> post
    boolean failFast
    String status = 'not-reached'
}

class PwStagesDsl {
    PwRunner r
    String parentPath
    List<PwStage> pwStages = new ArrayList<PwStage>()

    static List<PwStage> of(PwRunner r, Closure c, String parentPath) {
        PwStagesDsl d = new PwStagesDsl(r: r, parentPath: parentPath)
        PwDsl.apply(c, d)
        if (d.pwStages.isEmpty()) throw new PwStepError('No stages specified' + (parentPath ? ' in stage "' + parentPath + '"' : ''))
        return d.pwStages
    }

    void stage(Object name, Closure c) {
        String n = String.valueOf(name)
        PwStage s = new PwStage(name: n, path: parentPath ? parentPath + '/' + n : n)
        PwDsl.apply(c, new PwStageDsl(r: r, s: s))
        int kinds = (s.steps != null ? 1 : 0) + (s.stages != null ? 1 : 0) + (s.parallel != null ? 1 : 0)
        if (kinds != 1) {
            throw new PwStepError('Stage "' + n + '" must have one and only one of "steps", "stages", "parallel", or "matrix"')
        }
        if (s.input != null && !s.input.message) throw new PwStepError('Missing required parameter: "message" (input in stage "' + n + '")')
        pwStages.add(s)
    }

    Object methodMissing(String n, Object a) { throw new PwUnsupported(n + ' inside stages { }') }
}

class PwStageDsl {
    PwRunner r
    PwStage s

    String getNone() { return 'none' }

    String getAny() { return 'any' }

    void agent(Object a) { s.agent = PwDsl.agentOf(a) }

    void when(Closure c) { s.when = PwWhenDsl.of(r, c) }

    void options(Closure c) { s.options = PwCalls.of(c) }

    void input(Closure c) { s.input = PwCollect.of(c) }

    void environment(Closure c) { s.environment = PwEnvCollect.of(c) }

    void steps(Closure c) { s.steps = c }

    void stages(Closure c) { s.stages = PwStagesDsl.of(r, c, s.path) }

    void parallel(Closure c) { s.parallel = PwStagesDsl.of(r, c, s.path) }

    void post(Closure c) { s.post = PwPostDsl.of(c) }

    void failFast(boolean b) { s.failFast = b }

    Object methodMissing(String n, Object a) { throw new PwUnsupported('stage directive ' + n + ' (stage "' + s.name + '")') }
}

class PwPipelineDsl {
    PwRunner r
    Map agent
    List<PwDslCall> options = []
    List<PwDslCall> parameters = []
    List<PwDslCall> triggers = []
    List<PwDslCall> tools = []
    Map<String, String> environment
    List<PwStage> stages
    Map<String, Closure> post

    String getNone() { return 'none' }

    String getAny() { return 'any' }

    void agent(Object a) { agent = PwDsl.agentOf(a) }

    void options(Closure c) { options = PwCalls.of(c) }

    void parameters(Closure c) { parameters = PwCalls.of(c) }

    void triggers(Closure c) { triggers = PwCalls.of(c) }

    void tools(Closure c) { tools = PwCalls.of(c) }

    void environment(Closure c) { environment = PwEnvCollect.of(c) }

    void stages(Closure c) { stages = PwStagesDsl.of(r, c, '') }

    void post(Closure c) { post = PwPostDsl.of(c) }

    Object methodMissing(String n, Object a) { throw new PwUnsupported('pipeline directive ' + n) }
}

// ---------------------------------------------------------------------------------------------
// One scenario run.
// ---------------------------------------------------------------------------------------------

class PwRunner {
    static final String POST_STAGE = 'Declarative: Post Actions'
    /** Milliseconds the build has slept: a fixed test clock adds them, so time passes as the build waits. */
    long sleptMillis = 0
    static final List<String> RESULTS = ['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED']
    /** Parameter name of a step's single positional argument, so `sh 'x'` and `sh(script: 'x')` record alike. */
    static final Map<String, String> DEFAULT_PARAM = [
        sh: 'script', bat: 'script', powershell: 'script', pwsh: 'script', echo: 'message', error: 'message',
        unstable: 'message', warnError: 'message', fileExists: 'file', readFile: 'file', dir: 'path', sleep: 'time',
        timeout: 'time', input: 'message', node: 'label', container: 'name', retry: 'count', stash: 'name',
        unstash: 'name', archiveArtifacts: 'artifacts', junit: 'testResults', checkout: 'scm', git: 'url',
        build: 'job', libraryResource: 'resource', withEnv: 'overrides', withCredentials: 'bindings', lock: 'resource',
        milestone: 'ordinal', ws: 'dir', tool: 'name', properties: 'properties', stage: 'name', library: 'identifier',
        ansiColor: 'colorMapName', deleteDir: 'value', cleanWs: 'value', isUnix: 'value', pwd: 'value']
    /** Steps that need a workspace (hudson.FilePath): they fail outside any agent, as in Jenkins. */
    static final Set<String> NEEDS_NODE = ['sh', 'bat', 'powershell', 'pwsh', 'writeFile', 'readFile', 'fileExists', 'dir',
        'checkout', 'git', 'cleanWs', 'deleteDir', 'stash', 'unstash', 'archiveArtifacts', 'junit', 'pwd', 'isUnix',
        'findFiles', 'readJSON', 'writeJSON', 'readYaml', 'writeYaml', 'readProperties', 'container', 'zip', 'unzip',
        'sha1', 'sha256', 'recordIssues', 'publishHTML'] as Set
    /** Known steps with no special behaviour: recorded, a trailing closure body runs, null is returned. */
    static final Set<String> GENERIC = ['archiveArtifacts', 'junit', 'stash', 'unstash', 'build', 'milestone', 'lock',
        'ansiColor', 'timestamps', 'wrap', 'step', 'publishHTML', 'emailext', 'mail', 'slackSend', 'properties', 'library',
        'withAWS', 'withKubeConfig', 'kubeconfig', 'sshagent', 'httpRequest', 'readJSON', 'readYaml', 'writeJSON',
        'writeYaml', 'readProperties', 'findFiles', 'zip', 'unzip', 'sha1', 'sha256', 'recordIssues', 'publishChecks',
        'githubNotify', 'recordCoverage', 'podTemplate', 'ecrLogin', 's3Upload', 's3Download', 'withDockerRegistry',
        'withDockerContainer', 'withDockerServer', 'withMaven', 'withPythonEnv', 'addBadge', 'addShortText',
        'office365ConnectorSend', 'validateDeclarativePipeline', 'ws', 'catchError', 'warnError'] as Set
    /** Describable constructors used as arguments (properties([...]), podTemplate(...)): not steps. */
    static final Set<String> CONSTRUCTORS = ['logRotator', 'buildDiscarder', 'disableConcurrentBuilds', 'pipelineTriggers',
        'cron', 'pollSCM', 'githubPush', 'upstream', 'parameters', 'booleanParam', 'choice', 'text', 'password',
        'durabilityHint', 'disableResume', 'containerTemplate', 'envVar', 'secretEnvVar', 'emptyDirVolume',
        'hostPathVolume', 'secretVolume', 'configMapVolume', 'persistentVolumeClaim', 'podAnnotation'] as Set
    static final Set<String> CRED_TYPES = ['usernamePassword', 'string', 'file', 'gitUsernamePassword', 'sshUserPrivateKey',
        'usernameColonPassword', 'certificate', 'aws', 'amazonWebServicesCredentials', 'dockerCert'] as Set

    final PwHarness harness
    final Map sc
    PwEnv env = new PwEnv()
    Map params = new LinkedHashMap()
    PwBuild build
    PwBinding binding
    Script script
    List<Map> steps = new ArrayList<Map>()
    List<PwStage> allStages = new ArrayList<PwStage>()
    String stagePath = ''
    String branch = null
    Set<String> repoFiles = new LinkedHashSet<String>()
    Set<String> files = new LinkedHashSet<String>()
    Map<String, String> contents = new LinkedHashMap<String, String>()
    List<String> dirs = new ArrayList<String>()
    List<Object[]> shRules = new ArrayList<Object[]>()
    /** A real workspace: `sh` rules with run: true execute there, and so does the checkout script. */
    File workspace
    Map<String, String> shellEnv = new LinkedHashMap<String, String>()
    String checkoutScript
    Map inputCfg
    Map credentials
    Set<String> secrets = new LinkedHashSet<String>()
    String result = 'SUCCESS'
    boolean resultExplicit = false
    Throwable firstError
    Map<String, File> varFiles = new LinkedHashMap<String, File>()
    Map<String, Script> varInstances = new HashMap<String, Script>()
    Map<String, String> stageMarks = new HashMap<String, String>()
    int nodeDepth = 0
    boolean skipDefaultCheckout = false
    boolean pipelineSeen = false

    PwRunner(PwHarness h, Map scenario) {
        harness = h
        sc = scenario
    }

    static int rank(String r) {
        int i = RESULTS.indexOf(r)
        return i < 0 ? 2 : i
    }

    void worsen(String r) {
        if (rank(r) > rank(result)) result = RESULTS.get(rank(r))
    }

    void noteError(Throwable t) {
        if (firstError == null) firstError = t
        worsen(t instanceof PwAbort ? 'ABORTED' : 'FAILURE')
    }

    boolean truth(Object o) { return o ? true : false }

    Closure rehydrate(Closure c) {
        Closure x = c.rehydrate(script, script, script)
        x.resolveStrategy = Closure.OWNER_FIRST
        return x
    }

    // ---- setup / output ---------------------------------------------------------------------

    Map run() {
        try {
            setUp()
            Class jf = harness.compile(new File(String.valueOf(sc.jenkinsfile)), 'Jenkinsfile')
            script = (Script) jf.newInstance()
            ((PwScript) script).pwInit(this, binding)
            script.run()
        } catch (Throwable t) {
            noteError(t)
        }
        return output()
    }

    void setUp() {
        if (!sc.jenkinsfile) throw new PwUnsupported('scenario without "jenkinsfile"')
        Map e = sc.env instanceof Map ? (Map) sc.env : [:]
        for (Object k : e.keySet()) env.setProperty(String.valueOf(k), e.get(k) == null ? null : String.valueOf(e.get(k)))
        String n = env.lookup('BUILD_NUMBER') ?: '1'
        String job = 'app/' + (env.lookup('BRANCH_NAME') ?: 'main')
        Map<String, String> defaults = [BUILD_NUMBER: n, BUILD_ID: n, JOB_NAME: job, JOB_BASE_NAME: env.lookup('BRANCH_NAME') ?: 'main',
                                        BUILD_URL: 'https://jenkins.example/job/' + job + '/' + n + '/', WORKSPACE: '/workspace',
                                        BUILD_TAG: 'jenkins-' + job.replace('/', '-') + '-' + n]
        for (Map.Entry<String, String> d : defaults.entrySet()) if (env.lookup(d.key) == null) env.setProperty(d.key, d.value)
        build = new PwBuild(runner: this, displayName: '#' + n, number: n.isInteger() ? n.toInteger() : 1)
        binding = new PwBinding(this)
        binding.setVariable('env', env)
        binding.setVariable('params', params)
        binding.setVariable('currentBuild', build)
        binding.setVariable('scm', new PwScm())
        binding.setVariable('_', null)
        for (Object f : (sc.files instanceof List ? (List) sc.files : [])) repoFiles.add(normalize(String.valueOf(f)))
        files.addAll(repoFiles)
        for (Object o : (sc.sh instanceof List ? (List) sc.sh : [])) {
            Map m = (Map) o
            Pattern p = Pattern.compile(String.valueOf(m.match))
            shRules.add([p, m.stdout == null ? '' : String.valueOf(m.stdout), m.status == null ? 0 : (m.status as int), truth(m.run)] as Object[])
        }
        if (sc.shell instanceof Map) {
            Map shell = (Map) sc.shell
            workspace = new File(String.valueOf(shell.workspace))
            if (!workspace.isDirectory()) throw new PwStepError('harness: shell.workspace is not a directory: ' + workspace)
            if (shell.env instanceof Map) for (Object k : ((Map) shell.env).keySet()) shellEnv.put(String.valueOf(k), String.valueOf(((Map) shell.env).get(k)))
            if (shell.checkout != null) checkoutScript = String.valueOf(shell.checkout)
            env.setProperty('WORKSPACE', workspace.canonicalPath)
        }
        inputCfg = sc.input instanceof Map ? (Map) sc.input : [:]
        credentials = sc.credentials instanceof Map ? (Map) sc.credentials : [:]
        if (sc.vars) {
            File dir = new File(String.valueOf(sc.vars))
            if (!dir.isDirectory()) throw new PwStepError('harness: vars directory not found: ' + dir)
            File[] list = dir.listFiles()
            Arrays.sort(list)
            for (File f : list) {
                if (f.name.endsWith('.groovy')) varFiles.put(f.name.substring(0, f.name.length() - 7), f)
            }
        }
    }

    Script varInstance(String name) {
        Script s = varInstances.get(name)
        if (s == null) {
            Class c = harness.compile(varFiles.get(name), name + '.groovy')
            s = (Script) c.newInstance()
            ((PwScript) s).pwInit(this, binding)
            varInstances.put(name, s)
        }
        return s
    }

    Map output() {
        List stageOut = []
        for (PwStage s : allStages) stageOut.add([name: s.name, path: s.path, status: s.status])
        Map out = new LinkedHashMap()
        out.name = sc.name == null ? null : String.valueOf(sc.name)
        out.result = result
        out.error = firstError == null ? null : message(firstError)
        String at = firstError == null ? null : location(firstError)
        if (at != null) out.errorAt = at
        out.stages = stageOut
        out.steps = steps
        out.displayName = build == null ? null : build.displayName
        out.description = build == null ? null : build.description
        return (Map) mask(out)
    }

    static String message(Throwable t) {
        if (t instanceof PwStepError || t instanceof PwAbort || t instanceof PwUnsupported) return t.message
        if (t instanceof org.codehaus.groovy.control.MultipleCompilationErrorsException) return t.message.trim()
        return t.toString()
    }

    /** `Jenkinsfile:12` or `pipewrightImage.groovy:30`: the innermost frame in the pipeline's own scripts. */
    String location(Throwable t) {
        for (StackTraceElement e : t.stackTrace) {
            String f = e.fileName
            if (f == null || e.lineNumber <= 0) continue
            if (f == 'Jenkinsfile') return 'Jenkinsfile:' + e.lineNumber
            if (f.endsWith('.groovy') && varFiles.containsKey(f.substring(0, f.length() - 7))) return 'vars/' + f + ':' + e.lineNumber
        }
        return null
    }

    Object mask(Object o) {
        if (secrets.isEmpty()) return o
        if (o instanceof String) {
            String s = (String) o
            List<String> sorted = new ArrayList<String>(secrets)
            Collections.sort(sorted, new Comparator<String>() {
                int compare(String a, String b) { return b.length() - a.length() }
            })
            for (String x : sorted) s = s.replace(x, '****')
            return s
        }
        if (o instanceof Map) {
            Map m = new LinkedHashMap()
            for (Object k : ((Map) o).keySet()) m.put(k, mask(((Map) o).get(k)))
            return m
        }
        if (o instanceof List) {
            List l = new ArrayList()
            for (Object x : (List) o) l.add(mask(x))
            return l
        }
        return o
    }

    // ---- recording ----------------------------------------------------------------------------

    Map record(String step, Map args) {
        Map e = new LinkedHashMap()
        e.stage = stagePath
        e.step = step
        e.args = args
        if (branch != null) e.branch = branch
        steps.add(e)
        return e
    }

    static Object jsonable(Object o) {
        if (o == null || o instanceof String || o instanceof Boolean || o instanceof Number) return o
        if (o instanceof GString || o instanceof Character) return o.toString()
        if (o instanceof Closure) return null
        if (o instanceof PwCred) {
            Map m = new LinkedHashMap()
            m.type = ((PwCred) o).type
            m.putAll((Map) jsonable(((PwCred) o).args))
            return m
        }
        if (o instanceof PwDslCall) {
            PwDslCall c = (PwDslCall) o
            Map m = new LinkedHashMap()
            m.put(c.name, argMap(c.name, c.args))
            return m
        }
        if (o instanceof Map) {
            Map m = new LinkedHashMap()
            for (Object k : ((Map) o).keySet()) {
                Object v = ((Map) o).get(k)
                if (v instanceof Closure) continue
                m.put(String.valueOf(k), jsonable(v))
            }
            return m
        }
        if (o instanceof Collection) {
            List l = new ArrayList()
            for (Object x : (Collection) o) if (!(x instanceof Closure)) l.add(jsonable(x))
            return l
        }
        if (o instanceof Object[]) return jsonable(Arrays.asList((Object[]) o))
        if (o instanceof Enum) return ((Enum) o).name()
        return o.toString()
    }

    static Map argMap(String step, Object[] args) {
        List pos = new ArrayList()
        for (Object a : args) if (!(a instanceof Closure)) pos.add(a)
        String key = DEFAULT_PARAM.get(step) ?: 'value'
        if (pos.isEmpty()) return new LinkedHashMap()
        if (pos.size() == 1 && pos[0] instanceof Map) return (Map) jsonable(pos[0])
        if (pos.size() == 1) {
            Map m = new LinkedHashMap()
            m.put(key, jsonable(pos[0]))
            return m
        }
        if (pos.size() == 2 && pos[0] instanceof Map) {
            Map m = (Map) jsonable(pos[0])
            m.put(key, jsonable(pos[1]))
            return m
        }
        Map m = new LinkedHashMap()
        m.put(key, jsonable(pos))
        return m
    }

    // ---- files --------------------------------------------------------------------------------

    String normalize(String p) {
        String ws = env.lookup('WORKSPACE') ?: '/workspace'
        String s = p
        if (s == ws) s = ''
        else if (s.startsWith(ws + '/')) s = s.substring(ws.length() + 1)
        else if (!s.startsWith('/') && !dirs.isEmpty()) s = dirs.get(dirs.size() - 1) + '/' + s
        List<String> out = new ArrayList<String>()
        for (String part : s.split('/')) {
            if (part == '' || part == '.') continue
            if (part == '..') { if (!out.isEmpty()) out.remove(out.size() - 1); continue }
            out.add(part)
        }
        return (s.startsWith('/') ? '/' : '') + out.join('/')
    }

    void deleteUnder(String prefix) {
        Iterator<String> it = files.iterator()
        while (it.hasNext()) {
            String f = it.next()
            if (prefix == '' || f == prefix || f.startsWith(prefix + '/')) it.remove()
        }
        Iterator<String> ic = contents.keySet().iterator()
        while (ic.hasNext()) {
            String f = ic.next()
            if (prefix == '' || f == prefix || f.startsWith(prefix + '/')) ic.remove()
        }
    }

    // ---- matching -------------------------------------------------------------------------------

    boolean compare(String pattern, String actual, String comparator) {
        if (actual == null) return false
        switch (comparator.toUpperCase()) {
            case 'EQUALS': return pattern == actual
            case 'REGEXP': return actual.matches(pattern)
            case 'GLOB': return antMatch(pattern, actual)
            default: throw new PwUnsupported('comparator ' + comparator)
        }
    }

    /** Ant SelectorUtils.matchPath (what Jenkins' GLOB comparator uses): `*`, `?` in a segment, `**` across segments. */
    static boolean antMatch(String pattern, String str) {
        String p = pattern
        if (p.endsWith('/')) p = p + '**'
        if (p.startsWith('/') != str.startsWith('/')) return false
        return segs(tok(p), 0, tok(str), 0)
    }

    static List<String> tok(String s) {
        List<String> l = new ArrayList<String>()
        for (String x : s.split('/')) if (x != '') l.add(x)
        return l
    }

    static boolean segs(List<String> p, int pi, List<String> s, int si) {
        while (pi < p.size()) {
            if (p.get(pi) == '**') {
                while (pi + 1 < p.size() && p.get(pi + 1) == '**') pi++
                if (pi == p.size() - 1) return true
                for (int k = si; k <= s.size(); k++) if (segs(p, pi + 1, s, k)) return true
                return false
            }
            if (si >= s.size()) return false
            if (!segMatch(p.get(pi), s.get(si))) return false
            pi++
            si++
        }
        return si == s.size()
    }

    static boolean segMatch(String p, String s) {
        StringBuilder re = new StringBuilder()
        StringBuilder lit = new StringBuilder()
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i)
            if (c == ('*' as char) || c == ('?' as char)) {
                if (lit.length() > 0) { re.append(Pattern.quote(lit.toString())); lit.setLength(0) }
                re.append(c == ('*' as char) ? '.*' : '.')
            } else lit.append(c)
        }
        if (lit.length() > 0) re.append(Pattern.quote(lit.toString()))
        return Pattern.compile(re.toString(), Pattern.DOTALL).matcher(s).matches()
    }

    // ---- declarative pipeline -------------------------------------------------------------------

    void collectStages(List<PwStage> list) {
        if (list == null) return
        for (PwStage s : list) {
            allStages.add(s)
            collectStages(s.stages)
            collectStages(s.parallel)
        }
    }

    void runPipeline(Closure body) {
        if (pipelineSeen) throw new PwUnsupported('a second pipeline { } block')
        pipelineSeen = true
        PwPipelineDsl dsl = new PwPipelineDsl(r: this)
        PwDsl.apply(body, dsl)
        if (dsl.stages == null) throw new PwStepError('Missing required section "stages"')
        collectStages(dsl.stages)
        if (dsl.agent == null) throw new PwStepError('Missing required section "agent"')
        for (PwDslCall p : dsl.parameters) {
            Map a = p.args.length > 0 && p.args[0] instanceof Map ? (Map) p.args[0] : [:]
            if (!a.name) continue
            Object dv = a.defaultValue
            if (dv == null && p.name == 'booleanParam') dv = false
            if (dv == null && p.name == 'choice' && a.choices) dv = a.choices instanceof List ? ((List) a.choices)[0] : String.valueOf(a.choices).split('\n')[0]
            if (dv == null) dv = ''
            params.put(String.valueOf(a.name), dv)
        }
        stagePath = ''
        for (PwDslCall o : dsl.options) {
            recordOption(o)
            if (o.name == 'skipDefaultCheckout') skipDefaultCheckout = o.args.length == 0 || truth(o.args[0])
        }
        for (PwDslCall t : dsl.triggers) recordOption(t)
        for (PwDslCall t : dsl.tools) recordOption(t)
        if (dsl.environment != null) {
            record('environment', new LinkedHashMap(dsl.environment))
            env.pwPush(new LinkedHashMap<String, String>(dsl.environment))
        }
        record('agent', new LinkedHashMap(dsl.agent))
        boolean onNode = !dsl.agent.none
        if (onNode) nodeDepth++
        try {
            try {
                if (onNode && !skipDefaultCheckout) implicitCheckout()
                for (PwStage s : dsl.stages) runStage(s)
            } catch (Throwable t) {
                noteError(t)
            }
            runPost(dsl.post, POST_STAGE, null, null)
        } finally {
            if (onNode) nodeDepth--
            if (dsl.environment != null) env.pwPop()
        }
    }

    void recordOption(PwDslCall o) {
        record(o.name, argMap(o.name, o.args))
    }

    void implicitCheckout() {
        record('checkout', [scm: 'scm', implicit: true])
        checkoutScm()
    }

    /** What `checkout scm` does: the scenario's checkout script, run for real when there is a workspace. */
    void checkoutScm() {
        files.addAll(repoFiles)
        if (workspace == null || checkoutScript == null) return
        Map out = runShell(checkoutScript)
        if (out.status != 0) throw new PwStepError('checkout scm failed (exit ' + out.status + '): ' + String.valueOf(out.stderr).trim())
    }

    /** Runs `script` with /bin/sh in the workspace (or the current dir() in it), as a Jenkins agent would. */
    Map runShell(String script) {
        File dir = dirs.isEmpty() ? workspace : new File(workspace, dirs.get(dirs.size() - 1))
        dir.mkdirs()
        ProcessBuilder pb = new ProcessBuilder('/bin/sh', '-c', script)
        pb.directory(dir)
        Map<String, String> e = pb.environment()
        e.clear()
        e.putAll(shellEnv)
        for (Map.Entry<String, String> x : env.getEnvironment().entrySet()) if (x.value != null) e.put(x.key, x.value)
        Process p = pb.start()
        p.outputStream.close()
        StringBuilder out = new StringBuilder()
        StringBuilder err = new StringBuilder()
        p.waitForProcessOutput(out, err)
        return [stdout: out.toString(), stderr: err.toString(), status: p.exitValue()]
    }

    /** cleanWs / deleteDir on a real workspace: its contents go, as on an agent. */
    void deleteReal(String prefix) {
        if (workspace == null) return
        File target = prefix == '' ? workspace : new File(workspace, prefix)
        if (!target.canonicalPath.startsWith(workspace.canonicalPath)) return
        if (target.canonicalPath == workspace.canonicalPath) {
            File[] list = workspace.listFiles()
            for (File f : (list == null ? new File[0] : list)) {
                if (f.isDirectory()) f.deleteDir() else f.delete()
            }
        } else if (target.isDirectory()) target.deleteDir()
        else target.delete()
    }

    void markAll(PwStage s, String status) {
        s.status = status
        if (s.stages != null) for (PwStage c : s.stages) markAll(c, status)
        if (s.parallel != null) for (PwStage c : s.parallel) markAll(c, status)
    }

    String stageResult(PwStage s, Throwable err) {
        String r = result
        if (err != null) r = RESULTS.get(Math.max(rank(r), rank(err instanceof PwAbort ? 'ABORTED' : 'FAILURE')))
        String mark = stageMarks.get(s.path)
        if (mark != null && rank(mark) > rank(r)) r = mark
        return r
    }

    void runStage(PwStage s) {
        String prevPath = stagePath
        int envPushed = 0
        int nodePushed = 0
        stagePath = s.path
        try {
            Throwable err = null
            try {
                if (s.environment != null) { env.pwPush(new LinkedHashMap<String, String>(s.environment)); envPushed++ }
                PwWhenDsl w = s.when
                int phase = w == null ? -1 : (w.pwBeforeOptions ? 0 : (w.pwBeforeInput ? 1 : (w.pwBeforeAgent ? 2 : 3)))
                if (phase == 0 && !w.all()) { markAll(s, 'skipped'); return }
                for (PwDslCall o : s.options) recordOption(o)
                if (phase == 1 && !w.all()) { markAll(s, 'skipped'); return }
                if (s.input != null) { env.pwPush(inputDirective(s.input)); envPushed++ }
                if (phase == 2 && !w.all()) { markAll(s, 'skipped'); return }
                if (s.agent != null) {
                    record('agent', new LinkedHashMap(s.agent))
                    // docker/dockerfile with reuseNode inside a node: the same node and workspace, no new checkout
                    // (docker-workflow's AbstractDockerPipelineScript skips the label script and its checkout).
                    boolean reused = nodeDepth > 0 && reuseNode(s.agent)
                    if (!s.agent.none) {
                        nodeDepth++
                        nodePushed++
                        boolean skipCo = reused || skipDefaultCheckout
                        for (PwDslCall o : s.options) if (o.name == 'skipDefaultCheckout') skipCo = o.args.length == 0 || truth(o.args[0])
                        if (!skipCo) implicitCheckout()
                    }
                }
                if (phase == 3 && !w.all()) { markAll(s, 'skipped'); return }
                if (s.environment != null) record('environment', new LinkedHashMap(s.environment))
                s.status = 'ran'
                if (s.stages != null) {
                    for (PwStage c : s.stages) runStage(c)
                } else if (s.parallel != null) {
                    runParallelStages(s)
                } else {
                    rehydrate(s.steps).call()
                }
            } catch (Throwable t) {
                err = t
                noteError(t)
                s.status = t instanceof PwAbort ? 'aborted' : 'failed'
            }
            Throwable perr = runPost(s.post, s.path, s, err)
            if (err == null && perr != null) { err = perr; s.status = 'failed' }
            if (err == null && s.status == 'ran' && stageMarks.get(s.path) in ['FAILURE', 'ABORTED']) s.status = 'failed'
            if (err != null) throw err
        } finally {
            for (int i = 0; i < envPushed; i++) env.pwPop()
            nodeDepth -= nodePushed
            stagePath = prevPath
        }
    }

    static boolean reuseNode(Map agent) {
        for (String kind : ['docker', 'dockerfile']) {
            Object d = agent.get(kind)
            if (d instanceof Map && ((Map) d).reuseNode) return true
        }
        return false
    }

    void runParallelStages(PwStage s) {
        Throwable first = null
        for (PwStage c : s.parallel) {
            if (first != null && s.failFast) break
            try {
                runStage(c)
            } catch (Throwable t) {
                if (first == null) first = t
            }
        }
        if (first != null) throw first
    }

    Map<String, String> inputDirective(Map input) {
        Map args = (Map) jsonable(input)
        args.executorHeld = nodeDepth > 0
        record('input', args)
        String approver = inputCfg.approver == null ? 'approver' : String.valueOf(inputCfg.approver)
        if (truth(inputCfg.abort)) throw new PwAbort('Rejected by ' + approver)
        Map<String, String> layer = new LinkedHashMap<String, String>()
        if (input.parameters instanceof Map) {
            for (Object v : ((Map) input.parameters).values()) {
                List items = v instanceof PwMulti ? (List) v : [v]
                for (Object item : items) {
                    if (item instanceof Map && ((Map) item).name) {
                        Object dv = ((Map) item).defaultValue
                        layer.put(String.valueOf(((Map) item).name), dv == null ? '' : String.valueOf(dv))
                    }
                }
            }
        }
        if (input.submitterParameter) layer.put(String.valueOf(input.submitterParameter), approver)
        return layer
    }

    static boolean postMatches(String cond, String r) {
        switch (cond) {
            case 'always': return true
            case 'cleanup': return true
            case 'success': return r == 'SUCCESS'
            case 'failure': return r == 'FAILURE'
            case 'unstable': return r == 'UNSTABLE'
            case 'aborted': return r == 'ABORTED'
            case 'notBuilt': return r == 'NOT_BUILT'
            case 'unsuccessful': return r != 'SUCCESS'
            default: return false // changed / fixed / regression: there is no previous build
        }
    }

    /** Runs post conditions in Jenkins' fixed order; returns the first error (every condition still runs). */
    Throwable runPost(Map<String, Closure> blocks, String path, PwStage stage, Throwable stageErr) {
        if (blocks == null || blocks.isEmpty()) return null
        Throwable err = null
        String prev = stagePath
        stagePath = path
        try {
            for (String cond : PwPostDsl.ORDER) {
                Closure c = blocks.get(cond)
                if (c == null) continue
                String r = stage == null ? result : stageResult(stage, stageErr == null ? err : stageErr)
                if (!postMatches(cond, r)) continue
                record('post', [condition: cond])
                try {
                    rehydrate(c).call()
                } catch (Throwable t) {
                    noteError(t)
                    if (err == null) err = t
                }
            }
        } finally {
            stagePath = prev
        }
        return err
    }

    // ---- steps ----------------------------------------------------------------------------------

    Object step(String name, Object[] args) {
        if (varFiles.containsKey(name)) return callVar(name, args)
        if (CRED_TYPES.contains(name)) {
            return new PwCred(type: name, args: args.length > 0 && args[0] instanceof Map ? new LinkedHashMap((Map) args[0]) : [:])
        }
        if (CONSTRUCTORS.contains(name)) return new PwDslCall(name: name, args: args)
        if (name == 'script') {
            if (args.length == 1 && args[0] instanceof Closure) return ((Closure) args[0]).call()
            throw new PwUnsupported('script(...) without a closure')
        }
        Closure body = args.length > 0 && args[args.length - 1] instanceof Closure ? (Closure) args[args.length - 1] : null
        boolean known = GENERIC.contains(name) || SPECIAL.contains(name)
        if (!known) {
            throw new PwStepError("No such DSL method '" + name + "' found among steps (harness stubs) or library vars")
        }
        Map a = argMap(name, args)
        Map entry = record(name, a)
        if (NEEDS_NODE.contains(name) && nodeDepth == 0) {
            throw new PwStepError("Required context class hudson.FilePath is missing: step '" + name +
                "' runs outside any agent (perhaps you forgot to surround the code with a step that provides this, such as: node)")
        }
        switch (name) {
            case 'sh': case 'bat': case 'powershell': case 'pwsh': return sh(a)
            case 'echo': return null
            case 'error': throw new PwStepError(a.message == null ? 'null' : String.valueOf(a.message))
            case 'unstable':
                worsen('UNSTABLE')
                markStage('UNSTABLE')
                return null
            case 'writeFile':
                if (a.file == null) throw new PwStepError('writeFile: missing file')
                String wf = normalize(String.valueOf(a.file))
                files.add(wf)
                contents.put(wf, a.text == null ? '' : String.valueOf(a.text))
                if (workspace != null && !wf.startsWith('/')) {
                    File real = new File(workspace, wf)
                    real.parentFile.mkdirs()
                    real.setText(a.text == null ? '' : String.valueOf(a.text), 'UTF-8')
                }
                return null
            case 'readFile':
                String rf = normalize(String.valueOf(a.file))
                if (contents.containsKey(rf)) return contents.get(rf)
                if (files.contains(rf)) return ''
                throw new PwStepError('java.nio.file.NoSuchFileException: ' + (env.lookup('WORKSPACE') ?: '/workspace') + '/' + rf)
            case 'fileExists':
                String ff = normalize(String.valueOf(a.file))
                if (files.contains(ff)) return true
                for (String f : files) if (f.startsWith(ff + '/')) return true
                return false
            case 'input': return inputStep(a)
            case 'withCredentials': return withCredentials(args, entry, body)
            case 'withEnv': return withEnv(args, body)
            case 'dir':
                dirs.add(normalize(String.valueOf(a.path)))
                try { return body == null ? null : body.call() } finally { dirs.remove(dirs.size() - 1) }
            case 'node':
                nodeDepth++
                try { return body == null ? null : body.call() } finally { nodeDepth-- }
            case 'container': case 'timeout': case 'stage': case 'timestamps':
                return body == null ? null : body.call()
            case 'retry': return retry(a, body)
            case 'sleep':
                // The clock a test sets (a pipewrightClock that adds sleptMillis) moves on by the time slept.
                sleptMillis += java.util.concurrent.TimeUnit.valueOf(String.valueOf(a.unit ?: 'SECONDS')).toMillis(((Number) a.time).longValue())
                return null
            case 'parallel': return parallel(args, entry)
            case 'catchError': return catchError(a, body)
            case 'warnError': return warnError(body)
            case 'waitUntil': return waitUntil(body)
            case 'checkout': case 'git':
                checkoutScm()
                Map co = new LinkedHashMap()
                for (String k : ['GIT_COMMIT', 'GIT_BRANCH', 'GIT_URL']) if (env.lookup(k) != null) co.put(k, env.lookup(k))
                return co
            case 'cleanWs': deleteUnder(''); deleteReal(''); return null
            case 'deleteDir':
                String dd = dirs.isEmpty() ? '' : dirs.get(dirs.size() - 1)
                deleteUnder(dd)
                deleteReal(dd)
                return null
            case 'isUnix': return true
            case 'pwd':
                String ws = env.lookup('WORKSPACE') ?: '/workspace'
                return dirs.isEmpty() ? ws : ws + '/' + dirs.get(dirs.size() - 1)
            case 'tool': return '/opt/tools/' + a.name
            case 'libraryResource': return ''
            default:
                return body == null ? null : body.call()
        }
    }

    static final Set<String> SPECIAL = ['sh', 'bat', 'powershell', 'pwsh', 'echo', 'error', 'unstable', 'writeFile', 'readFile',
        'fileExists', 'input', 'withCredentials', 'withEnv', 'dir', 'node', 'container', 'timeout', 'stage', 'retry', 'sleep',
        'parallel', 'catchError', 'warnError', 'waitUntil', 'checkout', 'git', 'cleanWs', 'deleteDir', 'isUnix', 'pwd',
        'tool', 'libraryResource'] as Set

    void markStage(String r) {
        if (stagePath == '' || stagePath == POST_STAGE) return
        String old = stageMarks.get(stagePath)
        if (old == null || rank(r) > rank(old)) stageMarks.put(stagePath, r)
    }

    Object callVar(String name, Object[] args) {
        record(name, argMap(name, args))
        Script inst = varInstance(name)
        return inst.invokeMethod('call', args)
    }

    Object sh(Map a) {
        if (a.script == null) throw new PwStepError('sh: missing script')
        String text = String.valueOf(a.script)
        String stdout = ''
        int status = 0
        for (Object[] rule : shRules) {
            if (((Pattern) rule[0]).matcher(text).find()) {
                if (rule[3]) {
                    if (workspace == null) throw new PwUnsupported('sh rule with run: true but no shell.workspace')
                    Map out = runShell(text)
                    stdout = (String) out.stdout
                    status = (int) out.status
                    // What the build log would show; the error itself stays Jenkins' own message.
                    if (status != 0 && out.stderr) a.stderr = ((String) out.stderr).trim()
                } else {
                    stdout = (String) rule[1]
                    status = (int) rule[2]
                }
                break
            }
        }
        if (truth(a.returnStatus)) return status
        if (status != 0) throw new PwStepError('script returned exit code ' + status)
        if (truth(a.returnStdout)) return stdout
        return null
    }

    Object inputStep(Map a) {
        a.executorHeld = nodeDepth > 0
        String approver = inputCfg.approver == null ? 'approver' : String.valueOf(inputCfg.approver)
        if (truth(inputCfg.abort)) throw new PwAbort('Rejected by ' + approver)
        if (a.parameters instanceof List && !((List) a.parameters).isEmpty()) {
            Map values = new LinkedHashMap()
            for (Object p : (List) a.parameters) {
                Map pm = p instanceof Map ? (Map) p : [:]
                if (pm.name) values.put(String.valueOf(pm.name), pm.defaultValue == null ? '' : pm.defaultValue)
            }
            if (a.submitterParameter) values.put(String.valueOf(a.submitterParameter), approver)
            return values.size() == 1 ? values.values().iterator().next() : values
        }
        return a.submitterParameter ? approver : null
    }

    Object withCredentials(Object[] args, Map entry, Closure body) {
        List list = args.length > 0 && args[0] instanceof List ? (List) args[0] : []
        List recorded = new ArrayList()
        Map<String, String> layer = new LinkedHashMap<String, String>()
        for (Object b : list) {
            String type
            Map ba
            if (b instanceof PwCred) { type = ((PwCred) b).type; ba = ((PwCred) b).args }
            else if (b instanceof Map) { type = String.valueOf(((Map) b).get('$class')); ba = (Map) b }
            else throw new PwUnsupported('withCredentials binding ' + b)
            Map rec = new LinkedHashMap()
            rec.type = type
            for (Object k : ba.keySet()) if (k != '$class') rec.put(String.valueOf(k), jsonable(ba.get(k)))
            recorded.add(rec)
        }
        entry.args = [bindings: recorded]
        for (Object b : list) {
            String type = b instanceof PwCred ? ((PwCred) b).type : String.valueOf(((Map) b).get('$class'))
            Map ba = b instanceof PwCred ? ((PwCred) b).args : (Map) b
            String id = String.valueOf(ba.credentialsId)
            if (!credentials.containsKey(id)) throw new PwStepError("Could not find credentials entry with ID '" + id + "'")
            Map c = (Map) credentials.get(id)
            switch (type) {
                case 'usernamePassword':
                    bind(layer, ba.usernameVariable, c.username)
                    bind(layer, ba.passwordVariable, c.password)
                    break
                case 'usernameColonPassword':
                    bind(layer, ba.variable, String.valueOf(c.username) + ':' + String.valueOf(c.password))
                    break
                case 'string':
                    bind(layer, ba.variable, c.secret != null ? c.secret : (c.text != null ? c.text : (c.value != null ? c.value : c.password)))
                    break
                case 'file':
                    bind(layer, ba.variable, c.file != null ? c.file : '/tmp/secrets/' + id)
                    break
                case 'gitUsernamePassword':
                    bind(layer, 'GIT_USERNAME', c.username)
                    bind(layer, 'GIT_PASSWORD', c.password)
                    break
                case 'sshUserPrivateKey':
                    bind(layer, ba.keyFileVariable, c.keyFile != null ? c.keyFile : '/tmp/secrets/' + id)
                    bind(layer, ba.usernameVariable, c.username)
                    bind(layer, ba.passphraseVariable, c.passphrase)
                    break
                case 'aws': case 'amazonWebServicesCredentials': case 'AmazonWebServicesCredentialsBinding':
                    bind(layer, ba.accessKeyVariable ?: 'AWS_ACCESS_KEY_ID', c.accessKey != null ? c.accessKey : c.username)
                    bind(layer, ba.secretKeyVariable ?: 'AWS_SECRET_ACCESS_KEY', c.secretKey != null ? c.secretKey : c.password)
                    break
                default:
                    throw new PwUnsupported('credentials binding ' + type)
            }
        }
        env.pwPush(layer)
        try {
            return body == null ? null : body.call()
        } finally {
            env.pwPop()
        }
    }

    void bind(Map<String, String> layer, Object variable, Object value) {
        if (variable == null) return
        String v = value == null ? null : String.valueOf(value)
        layer.put(String.valueOf(variable), v)
        if (v != null && v.length() >= 3) secrets.add(v)
    }

    Object withEnv(Object[] args, Closure body) {
        List list = args.length > 0 && args[0] instanceof List ? (List) args[0] : []
        Map<String, String> layer = new LinkedHashMap<String, String>()
        for (Object o : list) {
            String s = String.valueOf(o)
            int i = s.indexOf('=')
            if (i < 0) throw new PwStepError('withEnv: expected KEY=value, got ' + s)
            layer.put(s.substring(0, i), s.substring(i + 1))
        }
        env.pwPush(layer)
        try {
            return body == null ? null : body.call()
        } finally {
            env.pwPop()
        }
    }

    Object retry(Map a, Closure body) {
        int n = a.count == null ? 1 : (a.count as int)
        Throwable last = null
        for (int i = 0; i < Math.max(n, 1); i++) {
            try {
                return body == null ? null : body.call()
            } catch (PwAbort ab) {
                throw ab
            } catch (Throwable t) {
                last = t
            }
        }
        throw last
    }

    Object parallel(Object[] args, Map entry) {
        Map branches = args.length == 1 && args[0] instanceof Map ? (Map) args[0] : null
        if (branches == null) throw new PwUnsupported('parallel(...) without a map of closures')
        boolean failFast = truth(branches.failFast)
        List<String> names = new ArrayList<String>()
        for (Object k : branches.keySet()) if (k != 'failFast') names.add(String.valueOf(k))
        Map ra = new LinkedHashMap()
        ra.branches = names
        if (branches.containsKey('failFast')) ra.failFast = failFast
        entry.args = ra
        Throwable first = null
        String prev = branch
        for (String n : names) {
            if (first != null && failFast) break
            Object c = branches.get(n)
            if (!(c instanceof Closure)) throw new PwUnsupported('parallel branch ' + n + ' is not a closure')
            branch = prev == null ? n : prev + '/' + n
            try {
                ((Closure) c).call()
            } catch (Throwable t) {
                if (first == null) first = t
            } finally {
                branch = prev
            }
        }
        if (first != null) throw first
        return null
    }

    Object catchError(Map a, Closure body) {
        try {
            return body == null ? null : body.call()
        } catch (PwAbort ab) {
            throw ab
        } catch (Throwable t) {
            worsen(a.buildResult == null ? 'FAILURE' : String.valueOf(a.buildResult))
            markStage(a.stageResult == null ? 'SUCCESS' : String.valueOf(a.stageResult))
            return null
        }
    }

    Object warnError(Closure body) {
        try {
            return body == null ? null : body.call()
        } catch (PwAbort ab) {
            throw ab
        } catch (Throwable t) {
            worsen('UNSTABLE')
            markStage('UNSTABLE')
            return null
        }
    }

    Object waitUntil(Closure body) {
        for (int i = 0; i < 10; i++) if (body != null && truth(body.call())) return null
        throw new PwStepError('harness: waitUntil condition never became true (10 attempts)')
    }
}

/**
 * Inside a closure, `sleep 5` would resolve to DefaultGroovyMethods.sleep on the closure object
 * (a real 5 ms sleep) instead of the step; Jenkins' CPS makes it the step. Compile it as
 * `this.sleep 5`, i.e. the script's sleep.
 */
class PwSleepRewrite extends CompilationCustomizer {
    PwSleepRewrite() { super(CompilePhase.CONVERSION) }

    void call(SourceUnit source, GeneratorContext context, ClassNode classNode) {
        new ClassCodeVisitorSupport() {
            protected SourceUnit getSourceUnit() { return source }

            void visitMethodCallExpression(MethodCallExpression call) {
                if (call.isImplicitThis() && call.methodAsString == 'sleep') call.implicitThis = false
                super.visitMethodCallExpression(call)
            }
        }.visitClass(classNode)
    }
}

/**
 * Compiles Jenkinsfiles and vars once per JVM (keyed by unit name and text: the same vars in another
 * directory compile to the same classes); every scenario gets fresh instances.
 */
class PwHarness {
    final CompilerConfiguration cfg
    final GroovyClassLoader gcl
    final Map<String, Class> cache = new HashMap<String, Class>()

    PwHarness() {
        cfg = new CompilerConfiguration()
        cfg.scriptBaseClass = PwScript.name
        cfg.sourceEncoding = 'UTF-8'
        cfg.addCompilationCustomizers(new PwSleepRewrite())
        gcl = new GroovyClassLoader(PwScript.classLoader, cfg)
    }

    Class compile(File f, String unitName) {
        if (!f.isFile()) throw new PwStepError('harness: file not found: ' + f)
        String text = f.getText('UTF-8')
        String key = unitName + '\u0000' + text
        Class hit = cache.get(key)
        if (hit != null) return hit
        Class c = gcl.parseClass(new GroovyCodeSource(text, unitName, '/groovy/shell'), false)
        cache.put(key, c)
        return c
    }

    Map run(Map scenario) {
        return new PwRunner(this, scenario).run()
    }
}

// ---------------------------------------------------------------------------------------------

/** The harness's entry point: also called by harness/Worker.groovy, so it never exits. */
class PwMain {
    /** Compiled Jenkinsfiles and vars, reused across calls in one JVM (keyed by text); replaced when it grows. */
    private static PwHarness shared
    /** Compiled units kept before the cache starts over with a fresh class loader (memory stays bounded). */
    static final int MAX_CACHED = 400

    /**
     * `args`: [scenarios.json] or ["-"] to take the scenarios from `input`. Writes the JSON results to
     * `out` and returns the exit code: 0, or 2 for a usage error (reported on System.err).
     */
    static int main(List<String> args, String input, Writer out) {
        if (args.size() != 1) {
            System.err.println('usage: groovy PipelineHarness.groovy <scenarios.json | ->')
            return 2
        }
        String json = args[0] == '-' ? input : new File(args[0]).getText('UTF-8')
        Object parsed = new JsonSlurper().parseText(json)
        if (!(parsed instanceof List)) {
            System.err.println('harness: expected a JSON array of scenarios')
            return 2
        }
        if (shared == null || shared.cache.size() > MAX_CACHED) shared = new PwHarness()
        List results = new ArrayList()
        for (Object sc : (List) parsed) results.add(shared.run((Map) sc))
        out.write(JsonOutput.toJson(results))
        out.flush()
        return 0
    }
}

// ---------------------------------------------------------------------------------------------

Writer stdout = new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), 'UTF-8')
System.setOut(System.err) // nothing a pipeline prints may corrupt the JSON on stdout
String stdin = args.length == 1 && args[0] == '-' ? System.in.getText('UTF-8') : ''
int code = PwMain.main(Arrays.asList(args), stdin, stdout)
if (code != 0) System.exit(code)
