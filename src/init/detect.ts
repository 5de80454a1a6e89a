/**
 * What `pipewright init` can tell about a Flask app from its files alone: the app name, the
 * gunicorn WSGI target, the health route and the Python version, each with the reason (which
 * file, which line) so the written pipewright.yaml can say why. Reads files; runs nothing.
 */
import { existsSync, readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { DEFAULTS } from '../core/defaults.js';
import { APP_NAME_MAX, DNS_LABEL } from '../core/names.js';
import { getPath, getString, getStrings, getTable, parseToml, type TomlTable } from './toml.js';

/** A value and why it was chosen, e.g. `{ value: 'hello:create_app()', from: 'inferred from hello/__init__.py: def create_app()' }`. */
export interface Inferred<T = string> {
  readonly value: T;
  readonly from: string;
}

export interface Detection {
  /** A DNS label of at most 40 characters (the schema's limit for `app`). */
  readonly app: Inferred | null;
  /** gunicorn's `module:callable` or `module:factory()`. */
  readonly wsgi: Inferred | null;
  readonly healthPath: Inferred | null;
  /** `3.N`. */
  readonly python: Inferred | null;
  /** The file that declares flask as a dependency, if any. */
  readonly flaskDeclaredIn: string | null;
  readonly hasRequirementsTxt: boolean;
  /** Where the WSGI module was looked for (for the "no Flask app found" message). */
  readonly searched: string;
  readonly warnings: readonly string[];
}


/** Python minors with an official `python:3.N-slim` image worth offering. */
const PYTHON_MINORS = [8, 9, 10, 11, 12, 13, 14];
const TOP_FILES = ['wsgi.py', 'app.py', 'application.py', 'main.py'];
const PACKAGE_FILES = ['wsgi.py', 'app.py', 'application.py', '__init__.py'];
/** Folders that hold no app code, or not the one to deploy. */
const SKIP_DIRS = new Set(['tests', 'test', 'docs', 'doc', 'venv', '.venv', 'env', 'node_modules', 'build', 'dist', 'migrations', 'kustomize', 'script', 'scripts', '__pycache__']);
const HEALTH_PATHS = ['/healthz', '/health', '/healthcheck'];
const MAX_SOURCE_BYTES = 1 << 20;
const MAX_SCANNED_FILES = 300;

/** `Hello_Flask` → `hello-flask`; null when nothing of it is usable. */
export function appNameFrom(raw: string): string | null {
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, APP_NAME_MAX)
    .replace(/-+$/, '');
  return name && DNS_LABEL.test(name) ? name : null;
}

function read(file: string): string | null {
  try {
    const st = statSync(file);
    if (!st.isFile() || st.size > MAX_SOURCE_BYTES) return null;
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** PEP 503 name normalisation. */
const normalise = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

/** The distribution name at the start of a PEP 508 requirement, normalised. */
function requirementName(req: string): string | null {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(req);
  return m ? normalise(m[1]!) : null;
}

/** Whether requirements.txt (following `-r other.txt`) lists flask; the file that does. */
function flaskInRequirements(dir: string, rel: string, seen = new Set<string>()): string | null {
  if (seen.has(rel) || seen.size > 20) return null;
  seen.add(rel);
  const text = read(path.join(dir, rel));
  if (text === null) return null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    const include = /^(?:-r|--requirement)\s*=?\s*(\S+)$/.exec(line);
    if (include) {
      const found = flaskInRequirements(dir, path.posix.join(path.posix.dirname(rel), include[1]!), seen);
      if (found) return found;
    } else if (!line.startsWith('-') && requirementName(line) === 'flask') return rel;
  }
  return null;
}

function flaskInPyproject(doc: TomlTable): boolean {
  if (getStrings(doc, ['project', 'dependencies']).some((d) => requirementName(d) === 'flask')) return true;
  const poetry = getTable(doc, ['tool', 'poetry', 'dependencies']);
  return poetry !== undefined && Object.keys(poetry).some((k) => normalise(k) === 'flask');
}

// ---------------------------------------------------------------------------------------------
// the WSGI target

interface SourceFile {
  /** POSIX path relative to the app directory. */
  readonly rel: string;
  /** The Python module gunicorn imports. */
  readonly module: string;
}

/** Top-level packages (folders with __init__.py) that may hold the app, sorted. */
function packages(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n) && !SKIP_DIRS.has(n) && existsSync(path.join(dir, n, '__init__.py')))
    .sort();
}

/** Where a WSGI app is looked for, in order of preference. */
function candidates(dir: string): SourceFile[] {
  const out: SourceFile[] = TOP_FILES.map((f) => ({ rel: f, module: f.slice(0, -3) }));
  for (const pkg of packages(dir)) {
    for (const f of PACKAGE_FILES) out.push({ rel: `${pkg}/${f}`, module: f === '__init__.py' ? pkg : `${pkg}.${f.slice(0, -3)}` });
  }
  return out;
}

const FACTORY = '(?:create_app|make_app)';

/** The WSGI target a file defines, if any: `name = Flask(…)`, `name = create_app(…)`, then `def create_app(…)`. */
export function wsgiInSource(text: string, file: SourceFile): { target: Inferred; warning?: string } | null {
  const assigned = /^([A-Za-z_]\w*)\s*(?::[^=\n]+)?=\s*(?:flask\.)?Flask\(/m.exec(text);
  if (assigned) return { target: { value: `${file.module}:${assigned[1]}`, from: `inferred from ${file.rel}: ${assigned[1]} = Flask(...)` } };
  const built = new RegExp(`^([A-Za-z_]\\w*)\\s*=\\s*(?:[A-Za-z_][\\w.]*\\.)?(${FACTORY})\\(`, 'm').exec(text);
  if (built) return { target: { value: `${file.module}:${built[1]}`, from: `inferred from ${file.rel}: ${built[1]} = ${built[2]}(...)` } };
  const factory = new RegExp(`^(?:async\\s+)?def\\s+(${FACTORY})\\s*\\(([^)]*)\\)`, 'm').exec(text);
  if (factory && /\bFlask\b/.test(text)) {
    const name = factory[1]!;
    const required = factory[2]!
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p && !p.includes('=') && !p.startsWith('*') && p !== '/');
    return {
      target: { value: `${file.module}:${name}()`, from: `inferred from ${file.rel}: def ${name}()` },
      ...(required.length > 0 && {
        warning: `${file.rel}: ${name}(${required.join(', ')}) needs arguments, but gunicorn calls ${file.module}:${name}() with none: give them defaults, or pass --wsgi`,
      }),
    };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// the health route

/** The .py files of the app: top-level modules and the packages, breadth-first, bounded. */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const queue: string[] = [''];
  while (queue.length > 0 && out.length < MAX_SCANNED_FILES) {
    const rel = queue.shift()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isFile() && e.name.endsWith('.py')) out.push(p);
      else if (e.isDirectory() && !SKIP_DIRS.has(e.name) && !e.name.startsWith('.') && existsSync(path.join(dir, p, '__init__.py'))) queue.push(p);
    }
  }
  return out.slice(0, MAX_SCANNED_FILES);
}

/** The preferred health route declared in `files` (`@app.get("/healthz")`, `add_url_rule("/health", …)`). */
export function healthRoute(dir: string, files: readonly string[]): Inferred | null {
  const found = new Map<string, string>();
  const route = /@[A-Za-z_][\w.]*\.(route|get)\(\s*(['"])(\/[A-Za-z0-9._~/-]*)\2|\.add_url_rule\(\s*(['"])(\/[A-Za-z0-9._~/-]*)\4/g;
  for (const rel of files) {
    const text = read(path.join(dir, rel));
    if (text === null) continue;
    for (const m of text.matchAll(route)) {
      const p = m[3] ?? m[5]!;
      if (!HEALTH_PATHS.includes(p) || found.has(p)) continue;
      found.set(p, `inferred from ${rel}: ${m[0].startsWith('@') ? `${m[0]})` : `add_url_rule("${p}", ...)`}`);
    }
  }
  for (const p of HEALTH_PATHS) {
    const from = found.get(p);
    if (from) return { value: p, from };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// the Python version

type Clause = { op: string; major: number; minor: number | null; patch: boolean };

function parseClauses(spec: string): Clause[] | null {
  const clauses: Clause[] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(===|~=|==|!=|<=|>=|<|>|\^|~)?\s*(\d+)(?:\.(\d+|\*))?(?:\.(\d+|\*))?(?:\.\*)?$/.exec(part);
    if (!m) return null;
    const minor = m[3] === undefined || m[3] === '*' ? null : Number(m[3]);
    clauses.push({ op: m[1] ?? '==', major: Number(m[2]), minor, patch: m[4] !== undefined && m[4] !== '*' });
  }
  return clauses;
}

/** Whether some 3.`minor`.x satisfies the clause (PEP 440, and poetry's ^ and ~). */
function allows(c: Clause, minor: number): boolean {
  const cmp = c.major !== 3 ? Math.sign(3 - c.major) : c.minor === null ? 0 : Math.sign(minor - c.minor);
  switch (c.op) {
    case '>=':
    case '>':
      return cmp >= 0;
    case '<':
      return cmp < 0 || (cmp === 0 && c.patch);
    case '<=':
      return cmp <= 0;
    case '!=':
      return cmp !== 0 || c.patch || (c.minor === null && c.major !== 3);
    case '^':
      return c.major === 3 ? cmp >= 0 : false;
    case '~=':
      return c.patch ? cmp === 0 : c.major === 3 ? cmp >= 0 : false;
    case '~':
      return c.minor === null ? c.major === 3 : cmp === 0;
    default:
      // == and ===: 3.11 or 3.11.* or 3.11.4 all pin the minor; 3 or 3.* allow every 3.x.
      return cmp === 0;
  }
}

/** The default minor when the spec allows it, else the newest one it allows; null when none. */
export function pythonFromSpec(spec: string): string | null {
  const clauses = parseClauses(spec);
  if (!clauses) return null;
  const ok = PYTHON_MINORS.filter((m) => clauses.every((c) => allows(c, m)));
  if (ok.length === 0) return null;
  const preferred = Number(DEFAULTS.python.split('.')[1]);
  return `3.${ok.includes(preferred) ? preferred : ok[ok.length - 1]}`;
}

function pythonVersion(dir: string, pyproject: TomlTable | null, warnings: string[]): Inferred | null {
  const pinned = read(path.join(dir, '.python-version'));
  if (pinned !== null) {
    const first = pinned.split('\n').map((l) => l.trim()).find((l) => l && !l.startsWith('#')) ?? '';
    const m = /^(?:python-?|cpython-)?3\.(\d{1,2})\b/.exec(first);
    if (m) return { value: `3.${m[1]}`, from: `inferred from .python-version: ${first}` };
    warnings.push(`.python-version: "${first}" is not a CPython 3 version; using the default Python ${DEFAULTS.python} (pass --python to choose)`);
  }
  if (pyproject) {
    const specs: [string, string | undefined][] = [
      ['pyproject.toml [project].requires-python', getString(pyproject, ['project', 'requires-python'])],
      ['pyproject.toml [tool.poetry.dependencies].python', getString(pyproject, ['tool', 'poetry', 'dependencies', 'python'])],
    ];
    for (const [where, spec] of specs) {
      if (spec === undefined) continue;
      const v = pythonFromSpec(spec);
      if (v) {
        const why = v === DEFAULTS.python ? `which allows the default ${v}` : `the newest 3.x it allows`;
        return { value: v, from: `inferred from ${where} "${spec}", ${why}` };
      }
      warnings.push(`${where} "${spec}": no Python 3.${PYTHON_MINORS[0]}–3.${PYTHON_MINORS[PYTHON_MINORS.length - 1]} satisfies it (or it cannot be read); using ${DEFAULTS.python} (pass --python to choose)`);
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------

/** Everything `init` can infer about the Flask app in `dir`. */
export function detectApp(dir: string): Detection {
  const warnings: string[] = [];
  const pyText = read(path.join(dir, 'pyproject.toml'));
  const pyproject = pyText === null ? null : parseToml(pyText);

  const hasRequirementsTxt = existsSync(path.join(dir, 'requirements.txt'));
  const flaskDeclaredIn = flaskInRequirements(dir, 'requirements.txt') ?? (pyproject && flaskInPyproject(pyproject) ? 'pyproject.toml' : null);

  let app: Inferred | null = null;
  const projectName = pyproject ? (getString(pyproject, ['project', 'name']) ?? getString(pyproject, ['tool', 'poetry', 'name'])) : undefined;
  if (projectName !== undefined) {
    const name = appNameFrom(projectName);
    const key = getPath(pyproject!, ['project', 'name']) !== undefined ? '[project].name' : '[tool.poetry].name';
    if (name) app = { value: name, from: `inferred from pyproject.toml ${key} "${projectName}"${name === projectName ? '' : ', made a DNS label'}` };
  }
  if (!app) {
    const base = path.basename(path.resolve(dir));
    const name = appNameFrom(base);
    if (name) app = { value: name, from: `inferred from the directory name "${base}"${name === base ? '' : ', made a DNS label'}` };
  }

  let wsgi: Inferred | null = null;
  for (const file of candidates(dir)) {
    const text = read(path.join(dir, file.rel));
    if (text === null) continue;
    const found = wsgiInSource(text, file);
    if (found) {
      wsgi = found.target;
      if (found.warning) warnings.push(found.warning);
      break;
    }
  }

  const healthPath = healthRoute(dir, sourceFiles(dir));
  const python = pythonVersion(dir, pyproject, warnings);
  return {
    app,
    wsgi,
    healthPath,
    python,
    flaskDeclaredIn,
    hasRequirementsTxt,
    searched: `${TOP_FILES.join(', ')} and <package>/{${PACKAGE_FILES.map((f) => f.slice(0, -3)).join(',')}}.py`,
    warnings,
  };
}
