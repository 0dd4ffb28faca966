/** Number and size formatting shared by the command line's outputs. */

/** 11689512 → "11,689,512". */
export function withCommas(value: number): string {
  return Math.round(value).toLocaleString('en-US');
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

/** Bytes as MB with two decimals, as torchinfo prints them. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB`;
}
