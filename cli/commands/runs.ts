// `aiwc runs`: the runs in a state store, newest first, with their status.

import { Command, Option } from "commander";
import { openStateStore } from "../../runtime/state/open-store.ts";
import { EXIT_USAGE, type CommandContext } from "../context.ts";

export function runsCommand(ctx: CommandContext): Command {
  return new Command("runs")
    .description("list runs and their status (newest first)")
    .option("--state <url>", "state store: a SQLite path (default .aiw-state/runs.db) or redis://host:port")
    .option("--json", "print JSON")
    .addOption(new Option("--limit <n>", "how many runs").default("50"))
    .action(async (flags: { state?: string; json?: boolean; limit: string }) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        ctx.stderr(`error: --limit must be a whole number of at least 1\n`);
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      let store;
      try {
        store = await openStateStore(flags.state, process.cwd());
      } catch (err) {
        ctx.stderr(`error: ${err instanceof Error ? err.message : String(err)}\n`);
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      try {
        const runs = await store.listRuns(limit);
        if (flags.json) {
          ctx.stdout(`${JSON.stringify({ runs }, null, 2)}\n`);
          return;
        }
        if (runs.length === 0) {
          ctx.stdout("no runs yet\n");
          return;
        }
        const w = Math.max(...runs.map((r) => r.runId.length));
        const f = Math.max(4, ...runs.map((r) => r.flow.length));
        ctx.stdout(`${"RUN".padEnd(w)}  ${"FLOW".padEnd(f)}  ${"STATUS".padEnd(9)}  UPDATED\n`);
        for (const r of runs) ctx.stdout(`${r.runId.padEnd(w)}  ${r.flow.padEnd(f)}  ${r.status.padEnd(9)}  ${r.updatedAt}\n`);
      } finally {
        await store.close();
      }
    });
}
