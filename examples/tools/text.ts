// Example tool: an extractive summary (the first sentence, cut to a word
// limit) and a word count. Deterministic, so examples have checkable outputs.

export function summarise(args: { text: string; max_words: number }): { summary: string; words: number } {
  const words = args.text.split(/\s+/).filter((w) => w !== "");
  const firstSentence = /^[\s\S]*?[.!?](\s|$)/.exec(args.text.trim())?.[0] ?? args.text;
  const cut = firstSentence.trim().split(/\s+/).slice(0, Math.max(1, args.max_words));
  return { summary: cut.join(" "), words: words.length };
}
