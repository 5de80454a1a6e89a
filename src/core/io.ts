/** Where a command prints: results to stdout, logs to stderr. Tests pass their own. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether colour may be used on stdout (a TTY and NO_COLOR unset). */
  readonly color: boolean;
}

export const processIo: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  color: Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb',
};

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;

export function paint(io: Io, colour: keyof typeof CODES, text: string): string {
  return io.color ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}
