/** The strings that start with a prefix, as a half-open range: `from <= s < to` (no upper end when `to` is null). */
export type PrefixRange = { from: string; to: string | null };

const MAX_CODE_POINT = 0x10ffff;

/**
 * "starts with `prefix`" as a range in code-point order, which is the byte order of UTF-8 and so
 * the order of the "C" collation. A range lets Postgres walk an index in order and stop at the
 * end of the range; a LIKE pattern it may turn into a bitmap scan plus a sort of every match.
 * The upper end is the prefix with its last code point raised by one (code points that cannot
 * be raised are dropped first).
 */
export function prefixRange(prefix: string): PrefixRange {
  const codePoints = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (codePoints.length > 0 && codePoints.at(-1) === MAX_CODE_POINT) codePoints.pop();
  if (codePoints.length === 0) return { from: prefix, to: null };
  let last = codePoints.pop()! + 1;
  if (last >= 0xd800 && last <= 0xdfff) last = 0xe000; // surrogates are not characters; skip them
  return { from: prefix, to: String.fromCodePoint(...codePoints, last) };
}
