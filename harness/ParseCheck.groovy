// pipewright parse check: parses Groovy files the way Jenkins' Groovy 2.4 does, up to
// Phases.CONVERSION (syntax + AST; no class resolution, so `@Library('…') _` and unknown step
// names are fine), all in one JVM.
//
//   groovy harness/ParseCheck.groovy file1 file2 …
//   (or served by harness/Worker.groovy, which calls PcMain.main)
//
// Prints [{"file": "...", "errors": [{"line": 3, "column": 5, "message": "..."}]}] on stdout and
// exits 1 when any file has errors, else 0. Must itself run on Groovy 2.4.
import groovy.json.JsonOutput
import org.codehaus.groovy.control.CompilationFailedException
import org.codehaus.groovy.control.CompilationUnit
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.ErrorCollector
import org.codehaus.groovy.control.Phases
import org.codehaus.groovy.control.messages.ExceptionMessage
import org.codehaus.groovy.control.messages.Message
import org.codehaus.groovy.control.messages.SimpleMessage
import org.codehaus.groovy.control.messages.SyntaxErrorMessage
import org.codehaus.groovy.syntax.SyntaxException
import org.codehaus.groovy.ast.ClassCodeVisitorSupport
import org.codehaus.groovy.ast.ClassNode
import org.codehaus.groovy.ast.ModuleNode
import org.codehaus.groovy.ast.expr.ArgumentListExpression
import org.codehaus.groovy.ast.expr.BinaryExpression
import org.codehaus.groovy.ast.expr.MethodCallExpression
import org.codehaus.groovy.control.SourceUnit

/**
 * Groovy 2.4 reads `var x = 1` as the command call `var(x = 1)`: it parses, then fails at run time
 * in Jenkins ("No such DSL method 'var'"). Report it here as the Groovy 3 syntax it is.
 */
class Groovy3VarFinder extends ClassCodeVisitorSupport {
    SourceUnit source
    List errors

    protected SourceUnit getSourceUnit() { return source }

    void visitMethodCallExpression(MethodCallExpression e) {
        if (e.isImplicitThis() && e.methodAsString == 'var' && e.arguments instanceof ArgumentListExpression) {
            List args = ((ArgumentListExpression) e.arguments).expressions
            if (args.size() == 1 && args[0] instanceof BinaryExpression && ((BinaryExpression) args[0]).operation.text == '=') {
                errors.add([line: e.lineNumber, column: e.columnNumber,
                            message: "'var' declarations are Groovy 3 syntax; Jenkins runs Groovy 2.4 (use def or a type)"])
            }
        }
        super.visitMethodCallExpression(e)
    }

    void scan(ModuleNode m) {
        if (m == null) return
        for (ClassNode c : m.classes) visitClass(c)
    }
}

/** The check itself: also called by harness/Worker.groovy, so it never exits and keeps no state between calls. */
class PcMain {
    /** Parses `args` (file paths); writes the JSON result to `out` and returns the exit code (1: some file has errors). */
    static int main(List<String> args, String input, Writer out) {
        CompilerConfiguration cfg = new CompilerConfiguration()
        cfg.sourceEncoding = 'UTF-8'
        cfg.tolerance = 100

        List results = new ArrayList()
        boolean bad = false
        for (String path : args) {
            List errors = new ArrayList()
            File f = new File(path)
            if (!f.isFile()) {
                errors.add([line: 0, column: 0, message: 'file not found'])
            } else {
                CompilationUnit cu = new CompilationUnit(cfg)
                cu.addSource(f.name, f.getText('UTF-8'))
                try {
                    cu.compile(Phases.CONVERSION)
                } catch (CompilationFailedException ignored) {
                    // the messages are in the error collector
                } catch (Exception e) {
                    errors.add([line: 0, column: 0, message: e.toString()])
                }
                ErrorCollector ec = cu.errorCollector
                if (!ec.hasErrors()) {
                    cu.iterator().each { SourceUnit su -> new Groovy3VarFinder(source: su, errors: errors).scan(su.AST) }
                }
                List<Message> msgs = ec.errors == null ? [] : ec.errors
                for (Message m : msgs) {
                    if (m instanceof SyntaxErrorMessage) {
                        SyntaxException se = ((SyntaxErrorMessage) m).cause
                        errors.add([line: se.line, column: se.startColumn, message: se.originalMessage])
                    } else if (m instanceof ExceptionMessage) {
                        errors.add([line: 0, column: 0, message: ((ExceptionMessage) m).cause.toString()])
                    } else if (m instanceof SimpleMessage) {
                        errors.add([line: 0, column: 0, message: ((SimpleMessage) m).message])
                    } else {
                        StringWriter sw = new StringWriter()
                        m.write(new PrintWriter(sw))
                        errors.add([line: 0, column: 0, message: sw.toString().trim()])
                    }
                }
            }
            Collections.sort(errors, new Comparator<Map>() {
                int compare(Map a, Map b) { return a.line != b.line ? (a.line as int) - (b.line as int) : (a.column as int) - (b.column as int) }
            })
            if (!errors.isEmpty()) bad = true
            results.add([file: path, errors: errors])
        }
        out.write(JsonOutput.toJson(results))
        out.flush()
        return bad ? 1 : 0
    }
}

Writer stdout = new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), 'UTF-8')
System.exit(PcMain.main(Arrays.asList(args), '', stdout))
