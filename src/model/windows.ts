/**
 * Promotion windows as data: each spec ("Fri 16:00-Mon 08:00", "Mon-Fri 09:00-17:00") becomes
 * spans of minutes of the week, Monday 00:00 = 0, end exclusive, never wrapping (a span over
 * Sunday midnight is split in two). The pipeline's pipewrightWindow step only compares the current
 * minute of the week in the window's time zone with these numbers.
 */
export const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export const WEEK_MINUTES = 7 * 24 * 60;

/** [start, end): minutes of the week, 0 ≤ start < end ≤ WEEK_MINUTES. */
export type Span = readonly [number, number];

export interface WindowSpec {
  /** As written in the config. */
  readonly text: string;
  readonly spans: readonly Span[];
}

const SPEC = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)(?:-(Mon|Tue|Wed|Thu|Fri|Sat|Sun))? (\d\d):(\d\d) ?- ?(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?(\d\d):(\d\d)$/;

const day = (d: string): number => DAYS.indexOf(d as (typeof DAYS)[number]);

/** A span from `start` for `length` minutes, split at the end of the week. */
function spansFrom(start: number, length: number): Span[] {
  const end = start + length;
  return end <= WEEK_MINUTES ? [[start, end]] : [[start, WEEK_MINUTES], [0, end - WEEK_MINUTES]];
}

/** The spans of a spec, sorted and merged; a string saying what is wrong otherwise. */
export function parseWindow(text: string): WindowSpec | string {
  const m = SPEC.exec(text);
  if (!m) return 'is not "Fri 16:00-Mon 08:00" or "Mon-Fri 09:00-17:00"';
  const [, d1, d2, h1, m1, d3, h2, m2] = m;
  const from = Number(h1) * 60 + Number(m1);
  const to = Number(h2) * 60 + Number(m2);
  if (from >= 24 * 60 || to > 24 * 60) return 'has a time after 24:00';
  const spans: Span[] = [];
  if (d3 !== undefined) {
    // "Fri 16:00-Mon 08:00": one span across days.
    if (d2 !== undefined) return 'names a day range and an end day; write "Mon-Fri 09:00-17:00" or "Fri 16:00-Mon 08:00"';
    const start = day(d1!) * 1440 + from;
    let end = day(d3) * 1440 + to;
    if (end <= start) end += WEEK_MINUTES;
    if (end - start >= WEEK_MINUTES) return 'covers the whole week';
    spans.push(...spansFrom(start, end - start));
  } else {
    // "Mon-Fri 09:00-17:00": those hours on each day; "22:00-06:00" runs into the next day.
    if (from === to) return 'starts and ends at the same time';
    const first = day(d1!);
    const last = d2 === undefined ? first : day(d2);
    const length = to > from ? to - from : 1440 - from + to;
    for (let d = first; ; d = (d + 1) % 7) {
      spans.push(...spansFrom(d * 1440 + from, length));
      if (d === last) break;
    }
  }
  return { text, spans: mergeSpans(spans) };
}

/** Sorted, with overlapping or touching spans joined. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out.at(-1);
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** Minute of the week → "Fri 16:00". */
export function describeMinute(minute: number): string {
  const m = ((minute % WEEK_MINUTES) + WEEK_MINUTES) % WEEK_MINUTES;
  const hh = String(Math.floor((m % 1440) / 60)).padStart(2, '0');
  const mm = String(m % 60).padStart(2, '0');
  return `${DAYS[Math.floor(m / 1440)]} ${hh}:${mm}`;
}

/**
 * Whether a deploy may start at `minute` (of the week): inside an allow span when there are any,
 * and never inside a deny span. The same logic as pipewrightWindow's, for plan, graph and tests.
 */
export function windowOpen(w: { readonly allow: readonly WindowSpec[]; readonly deny: readonly WindowSpec[] }, minute: number): boolean {
  const inside = (specs: readonly WindowSpec[]) => specs.some((s) => s.spans.some(([a, b]) => minute >= a && minute < b));
  return (w.allow.length === 0 || inside(w.allow)) && !inside(w.deny);
}
