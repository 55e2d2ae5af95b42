/** Levenshtein distance (insertions, deletions, substitutions), for short names only. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidate closest to a misspelt name (a config key, a command-line flag), or undefined when
 * none is close: within an edit distance of 2, or a third of the name's length for long names.
 * Names over 200 characters are never matched (the distance is quadratic).
 *
 * @example
 * didYouMean('batch_szie', ['batch_size', 'crop_size']); // 'batch_size'
 * didYouMean('sett', ['set', 'folder']); // 'set'
 */
export function didYouMean(name: string, candidates: readonly string[]): string | undefined {
  if (name.length > 200) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const dist = editDistance(name, c);
    if (dist < bestDistance) [best, bestDistance] = [c, dist];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}
