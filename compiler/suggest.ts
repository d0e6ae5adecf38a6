// "Did you mean": the nearest names to a misspelt one, Gleam's way: an exact
// case-insensitive match first, then edit distance within a third of the length.

export function nearNames(typed: string, candidates: Iterable<string>, limit = 3): string[] {
  if (typed === "") return [];
  const lower = typed.toLowerCase();
  const pool = [...new Set(candidates)].filter((c) => c !== typed && c !== "");
  const caseOnly = pool.filter((c) => c.toLowerCase() === lower);
  if (caseOnly.length > 0) return caseOnly.sort().slice(0, limit);
  const threshold = Math.max(1, Math.floor(typed.length / 3));
  const scored: [string, number][] = [];
  for (const c of pool) {
    if (Math.abs(c.length - typed.length) > threshold) continue;
    const d = editDistance(lower, c.toLowerCase(), threshold);
    if (d <= threshold) scored.push([c, d]);
  }
  scored.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return scored.slice(0, limit).map(([c]) => c);
}

/** Levenshtein distance with adjacent transpositions, giving up above `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (a === b) return 0;
  const n = a.length;
  const m = b.length;
  let prev2: number[] = [];
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  for (let i = 1; i <= n; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return rowMin;
    prev2 = prev;
    prev = cur;
  }
  return prev[m]!;
}

/** "did you mean 'a'?" / "did you mean 'a' or 'b'?" or undefined. */
export function didYouMean(typed: string, candidates: Iterable<string>): string | undefined {
  const near = nearNames(typed, candidates);
  if (near.length === 0) return undefined;
  const quoted = near.map((n) => `'${n}'`);
  return `did you mean ${quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`}?`;
}
