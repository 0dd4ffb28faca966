/**
 * Diagnostic codes, severities and the shapes of the findings the core reports.
 * Codes are stable: editors, the CLI's JSON and users' CI scripts key on them.
 */

/** A zero-based position, as in the Language Server Protocol. */
export interface Position {
  line: number;
  character: number;
}

/** A half-open source range [start, end), zero-based. */
export interface Range {
  start: Position;
  end: Position;
}

/** How bad a finding is. */
export type Severity = 'error' | 'warning' | 'info';

/** Every diagnostic code of the language contract (see LANGUAGE.md), with its severity. */
export const diagnosticSeverity = {
  syntax: 'error',
  'unknown-op': 'error',
  'unknown-arg': 'error',
  'bad-value': 'error',
  'missing-arg': 'error',
  'shape-mismatch': 'error',
  'nonpositive-size': 'error',
  'channel-mismatch': 'error',
  'merge-mismatch': 'error',
  groups: 'error',
  rank: 'error',
  'undefined-label': 'error',
  'undefined-block': 'error',
  'recursive-block': 'error',
  'too-large': 'error',
  /** A fault of CNN Lens itself while analysing the file (never the file's fault). */
  'internal-error': 'error',
  'uneven-stride': 'warning',
  'dense-on-spatial': 'warning',
  'memory-budget': 'warning',
  misaligned: 'info',
} as const satisfies Record<string, Severity>;

/** A stable diagnostic code. */
export type DiagnosticCode = keyof typeof diagnosticSeverity;

/** A text replacement, the unit of a quick fix. */
export interface TextEdit {
  range: Range;
  newText: string;
}

/** A suggested repair that an editor can offer as a quick fix. */
export interface Fix {
  title: string;
  edits: TextEdit[];
  /** True for the fix an editor may apply on "fix all" without asking. */
  preferred?: boolean;
}

/** Another place that explains a diagnostic, e.g. the line inside a block that failed. */
export interface RelatedLocation {
  message: string;
  range: Range;
}

/** One finding about the source. */
export interface Diagnostic {
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  range: Range;
  related?: RelatedLocation[];
  fixes?: Fix[];
}

/** Builds a diagnostic with the severity its code always has. */
export function diagnostic(code: DiagnosticCode, message: string, range: Range, extra: { related?: RelatedLocation[]; fixes?: Fix[] } = {}): Diagnostic {
  const found: Diagnostic = { severity: diagnosticSeverity[code], code, message, range };
  if (extra.related?.length) found.related = extra.related;
  if (extra.fixes?.length) found.fixes = extra.fixes;
  return found;
}

/** Orders ranges by start then end, for stable output. */
export function compareRanges(a: Range, b: Range): number {
  return a.start.line - b.start.line || a.start.character - b.start.character || a.end.line - b.end.line || a.end.character - b.end.character;
}

/** The closest candidate by edit distance, or undefined when none is close enough to be a plausible typo. */
export function nearestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = name.toLowerCase();
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A suggestion that rewrites most of the word is noise rather than help.
  const allowed = Math.max(1, Math.floor(Math.max(name.length, 3) / 3));
  return bestDistance <= allowed ? best : undefined;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Math.abs(a.length - b.length);
  // Optimal string alignment: like Levenshtein, but a swap of neighbours ("covn" for "conv") is one edit.
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0][j] = j;
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2][j - 2] + 1);
      rows[i][j] = best;
    }
  }
  return rows[a.length][b.length];
}
