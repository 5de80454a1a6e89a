/**
 * Name rules and the deterministic, injective branch-name sanitiser.
 *
 * A branch such as `feature/Foo_bar` must become a valid Docker tag and a valid DNS-1123 label,
 * the same way every time, and two different branches must never share a result. A name that is
 * already valid (and has no `--`) passes through unchanged; any other name is cleaned and gets
 * `--<hash>` of the original appended. Cleaning collapses every run of separators into one `-`,
 * so a cleaned body never contains `--`: a suffixed result can never equal a passed-through one,
 * and two suffixed results differ unless 48 bits of SHA-256 collide.
 */
import { createHash } from 'node:crypto';

/** A DNS-1123 label: lowercase alphanumerics and '-', alphanumeric at both ends, at most 63. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_LABEL_MAX = 63;
/** A Docker tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`. */
export const DOCKER_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const DOCKER_TAG_MAX = 128;
/** An image digest as registries report it. */
export const IMAGE_DIGEST = /^sha256:[0-9a-f]{64}$/;
/** The longest app name: `<app>-<environment>` (at most 20) keeps every derived namespace within 63. */
export const APP_NAME_MAX = 40;

const HASH_LEN = 12;

function shortHash(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex').slice(0, HASH_LEN);
}

interface NameRules {
  readonly max: number;
  readonly valid: (s: string) => boolean;
  /** Lower-cases and replaces every run of disallowed characters with one '-'. */
  readonly clean: (s: string) => string;
}

const labelRules: NameRules = {
  max: DNS_LABEL_MAX,
  valid: (s) => s.length <= DNS_LABEL_MAX && DNS_LABEL.test(s),
  clean: (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
};

const tagRules: NameRules = {
  max: DOCKER_TAG_MAX,
  valid: (s) => DOCKER_TAG.test(s),
  clean: (s) => s.replace(/[^A-Za-z0-9_.]+/g, '-').replace(/-{2,}/g, '-'),
};

function sanitise(name: string, rules: NameRules): string {
  if (name !== '' && rules.valid(name) && !name.includes('--')) return name;
  const suffix = `--${shortHash(name)}`;
  let body = rules.clean(name).replace(/^[-.]+|[-.]+$/g, '');
  body = body.slice(0, rules.max - suffix.length).replace(/[-.]+$/, '');
  return `${body || 'x'}${suffix}`;
}

/** `feature/Foo_bar` → `feature-foo-bar--<hash>`; `develop` → `develop`. Always a valid DNS-1123 label. */
export function toDnsLabel(name: string): string {
  return sanitise(name, labelRules);
}

/** `feature/Foo_bar` → `feature-Foo_bar--<hash>`; `develop` → `develop`. Always a valid Docker tag. */
export function toDockerTag(name: string): string {
  return sanitise(name, tagRules);
}

/**
 * git check-ref-format rules for a branch name (`refs/heads/<name>`), as git applies them.
 * Returns the reason it is invalid, or undefined.
 */
export function branchNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name === '@') return "may not be '@'";
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return 'may not contain spaces, control characters or any of ~ ^ : ? * [ \\';
  if (name.startsWith('-')) return "may not start with '-'";
  if (name.includes('..')) return "may not contain '..'";
  if (name.includes('@{')) return "may not contain '@{'";
  if (name.includes('//') || name.startsWith('/') || name.endsWith('/')) return "may not have empty '/'-separated parts";
  if (name.endsWith('.')) return "may not end with '.'";
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return "no '/'-separated part may start with '.'";
    if (part.endsWith('.lock')) return "no '/'-separated part may end with '.lock'";
  }
  return undefined;
}
