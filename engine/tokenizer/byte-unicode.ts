/**
 * The GPT-2 / CLIP reversible byte→character table: printable Latin-1 bytes map to themselves,
 * every other byte to U+0100 + k, so a UTF-8 byte string becomes a string with no whitespace or
 * control characters that BPE merges can address.
 */
export function bytesToUnicode(): string[] {
  const table: string[] = new Array(256);
  const isPrintable = (b: number): boolean =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = isPrintable(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  }
  return table;
}
