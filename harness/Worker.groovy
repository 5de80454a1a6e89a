// pipewright harness worker: one JVM that serves the harness scripts of this directory, so a process
// that runs many harness calls (a test file, a CLI run) starts Groovy and compiles each script once.
//
//   groovy harness/Worker.groovy <harness directory>
//
// stdin: one JSON request per line   {"id": 1, "script": "PipelineHarness.groovy", "args": ["-"], "input": "…"}
// stdout: one JSON answer per line   {"id": 1, "code": 0, "stdout": "…", "stderr": "…"}
// Requests are served one at a time, in order. `stdout` is what `groovy <script> <args>` would print on
// stdout with `input` on stdin, `code` its exit code and `stderr` what it printed elsewhere (System.out
// and System.err of the request; an uncaught exception as "Caught: …" and its stack trace, as groovy
// prints it). That output is also copied to the worker's own stderr, so a request that hangs or kills
// the JVM can still be diagnosed. The worker ends at the end of stdin, and after answering a request
// that threw a java.lang.Error (out of memory, …): its state is not to be trusted any more.
//
// Each script's entry point is a static `int main(List<String> args, String input, Writer out)` on a
// class of that script (MAINS below), which never calls System.exit. This file must run on Groovy 2.4.
import groovy.json.JsonOutput
import groovy.json.JsonSlurper
import java.lang.reflect.InvocationTargetException
import java.lang.reflect.Method

/** Writes to a buffer and to a second stream. */
class WkTee extends OutputStream {
    final ByteArrayOutputStream buf = new ByteArrayOutputStream()
    final OutputStream copy

    WkTee(OutputStream copy) { this.copy = copy }

    void write(int b) {
        buf.write(b)
        copy.write(b)
    }

    void write(byte[] b, int off, int len) {
        buf.write(b, off, len)
        copy.write(b, off, len)
    }

    void flush() { copy.flush() }
}

class WkWorker {
    /** Script file → the class holding its static main. */
    static final Map<String, String> MAINS = ['PipelineHarness.groovy': 'PwMain', 'ParseCheck.groovy': 'PcMain', 'JobDslHarness.groovy': 'JdMain']

    final File dir
    final PrintStream err
    final Map<String, Method> mains = new HashMap<String, Method>()

    WkWorker(File dir, PrintStream err) {
        this.dir = dir
        this.err = err
    }

    /** Compiles the script once (its classes, not its top-level code, which is the standalone path). */
    Method main(String script) {
        Method m = mains.get(script)
        if (m != null) return m
        String cls = MAINS.get(script)
        if (cls == null) throw new IllegalArgumentException('worker: unknown harness script ' + script)
        GroovyClassLoader gcl = new GroovyClassLoader(WkWorker.classLoader)
        gcl.parseClass(new File(dir, script))
        m = gcl.loadClass(cls).getMethod('main', List, String, Writer)
        mains.put(script, m)
        return m
    }

    /** Serves one request; returns the answer, and whether the worker must stop after it. */
    Object[] serve(Map req) {
        WkTee tee = new WkTee(err)
        PrintStream capture = new PrintStream(tee, true, 'UTF-8')
        StringWriter out = new StringWriter()
        int code
        boolean fatal = false
        System.setOut(capture)
        System.setErr(capture)
        try {
            List<String> args = new ArrayList<String>()
            for (Object a : (List) req.args) args.add(String.valueOf(a))
            code = (int) main(String.valueOf(req.script)).invoke(null, args, req.input == null ? '' : String.valueOf(req.input), out)
        } catch (Throwable t) {
            Throwable cause = t instanceof InvocationTargetException && t.cause != null ? t.cause : t
            capture.println('Caught: ' + cause)
            cause.printStackTrace(capture)
            code = 1
            fatal = cause instanceof Error
        } finally {
            capture.flush()
            System.setOut(err)
            System.setErr(err)
        }
        Map answer = [id: req.id, code: code, stdout: out.toString(), stderr: new String(tee.buf.toByteArray(), 'UTF-8')]
        return [answer, fatal] as Object[]
    }
}

if (args.length != 1) {
    System.err.println('usage: groovy Worker.groovy <harness directory>')
    System.exit(2)
}
PrintStream protocol = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false, 'UTF-8')
PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, 'UTF-8')
System.setOut(err) // nothing but answers on the protocol stream
System.setErr(err)
WkWorker worker = new WkWorker(new File(args[0]), err)
BufferedReader requests = new BufferedReader(new InputStreamReader(System.in, 'UTF-8'), 1 << 16)
for (String line = requests.readLine(); line != null; line = requests.readLine()) {
    if (line.trim().isEmpty()) continue
    Object[] r = worker.serve((Map) new JsonSlurper().parseText(line))
    protocol.print(JsonOutput.toJson(r[0]))
    protocol.print('\n')
    protocol.flush()
    if (r[1]) break
}
