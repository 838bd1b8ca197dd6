/**
 * The BPE merge loop shared by the CLIP and GPT-2 tokenizers: repeatedly merge every occurrence of
 * the lowest-ranked adjacent pair until no ranked pair is left. `ranks` maps "left right" to the
 * merge's line in merges.txt.
 */
export function mergeSymbols(initial: readonly string[], ranks: ReadonlyMap<string, number>): string[] {
  let symbols = [...initial];
  while (symbols.length > 1) {
    let bestRank = Infinity;
    let bestPair = '';
    for (let i = 0; i < symbols.length - 1; i++) {
      const pair = `${symbols[i]} ${symbols[i + 1]}`;
      const rank = ranks.get(pair);
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        bestPair = pair;
      }
    }
    if (bestRank === Infinity) break;
    const [left, right] = bestPair.split(' ');
    const merged: string[] = [];
    for (let i = 0; i < symbols.length; i++) {
      if (i < symbols.length - 1 && symbols[i] === left && symbols[i + 1] === right) {
        merged.push(left + right);
        i++;
      } else {
        merged.push(symbols[i]);
      }
    }
    symbols = merged;
  }
  return symbols;
}
