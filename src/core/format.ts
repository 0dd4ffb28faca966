/** Number and size formatting shared by the command line, the server and the extension. */

/** 11689512 → "11,689,512". */
export function withCommas(value: number): string {
  const rounded = Math.round(value);
  // Whole numbers are grouped here: toLocaleString goes through the locale machinery, a third of the time of a
  // megabyte file's summary table. It stays for what this does not write the same (-0, and past exact integers).
  if (!Number.isSafeInteger(rounded) || Object.is(rounded, -0)) return rounded.toLocaleString('en-US');
  const digits = String(Math.abs(rounded));
  let grouped = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let at = grouped.length; at < digits.length; at += 3) grouped += `,${digits.slice(at, at + 3)}`;
  return rounded < 0 ? `-${grouped}` : grouped;
}

/** 1814073344 → "1.81 G". */
export function humanCount(value: number): string {
  const units = ['', ' K', ' M', ' G', ' T', ' P'];
  let scaled = value;
  let unit = 0;
  while (Math.abs(scaled) >= 1000 && unit < units.length - 1) {
    scaled /= 1000;
    unit++;
  }
  return unit === 0 ? String(Math.round(scaled)) : `${scaled.toFixed(2)}${units[unit]}`;
}

/** 11689512 → "11.7M": short enough for a status bar. */
export function compactCount(value: number): string {
  if (value >= 1e9) return `${(value / 1e9).toFixed(1)}B`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}K`;
  return String(value);
}

/** Bytes as MB with two decimals, as torchinfo prints them. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

const byteTextUnits = ['KB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** Bytes as B, KB, MB, GB, TB and on to YB (powers of 1000) with two decimals: a hostile file's 10^24 bytes read "1.05 YB", not a 16-digit count of GB. */
export function bytesText(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  // One division by the unit's power (as 1e3, 1e6 and 1e9 always were), so that rounding stays what it was; past YB,
  // the count of YB grows instead.
  let unit = 0;
  while (unit < byteTextUnits.length - 1 && bytes >= 1000 ** (unit + 2)) unit++;
  return `${(bytes / 1000 ** (unit + 1)).toFixed(2)} ${byteTextUnits[unit]}`;
}

const byteUnits: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/** "24 GB", "24GB", "16GiB", "512 MB" → bytes (GB = 10^9, GiB = 2^30); undefined for anything else. */
export function parseByteSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$/.exec(text);
  if (!match) return undefined;
  const unit = byteUnits[match[2].toLowerCase()];
  const bytes = unit === undefined ? undefined : Number(match[1]) * unit;
  return bytes !== undefined && bytes > 0 && Number.isFinite(bytes) ? Math.floor(bytes) : undefined;
}
