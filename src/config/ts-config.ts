/**
 * Reading `pipewright.config.ts` STATICALLY. The seed job reads configs from many repos on the
 * Jenkins controller, so the file is never executed, imported or type-checked: it is parsed
 * with ts-morph (in memory, no disk access) and only the object literal given to
 * `defineConfig({...})` is turned into plain data. Anything that would need evaluation
 * (calls, variables, property access, functions, `${}` templates, spreads of non-literals …)
 * is reported with its position and key path; all such problems come back in one ConfigError.
 *
 * Loaded lazily (`await import('./ts-config.js')`) only when a .ts config exists.
 */
import { Node, Project, ScriptKind, SyntaxKind, ts } from 'ts-morph';
import type { SourceFile } from 'ts-morph';
import { ConfigError, type ConfigProblem } from '../core/errors.js';

const STATIC_HINT = 'would need execution; pipewright reads pipewright.config.ts statically — write the value as a literal';
const SNIPPET_MAX = 40;

/** Plain JSON-like data read from the config. */
type Data = null | boolean | number | string | Data[] | { [key: string]: Data };

/**
 * Parse `sourceText` (the contents of `file`, used only in messages) and return the data in
 * its single `defineConfig({...})` call. Throws ConfigError listing every problem found.
 */
export function readTsConfig(sourceText: string, file: string): unknown {
  const project = new Project({
    useInMemoryFileSystem: true,
    skipLoadingLibFiles: true,
    skipFileDependencyResolution: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, noLib: true, noResolve: true, allowJs: false },
  });
  const sf = project.createSourceFile('/pipewright.config.ts', sourceText, { scriptKind: ScriptKind.TS, overwrite: true });

  const syntax = syntaxProblems(sf);
  if (syntax.length > 0) throw new ConfigError(file, syntax);

  const calls = sf.getDescendantsOfKind(SyntaxKind.CallExpression).filter((c) => isDefineConfigCallee(c.getExpression()));
  const first = calls[0];
  if (!first) {
    throw new ConfigError(file, [
      { path: '', message: 'no defineConfig({...}) call found', allowed: 'export default defineConfig({ app: …, aws: { … } })', line: 1, column: 1 },
    ]);
  }
  if (calls.length > 1) {
    const firstAt = position(first);
    throw new ConfigError(file, [
      {
        path: '',
        message: `more than one defineConfig(...) call (the first is at ${firstAt.line}:${firstAt.column}); keep exactly one`,
        ...position(calls[1]!),
      },
    ]);
  }

  const args = first.getArguments();
  const arg = args[0];
  if (!arg) {
    throw new ConfigError(file, [{ path: '', message: 'defineConfig() needs one argument: the config object literal', ...position(first) }]);
  }
  if (args.length > 1) {
    throw new ConfigError(file, [{ path: '', message: 'defineConfig(...) takes exactly one argument: the config object literal', ...position(args[1]!) }]);
  }

  const problems: ConfigProblem[] = [];
  const value = new Reader(problems).value(arg, []);
  if (problems.length === 0 && (value === null || typeof value !== 'object' || Array.isArray(value))) {
    problems.push({ path: '', message: 'defineConfig(...) must be given an object literal `{ … }`', ...position(arg) });
  }
  if (problems.length > 0) throw new ConfigError(file, problems);
  return value;
}

/** `defineConfig(...)` or `anything.defineConfig(...)` (e.g. `import * as pw from 'pipewright'`). */
function isDefineConfigCallee(callee: Node): boolean {
  if (Node.isIdentifier(callee)) return callee.getText() === 'defineConfig';
  if (Node.isPropertyAccessExpression(callee)) return callee.getName() === 'defineConfig';
  return false;
}

/** Parse (syntax) diagnostics only: no binding, no type-checking, no program. */
function syntaxProblems(sf: SourceFile): ConfigProblem[] {
  const internal = (sf.compilerNode as unknown as { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics;
  const diags = internal ?? sf.getProject().getProgram().compilerObject.getSyntacticDiagnostics(sf.compilerNode);
  return diags.map((d) => {
    const message = `syntax error: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    if (d.start === undefined) return { path: '', message };
    return { path: '', message, ...sf.getLineAndColumnAtPos(d.start) };
  });
}

function position(node: Node): { line: number; column: number } {
  return node.getSourceFile().getLineAndColumnAtPos(node.getStart());
}

function snippet(node: Node): string {
  const text = node.getText().replace(/\s+/g, ' ');
  return text.length > SNIPPET_MAX ? `${text.slice(0, SNIPPET_MAX - 1)}…` : text;
}

/** The snippet in backticks, unless it has its own (template literals). */
function quote(node: Node): string {
  const s = snippet(node);
  return s.includes('`') ? s : `\`${s}\``;
}

/** Keeps prototype-ish keys (`__proto__`) as ordinary own data properties. */
function setKey(target: Record<string, Data>, key: string, value: Data): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Unwraps the type-only wrappers and parentheses, which change nothing at run time. */
function unwrap(node: Node): Node {
  let n = node;
  for (;;) {
    if (
      Node.isParenthesizedExpression(n) ||
      Node.isAsExpression(n) ||
      Node.isSatisfiesExpression(n) ||
      Node.isTypeAssertion(n) ||
      Node.isNonNullExpression(n)
    ) {
      n = n.getExpression();
    } else {
      return n;
    }
  }
}

class Reader {
  constructor(private readonly problems: ConfigProblem[]) {}

  private refuse(node: Node, path: readonly (string | number)[], what: string): undefined {
    this.problems.push({ path: path.join('.'), message: `${what} ${STATIC_HINT}`, ...position(node) });
    return undefined;
  }

  private invalid(node: Node, path: readonly (string | number)[], message: string): undefined {
    this.problems.push({ path: path.join('.'), message, ...position(node) });
    return undefined;
  }

  /** The data for an expression, or undefined after recording a problem. */
  value(expr: Node, path: readonly (string | number)[]): Data | undefined {
    const node = unwrap(expr);
    switch (node.getKind()) {
      case SyntaxKind.ObjectLiteralExpression: {
        const out: Record<string, Data> = {};
        this.object(node, path, out);
        return out;
      }
      case SyntaxKind.ArrayLiteralExpression: {
        const out: (Data | undefined)[] = [];
        this.array(node, path, out);
        return out as Data[];
      }
      case SyntaxKind.StringLiteral:
      case SyntaxKind.NoSubstitutionTemplateLiteral:
        return (node.compilerNode as ts.LiteralLikeNode).text;
      case SyntaxKind.NumericLiteral:
        return this.number(node, path, 1);
      case SyntaxKind.PrefixUnaryExpression: {
        const u = node.asKindOrThrow(SyntaxKind.PrefixUnaryExpression);
        const operand = unwrap(u.getOperand());
        if (u.getOperatorToken() === SyntaxKind.MinusToken && Node.isNumericLiteral(operand)) {
          return this.number(operand, path, -1, node);
        }
        return this.refuse(node, path, `the unary expression ${quote(node)}`);
      }
      case SyntaxKind.TrueKeyword:
        return true;
      case SyntaxKind.FalseKeyword:
        return false;
      case SyntaxKind.NullKeyword:
        return null;
      case SyntaxKind.BigIntLiteral:
        return this.invalid(node, path, `the bigint literal ${quote(node)} is not a JSON number; write a number literal (or a string)`);
      case SyntaxKind.Identifier:
        if (node.getText() === 'undefined') {
          return this.invalid(node, path, '`undefined` (a variable, and not a JSON value) would need execution; pipewright reads pipewright.config.ts statically — leave the key out, or write null');
        }
        return this.refuse(node, path, describe(node));
      default:
        return this.refuse(node, path, describe(node));
    }
  }

  private number(lit: Node, path: readonly (string | number)[], sign: 1 | -1, whole: Node = lit): number | undefined {
    const n = sign * Number((lit.compilerNode as ts.NumericLiteral).text);
    if (!Number.isFinite(n)) {
      return this.invalid(whole, path, `the number ${quote(whole)} is too large to be a finite number; write a smaller number or a string`);
    }
    return n;
  }

  private object(node: Node, path: readonly (string | number)[], out: Record<string, Data>): void {
    for (const prop of node.asKindOrThrow(SyntaxKind.ObjectLiteralExpression).getProperties()) {
      if (Node.isPropertyAssignment(prop)) {
        const key = this.key(prop.getNameNode(), path);
        if (key === undefined) continue;
        const v = this.value(prop.getInitializerOrThrow(), [...path, key]);
        if (v !== undefined) setKey(out, key, v);
      } else if (Node.isSpreadAssignment(prop)) {
        const inner = unwrap(prop.getExpression());
        if (Node.isObjectLiteralExpression(inner)) {
          this.object(inner, path, out);
        } else if (Node.isArrayLiteralExpression(inner)) {
          this.invalid(prop, path, `spreading an array literal into an object (${quote(prop)}) is not supported; spread an object literal or write the keys`);
        } else {
          this.refuse(prop, path, `the spread ${quote(prop)} of something that is not an object literal`);
        }
      } else if (Node.isShorthandPropertyAssignment(prop)) {
        const name = prop.getName();
        this.refuse(prop, [...path, name], `the shorthand property \`{ ${name} }\` (a reference to the variable \`${name}\`)`);
      } else if (Node.isMethodDeclaration(prop)) {
        this.refuse(prop, [...path, this.nameForMessage(prop.getNameNode())], `the method \`${this.nameForMessage(prop.getNameNode())}() { … }\``);
      } else if (Node.isGetAccessorDeclaration(prop)) {
        this.refuse(prop, [...path, this.nameForMessage(prop.getNameNode())], `the getter \`get ${this.nameForMessage(prop.getNameNode())}() { … }\``);
      } else if (Node.isSetAccessorDeclaration(prop)) {
        this.refuse(prop, [...path, this.nameForMessage(prop.getNameNode())], `the setter \`set ${this.nameForMessage(prop.getNameNode())}(…) { … }\``);
      } else {
        this.refuse(prop, path, describe(prop));
      }
    }
  }

  private array(node: Node, path: readonly (string | number)[], out: (Data | undefined)[]): void {
    for (const el of node.asKindOrThrow(SyntaxKind.ArrayLiteralExpression).getElements()) {
      if (Node.isSpreadElement(el)) {
        const inner = unwrap(el.getExpression());
        if (Node.isArrayLiteralExpression(inner)) {
          this.array(inner, path, out);
        } else {
          this.refuse(el, [...path, out.length], `the spread ${quote(el)} of something that is not an array literal`);
          out.push(undefined);
        }
      } else if (Node.isOmittedExpression(el)) {
        // an omitted element is zero-width; point at the comma that makes the hole
        const comma = el.getNextSiblingIfKind(SyntaxKind.CommaToken) ?? el;
        this.invalid(comma, [...path, out.length], 'an array hole (`[a, , b]`) is not a value; write null or remove the extra comma');
        out.push(undefined);
      } else {
        out.push(this.value(el, [...path, out.length]));
      }
    }
  }

  /** A property name as JS would compute it, when that needs no evaluation. */
  private key(name: Node, path: readonly (string | number)[]): string | undefined {
    if (Node.isIdentifier(name) || Node.isPrivateIdentifier(name)) return name.getText();
    if (Node.isStringLiteral(name) || Node.isNoSubstitutionTemplateLiteral(name)) return name.getLiteralValue();
    if (Node.isNumericLiteral(name)) return String(Number(name.compilerNode.text));
    if (Node.isComputedPropertyName(name)) {
      const inner = unwrap(name.getExpression());
      if (Node.isStringLiteral(inner) || Node.isNoSubstitutionTemplateLiteral(inner)) return inner.getLiteralValue();
      if (Node.isNumericLiteral(inner)) return String(Number(inner.compilerNode.text));
      return this.refuse(name, path, `the computed property name ${quote(name)}`);
    }
    return this.refuse(name, path, `the property name ${quote(name)}`);
  }

  private nameForMessage(name: Node): string {
    if (Node.isStringLiteral(name) || Node.isNoSubstitutionTemplateLiteral(name)) return name.getLiteralValue();
    return name.getText();
  }
}

/** What a refused expression is, for the message. */
function describe(node: Node): string {
  const s = quote(node);
  switch (node.getKind()) {
    case SyntaxKind.CallExpression:
      return `the function call ${s}`;
    case SyntaxKind.NewExpression:
      return `the \`new\` expression ${s}`;
    case SyntaxKind.Identifier:
      return `the variable reference ${s}`;
    case SyntaxKind.PropertyAccessExpression:
    case SyntaxKind.ElementAccessExpression:
      return `the property access ${s}`;
    case SyntaxKind.ThisKeyword:
      return '`this`';
    case SyntaxKind.ArrowFunction:
    case SyntaxKind.FunctionExpression:
      return `the function ${s}`;
    case SyntaxKind.ClassExpression:
      return `the class ${s}`;
    case SyntaxKind.TemplateExpression:
      return `the template literal ${s} with \${} substitutions`;
    case SyntaxKind.TaggedTemplateExpression:
      return `the tagged template ${s}`;
    case SyntaxKind.RegularExpressionLiteral:
      return `the regular expression literal ${s}`;
    case SyntaxKind.BinaryExpression:
      return `the operator expression ${s}`;
    case SyntaxKind.ConditionalExpression:
      return `the conditional expression ${s}`;
    case SyntaxKind.PostfixUnaryExpression:
    case SyntaxKind.TypeOfExpression:
    case SyntaxKind.VoidExpression:
    case SyntaxKind.DeleteExpression:
      return `the unary expression ${s}`;
    case SyntaxKind.AwaitExpression:
      return `the \`await\` expression ${s}`;
    case SyntaxKind.YieldExpression:
      return `the \`yield\` expression ${s}`;
    case SyntaxKind.SpreadElement:
      return `the spread ${s}`;
    default:
      return `the ${node.getKindName()} ${s}`;
  }
}
