/**
 * Types for the part of jsfive (a pure JavaScript HDF5 reader, which ships
 * none) that the `.keras` import uses: groups, datasets and their shapes,
 * element types and values.
 */
declare module 'jsfive' {
  /** A group: named links to groups and datasets. */
  export class Group {
    /** The full path of the group in the file. */
    readonly name: string;
    /** The names of the group's members. */
    readonly keys: string[];
    readonly attrs: Record<string, unknown>;
    /** The member at `path` (relative, or absolute from the file's root); throws (often a string) when there is none. */
    get(path: string): Group | Dataset | null;
  }

  /** An HDF5 file read from its bytes. */
  export class File extends Group {
    constructor(buffer: ArrayBuffer, filename?: string);
  }

  /** A dataset: an n-dimensional array. */
  export class Dataset {
    readonly name: string;
    /** Its dimensions; empty for a scalar. */
    readonly shape: number[];
    /** numpy's spelling of its element type (`<f4`, `>f8`, `<i8`), or an object describing a compound or other type. */
    readonly dtype: unknown;
    readonly attrs: Record<string, unknown>;
    /** Its values, flattened in row-major order. */
    readonly value: ArrayLike<number>;
  }
}
