// pipewright Job DSL harness: runs Job DSL scripts (what the seed job runs) against a recording DSL,
// all in one JVM, in the order given.
//
//   groovy harness/JobDslHarness.groovy file1.groovy file2.groovy …
//
// Every method call becomes a node {"name": "multibranchPipelineJob", "args": ["payments/shop"],
// "children": [ … ]}: a trailing closure argument runs with a fresh recording delegate
// (DELEGATE_FIRST) whose calls become the children; the other arguments are recorded as JSON values.
// The top-level calls of a script are its roots; only the methods Jenkins' Job DSL accepts there
// (JdRecord.TOP_LEVEL) are allowed. Prints {"scripts": [{"file", "items"} | {"file", "error", "line"}]}
// on stdout and exits 1 when any script failed to compile or threw, else 0. The contract is
// documented in src/jobdsl.ts.
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

    /** Records `name(args)` into `into`; runs a trailing closure against a fresh recorder. */
    static Object call(List<JdNode> into, String name, Object[] args) {
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
            Closure c = (Closure) body.clone()
            c.delegate = new JdRecorder(node.children)
            c.resolveStrategy = Closure.DELEGATE_FIRST
            c.call()
        }
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

    JdRecorder(List<JdNode> children) { this.@pwChildren = children }

    Object invokeMethod(String name, Object args) {
        Object[] a = args instanceof Object[] ? (Object[]) args : ([args] as Object[])
        if (name == 'println' || name == 'print' || name == 'printf') {
            System.err.println(a.length == 0 ? '' : String.valueOf(a[0]))
            return null
        }
        return JdRecord.call(this.@pwChildren, name, a)
    }
}

/** Base class of every executed Job DSL script: its top-level calls are the roots. */
abstract class JdScript extends Script {
    List<JdNode> pwRoots = new ArrayList<JdNode>()

    Object methodMissing(String name, Object args) {
        if (!JdRecord.TOP_LEVEL.contains(name)) throw new JdError('unknown top-level Job DSL method ' + name)
        return JdRecord.call(this.@pwRoots, name, (Object[]) args)
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

List<String> files = new ArrayList<String>(Arrays.asList(args))
Writer realOut = new BufferedWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), 'UTF-8'), 1 << 16)
System.setOut(System.err) // nothing a script prints may corrupt the JSON on stdout
JdHarness harness = new JdHarness()
JdJson json = new JdJson(realOut)
boolean bad = false
// Streamed script by script, so a big run never holds more than one script's tree.
realOut.write('{"scripts":[')
for (int i = 0; i < files.size(); i++) {
    Map r = harness.run(files.get(i))
    if (r.containsKey('error')) bad = true
    if (i > 0) realOut.write(',')
    json.write(r)
}
realOut.write(']}')
realOut.flush()
System.exit(bad ? 1 : 0)
