/**
 * Equality of two values as JSON text, without writing the text. Tests that
 * compare a whole analysis with a fresh one (incremental.test.ts) used to
 * compare `JSON.stringify` outputs of a few hundred kilobytes each, thousands
 * of times: writing and flattening those strings took most of their time.
 * This walks both values in the order JSON.stringify does, with the same
 * rules, so it finds a difference exactly when the two texts differ, and says
 * where.
 */

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
const ABSENT = Symbol('absent');

type Replacer = (value: unknown) => unknown;

/** Writes a Map as its entries, as the tests' serialisation does (JSON.stringify would write `{}`). */
export const mapsAsEntries: Replacer = (value) => (value instanceof Map ? { entries: [...value.entries()] } : value);

/** The value JSON.stringify writes for `value` under `key`: after toJSON and the replacer, primitives unboxed, non-finite numbers as null. */
function jsonValue(value: unknown, key: string, replacer: Replacer): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') value = (value as { toJSON(key: string): unknown }).toJSON(key);
  value = replacer(value);
  if (value instanceof Number || value instanceof String || value instanceof Boolean) value = value.valueOf();
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return ABSENT;
  if (typeof value === 'bigint') throw new TypeError(`JSON cannot write the BigInt at ${key}`);
  return value;
}

function describe(value: unknown): string {
  const text = value === ABSENT ? 'nothing' : JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** A difference found below some value: what differs, and the path to it (built while the search unwinds, so a match costs no strings). */
interface Found {
  path: string[];
  what: string;
}

/** The index of the next key of `object` from `from` on whose value JSON.stringify writes, and that value; keys.length when none is left. */
function nextMember(object: Record<string, unknown>, keys: string[], from: number, replacer: Replacer): [number, unknown] {
  for (let i = from; i < keys.length; i++) {
    const value = jsonValue(object[keys[i]], keys[i], replacer);
    if (value !== ABSENT) return [i, value];
  }
  return [keys.length, ABSENT];
}

/** Compares two values already passed through jsonValue. */
function differenceOf(actual: unknown, expected: unknown, replacer: Replacer): Found | undefined {
  // The same object (or primitive) writes the same text; numbers compare equal exactly when String() writes them alike, 0 and -0 included.
  if (actual === expected) return undefined;
  const actualIsArray = Array.isArray(actual);
  if (actualIsArray !== Array.isArray(expected) || typeof actual !== 'object' || typeof expected !== 'object' || actual === null || expected === null) {
    return { path: [], what: `${describe(actual)} where ${describe(expected)} was expected` };
  }
  if (actualIsArray) {
    const [a, e] = [actual as unknown[], expected as unknown[]];
    if (a.length !== e.length) return { path: [], what: `${a.length} items where ${e.length} were expected` };
    for (let i = 0; i < a.length; i++) {
      // An absent value in an array is written as null.
      let x = jsonValue(a[i], String(i), replacer);
      let y = jsonValue(e[i], String(i), replacer);
      if (x === ABSENT) x = null;
      if (y === ABSENT) y = null;
      const found = differenceOf(x, y, replacer);
      if (found) {
        found.path.push(`[${i}]`);
        return found;
      }
    }
    return undefined;
  }
  const [a, e] = [actual as Record<string, unknown>, expected as Record<string, unknown>];
  const [aKeys, eKeys] = [Object.keys(a), Object.keys(e)];
  // Walks the written members of both in order, skipping those JSON.stringify leaves out.
  let [i, x] = nextMember(a, aKeys, 0, replacer);
  let [j, y] = nextMember(e, eKeys, 0, replacer);
  for (let member = 0; ; member++) {
    if (i === aKeys.length || j === eKeys.length || aKeys[i] !== eKeys[j]) {
      if (i === aKeys.length && j === eKeys.length) return undefined;
      return { path: [], what: `member ${member} is ${i < aKeys.length ? `"${aKeys[i]}"` : 'missing'} where ${j < eKeys.length ? `"${eKeys[j]}"` : 'none'} was expected` };
    }
    const found = differenceOf(x, y, replacer);
    if (found) {
      found.path.push(`.${aKeys[i]}`);
      return found;
    }
    [i, x] = nextMember(a, aKeys, i + 1, replacer);
    [j, y] = nextMember(e, eKeys, j + 1, replacer);
  }
}

/**
 * Where `JSON.stringify(actual, r)` and `JSON.stringify(expected, r)` would
 * differ, as a path and the two values there, with `r` the replacer
 * (`mapsAsEntries` by default) applied to every value as JSON.stringify
 * applies it; undefined when the two texts would be equal.
 */
export function jsonDifference(actual: unknown, expected: unknown, replacer: Replacer = mapsAsEntries): string | undefined {
  const found = differenceOf(jsonValue(actual, '', replacer), jsonValue(expected, '', replacer), replacer);
  return found && `$${found.path.reverse().join('')}: ${found.what}`;
}
