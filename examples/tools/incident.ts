// Example tool: assesses an incident report by keywords and chooses the
// response steps (the names of the flow's templates to inject).

export function assess(args: { report: string }): { severity: string; steps: string[] } {
  const text = args.report.toLowerCase();
  const outage = /(down|outage|unavailable|500|data loss)/.test(text);
  const customers = /(customer|users|all|everyone)/.test(text);
  if (outage && customers) return { severity: "1", steps: ["page_oncall", "status_page", "open_ticket"] };
  if (outage) return { severity: "2", steps: ["page_oncall", "open_ticket"] };
  return { severity: "3", steps: ["open_ticket"] };
}
