/**
 * The import graph of the TypeScript sources, read with regular expressions
 * (static `import`/`export ... from`, side-effect imports, `import()` and
 * `require`), for tests that guard the layering. Only relative specifiers are
 * followed; packages are not part of the graph.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from './helpers';
import { sourceFiles } from './sourceFiles';

/** Each file (a path relative to the repository, with `/`) to the files it imports, in the same form. */
export type ImportGraph = Map<string, string[]>;

const staticImport = /^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s*|\s*)['"]([^'"]+)['"]/gm;
const dynamicImport = /\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The specifiers a source text imports, in order of appearance per kind. */
export function importSpecifiers(text: string): string[] {
  return [...text.matchAll(staticImport), ...text.matchAll(dynamicImport)].map((match) => match[1]);
}

function repoPath(path: string): string {
  return relative(repoRoot, path).split('\\').join('/');
}

/** The file a relative specifier names, as TypeScript resolves it (`x` → `x.ts` or `x/index.ts`); undefined for a package. */
export function resolveSpecifier(fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(repoRoot, dirname(fromFile), specifier);
  const found = [`${base}.ts`, join(base, 'index.ts'), base].find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
  return found ? repoPath(found) : repoPath(base);
}

/** The import graph of every `.ts` file below the given folders. */
export function importGraph(...folders: string[]): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const folder of folders) {
    for (const file of sourceFiles(join(repoRoot, folder))) {
      const from = repoPath(file);
      const targets = importSpecifiers(readFileSync(file, 'utf8'))
        .map((specifier) => resolveSpecifier(from, specifier))
        .filter((target): target is string => target !== undefined);
      graph.set(from, [...new Set(targets)]);
    }
  }
  return graph;
}

/**
 * The cycles of a graph: its strongly connected components with more than one
 * file, or one file that imports itself (Tarjan's algorithm), each sorted.
 */
export function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (file: string): void => {
    index.set(file, next);
    lowLink.set(file, next);
    next++;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        lowLink.set(file, Math.min(lowLink.get(file)!, lowLink.get(target)!));
      } else if (onStack.has(target)) {
        lowLink.set(file, Math.min(lowLink.get(file)!, index.get(target)!));
      }
    }
    if (lowLink.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

/** Every import edge `from → to` for which `allowed` says no, as `from → to` lines. */
export function forbiddenEdges(graph: ImportGraph, allowed: (from: string, to: string) => boolean): string[] {
  return [...graph].flatMap(([from, targets]) => targets.filter((to) => !allowed(from, to)).map((to) => `${from} → ${to}`));
}
