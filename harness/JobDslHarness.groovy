// pipewright Job DSL harness: runs Job DSL scripts (what the seed job runs) against a recording DSL,
// all in one JVM, in the order given.
//
//   groovy harness/JobDslHarness.groovy file1.groovy file2.groovy …
//   (or served by harness/Worker.groovy, which calls JdMain.main)
//
// Every method call becomes a node {"name": "multibranchPipelineJob", "args": ["payments/shop"],
// "children": [ … ]}: a trailing closure argument runs with a fresh recording delegate
// (DELEGATE_FIRST) whose calls become the children; the other arguments are recorded as JSON values.
// The top-level calls of a script are its roots; only the methods Jenkins' Job DSL accepts there
// (JdRecord.TOP_LEVEL) are allowed. Inside the dynamic (describable) blocks pipewright generates, a
// `github`/`git` branch source under `source`, its `traits` and the `jobDsl` build step, calls are
// checked against the plugins' data-bound parameters as Job DSL checks them (JdCheck.SPECS): an
// unknown trait or option, a value of the wrong type or enum, a missing constructor parameter, and
// discovery strategy ids other than the plugins' 1, 2 and 3 fail the script. Prints {"scripts": [{"file", "items"} | {"file", "error", "line"}]}
// on stdout and exits 1 when any script failed to compile or threw, else 0. The contract is
// documented in test/jobdsl.ts.
//
// Every script is really compiled and executed by Groovy 2.4, as the seed job's Job DSL would:
// about 10 ms per generated job (each closure is a class), so keep test catalogs small.
//
// This file must run on Groovy 2.4 (what Jenkins runs): no lambdas, no `!in`, no `?=`, no `var`.
import groovy.transform.CompileStatic
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.MultipleCompilationErrorsException
import org.codehaus.groovy.control.messages.ExceptionMessage
import org.codehaus.groovy.control.messages.Message
import org.codehaus.groovy.control.messages.SyntaxErrorMessage

/** A script failed: the message is reported as is. */
@CompileStatic
class JdError extends RuntimeException {
    JdError(String m) { super(m) }
}

/** One recorded call. */
@CompileStatic
class JdNode {
    final String name
    final List args
    final List<JdNode> children = new ArrayList<JdNode>()

    JdNode(String name, List args) {
        this.name = name
        this.args = args
    }
}

@CompileStatic
class JdRecord {
    static final Set<String> TOP_LEVEL = new HashSet<String>(Arrays.asList(
            'folder', 'multibranchPipelineJob', 'job', 'pipelineJob', 'listView', 'organizationFolder'))

    /**
     * Records `name(args)` into `into`; runs a trailing closure against a fresh recorder. `check` is
     * the enclosing block's checker (null: a block Job DSL does not check dynamically), `path` the
     * names of the enclosing blocks.
     */
    static Object call(List<JdNode> into, String name, Object[] args, JdCheck check, List<String> path) {
        JdCheck inner = check != null ? check.enter(name, args) : JdCheck.start(path, name)
        int n = args.length
        Closure body = null
        if (n > 0 && args[n - 1] instanceof Closure) {
            body = (Closure) args[n - 1]
            n--
        }
        List values = new ArrayList(n)
        for (int i = 0; i < n; i++) values.add(value(args[i]))
        JdNode node = new JdNode(name, values)
        into.add(node)
        if (body != null) {
            List<String> innerPath = new ArrayList<String>(path)
            innerPath.add(name)
            Closure c = (Closure) body.clone()
            c.delegate = new JdRecorder(node.children, inner, innerPath)
            c.resolveStrategy = Closure.DELEGATE_FIRST
            c.call()
        }
        if (inner != null) inner.finish()
        return null
    }

    /** A JSON value: strings (GStrings too), numbers, booleans, null, lists and maps of those. */
    static Object value(Object v) {
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Number) return v
        if (v instanceof Closure) return '<closure>'
        if (v instanceof Map) {
            Map out = new LinkedHashMap()
            for (Object o : ((Map) v).entrySet()) {
                Map.Entry e = (Map.Entry) o
                out.put(String.valueOf(e.key), value(e.value))
            }
            return out
        }
        if (v instanceof Collection || v instanceof Object[]) {
            List out = new ArrayList()
            for (Object x : (v instanceof Collection ? (Collection) v : Arrays.asList((Object[]) v))) out.add(value(x))
            return out
        }
        return v.toString()
    }
}

/**
 * The delegate of every DSL block: its calls are child nodes. GroovyInterceptable, so names that
 * DefaultGroovyMethods also has (`with`, `find`, `split` …) are recorded too; only the closure's
 * own methods (`call`, `run`, `equals`, `getClass` …) resolve first. `println` & co. go to stderr.
 */
class JdRecorder implements GroovyInterceptable {
    private final List<JdNode> pwChildren
    private final JdCheck pwCheck
    private final List<String> pwPath

    JdRecorder(List<JdNode> children, JdCheck check, List<String> path) {
        this.@pwChildren = children
        this.@pwCheck = check
        this.@pwPath = path
    }

    Object invokeMethod(String name, Object args) {
        Object[] a = args instanceof Object[] ? (Object[]) args : ([args] as Object[])
        if (name == 'println' || name == 'print' || name == 'printf') {
            System.err.println(a.length == 0 ? '' : String.valueOf(a[0]))
            return null
        }
        return JdRecord.call(this.@pwChildren, name, a, this.@pwCheck, this.@pwPath)
    }
}

/**
 * What Job DSL checks in a dynamic block: the block of one Describable (DescribableContext: each
 * call sets one data-bound parameter; every @DataBoundConstructor parameter must be set) or of a
 * list of them (DescribableListContext: each call names one, by its @Symbol or class name).
 * Modelled only for what pipewright generates (SPECS), from the plugins' sources:
 * github-branch-source (GitHubSCMSource, BranchDiscoveryTrait, OriginPullRequestDiscoveryTrait,
 * ForkPullRequestDiscoveryTrait), git (GitSCMSource, the git traits, CloneOptionTrait, CloneOption),
 * scm-api (WildcardSCMHeadFilterTrait) and job-dsl (ExecuteDslScripts, the `jobDsl` step).
 */
@CompileStatic
abstract class JdCheck {
    /**
     * Parameter types: boolean, int, Integer (null allowed), String (null allowed), map,
     * enum:A|B (the enum's names), int:1|2|3 (pipewright's check: the plugins take any int and
     * treat unknown strategy ids as their default), object:<spec>, list:<list>. A leading * marks a
     * @DataBoundConstructor parameter, which Job DSL requires.
     */
    static final Map SPECS = [
        // org.jenkinsci.plugins.github_branch_source.GitHubSCMSource, @Symbol github
        'github': [id: 'String', repoOwner: '*String', repository: '*String', repositoryUrl: '*String',
                   configuredByUrl: '*boolean', credentialsId: 'String', apiUri: 'String', traits: 'list:github-traits'],
        // jenkins.plugins.git.GitSCMSource, @Symbol git
        'git': [id: 'String', remote: '*String', credentialsId: 'String', gitTool: 'String', traits: 'list:git-traits'],
        // BranchDiscoveryTrait: 1 branches not filed as PRs, 2 only those filed as PRs, 3 all branches
        'gitHubBranchDiscovery': [strategyId: '*int:1|2|3'],
        // OriginPullRequestDiscoveryTrait and ForkPullRequestDiscoveryTrait: 1 merge, 2 head, 3 both
        'gitHubPullRequestDiscovery': [strategyId: '*int:1|2|3'],
        'gitHubForkDiscovery': [strategyId: '*int:1|2|3', trust: '*object:list:github-trust'],
        'gitHubTagDiscovery': [:],
        'gitHubTrustNobody': [:], 'gitHubTrustContributors': [:], 'gitHubTrustPermissions': [:], 'gitHubTrustEveryone': [:],
        'gitBranchDiscovery': [:],
        'gitTagDiscovery': [:],
        'headWildcardFilter': [includes: '*String', excludes: '*String'],
        // jenkins.plugins.git.traits.CloneOptionTrait(CloneOption extension)
        'cloneOptionTrait': [extension: '*object:cloneOption'],
        // hudson.plugins.git.extensions.impl.CloneOption(shallow, noTags, reference, timeout) + setters
        'cloneOption': [shallow: '*boolean', noTags: '*boolean', reference: '*String', timeout: '*Integer',
                        depth: 'Integer', honorRefspec: 'boolean'],
        // javaposse.jobdsl.plugin.ExecuteDslScripts, @Symbol jobDsl: a no-argument constructor, setters only
        'jobDsl': [targets: 'String', scriptText: 'String', useScriptText: 'Boolean', sandbox: 'boolean',
                   ignoreMissingFiles: 'boolean', ignoreExisting: 'boolean', failOnMissingPlugin: 'boolean',
                   failOnSeedCollision: 'boolean', unstableOnDeprecation: 'boolean',
                   removedJobAction: 'enum:IGNORE|DISABLE|DELETE', removedViewAction: 'enum:IGNORE|DELETE',
                   removedConfigFilesAction: 'enum:IGNORE|DELETE', lookupStrategy: 'enum:JENKINS_ROOT|SEED_JOB',
                   additionalClasspath: 'String', additionalParameters: 'map'],
    ]

    /**
     * The names a list block accepts, each with its spec. A trait the source's context does not
     * take (a git trait on the github source) is left out: Jenkins would drop it without a word.
     */
    static final Map LISTS = [
        'github-traits': ['gitHubBranchDiscovery': 'gitHubBranchDiscovery', 'gitHubPullRequestDiscovery': 'gitHubPullRequestDiscovery',
                          'gitHubForkDiscovery': 'gitHubForkDiscovery', 'gitHubTagDiscovery': 'gitHubTagDiscovery',
                          'headWildcardFilter': 'headWildcardFilter', 'cloneOption': 'cloneOptionTrait', 'cloneOptionTrait': 'cloneOptionTrait'],
        'git-traits': ['gitBranchDiscovery': 'gitBranchDiscovery', 'gitTagDiscovery': 'gitTagDiscovery',
                       'headWildcardFilter': 'headWildcardFilter', 'cloneOption': 'cloneOptionTrait', 'cloneOptionTrait': 'cloneOptionTrait'],
        'github-trust': ['gitHubTrustNobody': 'gitHubTrustNobody', 'gitHubTrustContributors': 'gitHubTrustContributors',
                         'gitHubTrustPermissions': 'gitHubTrustPermissions', 'gitHubTrustEveryone': 'gitHubTrustEveryone'],
    ]

    /** The checker of a block that starts a dynamic context, or null. */
    static JdCheck start(List<String> path, String name) {
        String parent = path.isEmpty() ? '' : path.get(path.size() - 1)
        if (parent == 'source' && (name == 'github' || name == 'git')) return new JdDescribable(name, name)
        if (parent == 'steps' && name == 'jobDsl') return new JdDescribable(name, name)
        return null
    }

    /** Checks the call `name(args)` made in this block; returns the checker of its own block (or null). */
    abstract JdCheck enter(String name, Object[] args)

    /** Called when the block has run. */
    void finish() {}

    static String describe(Object[] args) {
        List<String> parts = new ArrayList<String>()
        for (Object a : args) parts.add(a instanceof Closure ? '<closure>' : a instanceof CharSequence ? "'" + a + "'" : String.valueOf(a))
        return '(' + parts.join(', ') + ')'
    }
}

/** A list block (traits { … }): each call names one element; it takes no argument or one closure. */
@CompileStatic
class JdList extends JdCheck {
    final String list

    JdList(String list) { this.list = list }

    JdCheck enter(String name, Object[] args) {
        Map<String, String> names = (Map<String, String>) LISTS.get(list)
        boolean closureOnly = args.length == 0 || (args.length == 1 && args[0] instanceof Closure)
        if (!names.containsKey(name) || !closureOnly) {
            String where = list.endsWith('-traits') ? 'the traits of a ' + list.substring(0, list.length() - 7) + ' branch source' : list
            throw new JdError('No signature of method: ' + name + describe(args) + ' in ' + where +
                    ' (known: ' + names.keySet().join(', ') + ')')
        }
        return new JdDescribable(name, names.get(name))
    }
}

/** The block of one Describable: each call sets one parameter, once, to a value of its type. */
@CompileStatic
class JdDescribable extends JdCheck {
    final String title
    final Map<String, String> params
    final Set<String> seen = new LinkedHashSet<String>()

    JdDescribable(String title, String spec) {
        this.title = title
        this.params = (Map<String, String>) SPECS.get(spec)
        if (params == null) throw new IllegalStateException('no spec ' + spec)
    }

    JdCheck enter(String name, Object[] args) {
        String type = params.get(name)
        if (type == null) {
            throw new JdError('No signature of method: ' + name + describe(args) + ' in ' + title +
                    '; possible solutions: ' + (params.isEmpty() ? 'none (it takes no options)' : params.keySet().collect { String p -> p + '()' }.join(', ')))
        }
        if (type.startsWith('*')) type = type.substring(1)
        if (args.length != 1) throw new JdError(title + ': ' + name + describe(args) + ' takes exactly one value')
        Object v = args[0]
        seen.add(name)
        if (type.startsWith('object:')) {
            if (!(v instanceof Closure)) throw new JdError(title + ': ' + name + '() takes a block { … }, got ' + describe(args))
            String inner = type.substring(7)
            return inner.startsWith('list:') ? (JdCheck) new JdOne(name, inner.substring(5)) : new JdDescribable(title + ' ' + name, inner)
        }
        if (type.startsWith('list:')) {
            if (!(v instanceof Closure)) throw new JdError(title + ': ' + name + '() takes a block { … }, got ' + describe(args))
            return new JdList(type.substring(5))
        }
        String bad = wrongValue(type, v)
        if (bad != null) throw new JdError(title + ': ' + name + describe(args) + ' ' + bad)
        return null
    }

    void finish() {
        List<String> missing = new ArrayList<String>()
        for (Map.Entry<String, String> e : params.entrySet()) {
            if (e.value.startsWith('*') && !seen.contains(e.key)) missing.add(e.key)
        }
        if (!missing.isEmpty()) {
            throw new JdError(title + ': the following options are required and must be specified: ' + missing.join(', '))
        }
    }

    /** Why `v` is not a value of `type`, or null when it is. */
    static String wrongValue(String type, Object v) {
        if (type == 'boolean') return v instanceof Boolean ? null : 'takes true or false'
        if (type == 'Boolean') return v == null || v instanceof Boolean ? null : 'takes true, false or null'
        if (type == 'String') return v == null || v instanceof CharSequence ? null : 'takes a string'
        if (type == 'Integer') return v == null || v instanceof Integer ? null : 'takes a whole number or null'
        if (type == 'map') return v instanceof Map ? null : 'takes a map'
        if (type.startsWith('int')) {
            if (!(v instanceof Integer)) return 'takes a whole number'
            if (type.startsWith('int:') && !Arrays.asList(type.substring(4).split('\\|')).contains(String.valueOf(v))) {
                return 'is not one of ' + type.substring(4).split('\\|').join(', ')
            }
            return null
        }
        if (type.startsWith('enum:')) {
            List<String> names = Arrays.asList(type.substring(5).split('\\|'))
            return v instanceof CharSequence && names.contains(v.toString()) ? null :
                    "is an invalid enum value, must be one of '" + names.join("', '") + "'"
        }
        throw new IllegalStateException('unknown type ' + type)
    }
}

/** A block that names exactly one Describable of a list (a heterogeneous parameter, e.g. trust { … }). */
@CompileStatic
class JdOne extends JdList {
    final String param
    int count = 0

    JdOne(String param, String list) {
        super(list)
        this.param = param
    }

    JdCheck enter(String name, Object[] args) {
        count++
        return super.enter(name, args)
    }

    void finish() {
        if (count != 1) throw new JdError(param + ' { … } names exactly one of: ' + ((Map) LISTS.get(list)).keySet().join(', '))
    }
}

/** Base class of every executed Job DSL script: its top-level calls are the roots. */
abstract class JdScript extends Script {
    List<JdNode> pwRoots = new ArrayList<JdNode>()

    Object methodMissing(String name, Object args) {
        if (!JdRecord.TOP_LEVEL.contains(name)) throw new JdError('unknown top-level Job DSL method ' + name)
        return JdRecord.call(this.@pwRoots, name, (Object[]) args, null, Collections.<String>emptyList())
    }
}

/** Streams the result as JSON; everything outside printable ASCII is escaped. */
@CompileStatic
class JdJson {
    private final Writer w
    private final StringBuilder sb = new StringBuilder(1 << 17)

    JdJson(Writer w) { this.w = w }

    /** Writes `v` (a JdNode, map, list, string, number, boolean or null). */
    void write(Object v) {
        value(v)
        w.write(sb.toString())
        sb.setLength(0)
    }

    private void value(Object v) {
        if (sb.length() > (1 << 16)) {
            w.write(sb.toString())
            sb.setLength(0)
        }
        if (v == null) sb.append('null')
        else if (v instanceof String) string((String) v)
        else if (v instanceof JdNode) {
            JdNode n = (JdNode) v
            sb.append('{"name":')
            string(n.name)
            sb.append(',"args":')
            value(n.args)
            sb.append(',"children":')
            value(n.children)
            sb.append('}')
        } else if (v instanceof Boolean) sb.append(v.toString())
        else if (v instanceof Number) {
            double d = ((Number) v).doubleValue()
            if (Double.isNaN(d) || Double.isInfinite(d)) string(v.toString())
            else sb.append(v.toString())
        } else if (v instanceof Map) {
            sb.append('{')
            boolean first = true
            for (Object o : ((Map) v).entrySet()) {
                Map.Entry e = (Map.Entry) o
                if (!first) sb.append(',')
                first = false
                string(String.valueOf(e.key))
                sb.append(':')
                value(e.value)
            }
            sb.append('}')
        } else if (v instanceof List) {
            sb.append('[')
            boolean first = true
            for (Object x : (List) v) {
                if (!first) sb.append(',')
                first = false
                value(x)
            }
            sb.append(']')
        } else string(v.toString())
    }

    private void string(String s) {
        sb.append('"')
        int n = s.length()
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i)
            if (c == '"'.charAt(0) || c == '\\'.charAt(0)) sb.append('\\').append(c)
            else if (c >= 32 && c < 127) sb.append(c)
            else {
                String h = Integer.toHexString((int) c)
                sb.append('\\u')
                for (int k = h.length(); k < 4; k++) sb.append('0')
                sb.append(h)
            }
        }
        sb.append('"')
    }
}

class JdHarness {
    final GroovyClassLoader gcl

    JdHarness() {
        CompilerConfiguration cfg = new CompilerConfiguration()
        cfg.scriptBaseClass = JdScript.name
        cfg.sourceEncoding = 'UTF-8'
        gcl = new GroovyClassLoader(JdScript.classLoader, cfg)
    }

    Map run(String path) {
        Map out = new LinkedHashMap()
        out.put('file', path)
        File f = new File(path)
        if (!f.isFile()) {
            out.put('error', 'file not found')
            out.put('line', 0)
            return out
        }
        String text = f.getText('UTF-8')
        // The class is named after the file, as in the seed job: errors say "for class: payments".
        String base = f.name.endsWith('.groovy') ? f.name.substring(0, f.name.length() - 7) : f.name
        String unit = base.replaceAll('[^A-Za-z0-9_]', '_').replaceAll('^(?=[0-9]|$)', '_') + '.groovy'
        JdScript script
        try {
            Class c = gcl.parseClass(new GroovyCodeSource(text, unit, '/groovy/shell'), false)
            script = (JdScript) c.newInstance()
        } catch (MultipleCompilationErrorsException e) {
            compileError(out, e)
            return out
        }
        script.setBinding(new Binding())
        try {
            script.run()
        } catch (Throwable t) {
            out.put('error', t instanceof JdError ? t.message : t.toString())
            out.put('line', line(t, unit))
            return out
        }
        out.put('items', script.pwRoots)
        return out
    }

    static void compileError(Map out, MultipleCompilationErrorsException e) {
        List<Message> msgs = e.errorCollector.errors
        Message m = msgs == null || msgs.isEmpty() ? null : msgs.get(0)
        if (m instanceof SyntaxErrorMessage) {
            out.put('error', ((SyntaxErrorMessage) m).cause.originalMessage)
            out.put('line', ((SyntaxErrorMessage) m).cause.line)
        } else if (m instanceof ExceptionMessage) {
            out.put('error', ((ExceptionMessage) m).cause.toString())
            out.put('line', 0)
        } else {
            out.put('error', e.message.trim())
            out.put('line', 0)
        }
    }

    /** The innermost frame in the script itself (its closures included). */
    static int line(Throwable t, String unit) {
        for (Throwable x = t; x != null; x = x.cause) {
            for (StackTraceElement e : x.stackTrace) {
                if (e.fileName == unit && e.lineNumber > 0) return e.lineNumber
            }
        }
        return 0
    }
}

/** The harness's entry point: also called by harness/Worker.groovy, so it never exits and keeps no state between calls. */
class JdMain {
    /** Runs the scripts `args` in order, streams the JSON result to `out` and returns the exit code (1: some script failed). */
    static int main(List<String> args, String input, Writer out) {
        JdHarness harness = new JdHarness()
        JdJson json = new JdJson(out)
        boolean bad = false
        // Streamed script by script, so a big run never holds more than one script's tree.
        out.write('{"scripts":[')
        for (int i = 0; i < args.size(); i++) {
            Map r = harness.run(args.get(i))
            if (r.containsKey('error')) bad = true
            if (i > 0) out.write(',')
            json.write(r)
        }
        out.write(']}')
        out.flush()
        return bad ? 1 : 0
    }
}

Writer realOut = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), 'UTF-8'), 1 << 16)
System.setOut(System.err) // nothing a script prints may corrupt the JSON on stdout
System.exit(JdMain.main(Arrays.asList(args), '', realOut))
