/**
 * Files of about 1 MB in the shapes that were slow (issue 16: "every file up
 * to 1 MB analyses in under 2 s"): long, one line, many labels, a block
 * fan-out, deep nesting. `npm run bench` times their analysis; a core test
 * checks that each analyses with the result its shape implies.
 */

/** The size the files are filled to. */
export const megabyte = 1_000_000;

/** One file: its name in the bench, its text, and the unit it repeats with how many times it does. */
export interface MegabyteFile {
  name: string;
  text: string;
  unit: string;
  repeats: number;
  /** For a file with a syntax error: the repetition of `unit` replaced by `brokenUnit`, in the middle of the file. */
  brokenAt?: number;
  brokenUnit?: string;
}

/** `head`, then `unit` as many times as fits in a megabyte, then `tail`. */
function filled(name: string, unit: string, head = '', tail = ''): MegabyteFile {
  const repeats = Math.max(1, Math.floor((megabyte - head.length - tail.length) / unit.length));
  return { name, text: head + unit.repeat(repeats) + tail, unit, repeats };
}

/** `filled`, with the unit in the middle replaced by `brokenUnit` (a statement with a syntax error). */
function broken(name: string, unit: string, brokenUnit: string, head: string, tail: string): MegabyteFile {
  const file = filled(name, unit, head, tail);
  const brokenAt = Math.floor(file.repeats / 2);
  const text = head + unit.repeat(brokenAt) + brokenUnit + unit.repeat(file.repeats - brokenAt - 1) + tail;
  return { ...file, text, brokenAt, brokenUnit };
}

/** The leaf and levels of the fan-out of blocks that runs an analysis to its work budget (issue 16's 3.4 KB file). */
function blockFanOut(levels: number): string {
  const leaf = `block L0 { x: identity; add(${Array(1000).fill('x').join(', ')}) }\n`;
  return leaf + Array.from({ length: levels }, (_, i) => `block L${i + 1} { L${i}; L${i} }`).join('\n') + `\nnetwork N { input(3x8x8); L${levels} }\n`;
}

/**
 * The ten files, in the bench's order: five valid shapes, then two with one
 * syntax error inside a megabyte network, then two valid shapes found slow in
 * session 9 (many calls of one small block; many small networks), then one
 * argument that is a megabyte sum.
 */
export function megabyteFiles(): MegabyteFile[] {
  const fanOut = blockFanOut(16);
  const padding = filled('block fan-out padded with comments', '# padding comment line\n', fanOut);
  return [
    filled('50,000 lines of conv/batchnorm/relu', '  conv(16, 3, padding=1)\n  batchnorm\n  relu\n', 'network Long {\n  input(16x32x32)\n', '}\n'),
    filled('one line of statements', 'conv(16, 3, padding=1); relu; ', 'network OneLine { input(16x32x32); ', '}'),
    filled('labels and adds', 'x: relu; add(x); ', 'network Labels { input(16x8x8); ', '}'),
    padding,
    filled('nested repeats, 64 deep, repeated', `${'repeat(2) { '.repeat(60)}relu${' }'.repeat(60)}\n`, 'network Nested {\n  input(3x8x8)\n', '}\n'),
    broken('one line, one syntax error mid-way', 'conv(16, 3, padding=1); relu; ', 'conv(16, 3, padding=); relu; ', 'network OneLine { input(16x32x32); ', '}'),
    broken('50,000 lines, one syntax error mid-way', '  conv(16, 3, padding=1)\n  batchnorm\n  relu\n', '  conv(16, 3, padding=)\n  batchnorm\n  relu\n', 'network Long {\n  input(16x32x32)\n', '}\n'),
    filled('calls of one small block', 'B(8); ', 'block B(c) { conv(c, 3, padding=1); relu }\nnetwork Calls { input(8x16x16); ', '}\n'),
    filled('small networks', 'network Small { input(3x8x8); conv(4, 3); relu }\n'),
    // Session 10: one argument that is a sum of half a million terms (too deep to evaluate, so one diagnostic).
    filled('one sum of 1+1+…+1', '1+', 'network Sum { input(3x8x8); conv(', '1, 3) }\n'),
  ];
}
