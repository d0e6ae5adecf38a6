// Example tool: pulls vendor, amount, currency and line count out of a plain
// text invoice ("Vendor: ...", "Total: 1,234.50 EUR", lines starting "- ").

export function extractFields(args: { text: string }): { vendor: string; amount: number; currency: string; lines: number } {
  const vendor = /^vendor:\s*(.+)$/im.exec(args.text)?.[1]?.trim();
  if (vendor === undefined) throw new Error("extract_fields: the invoice names no vendor (a 'Vendor:' line)");
  const total = /^total:\s*([\d,]+(?:\.\d+)?)\s*([A-Z]{3})?\s*$/im.exec(args.text);
  if (total === null) throw new Error("extract_fields: the invoice has no 'Total:' line");
  const amount = Number(total[1]!.replace(/,/g, ""));
  const lines = args.text.split("\n").filter((l) => l.trimStart().startsWith("- ")).length;
  return { vendor, amount, currency: total[2] ?? "EUR", lines };
}
