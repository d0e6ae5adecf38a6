// `aiwc submit FILE`: compiles a flow here (diagnostics shown at once), sends
// it as a request to the workers' Kafka topic, and with --wait prints its
// result. The IR is compiled as if FILE were in the workers' --tools-dir:
// TypeScript tool paths are relative to that folder.
// Exit 0: sent (or, with --wait, COMPLETED); 1: FAILED, REJECTED or no result
// in time; 2: usage or compile errors.

import { randomUUID } from "node:crypto";
import * as nodePath from "node:path";
import { Command, Option } from "commander";
import { compile } from "../../compiler/compile.ts";
import type { IrProgram } from "../../compiler/ir.ts";
import { nodeHost } from "../../compiler/program.ts";
import { renderDiagnostics } from "../../compiler/render-diagnostic.ts";
import { KafkaSubmitter } from "../../worker/kafka-queue.ts";
import { DEFAULT_TOPICS, REQUEST_ID, type FlowRequestMessage, type FlowResultMessage } from "../../worker/messages.ts";
import { EXIT_ERRORS, EXIT_OK, EXIT_USAGE, type CommandContext } from "../context.ts";
import { requireFiles } from "../files.ts";
import { chooseFlow, readInputs } from "./run.ts";

interface SubmitFlags {
  brokers: string;
  flow?: string;
  input: string[];
  inputs?: string;
  id?: string;
  wait?: boolean;
  timeout: string;
  requests: string;
  results: string;
}

export function submitCommand(ctx: CommandContext): Command {
  return new Command("submit")
    .description("send a flow of a .aiw file to the Kafka workers as a request (--wait: print its result)")
    .argument("<file>", ".aiw file")
    .requiredOption("--brokers <host:port,...>", "Kafka brokers")
    .option("--flow <name>", "the flow to run (default: the file's only flow)")
    .option("--input <key=value>", "an input value; repeatable (JSON for non-string inputs)", (v: string, prev: string[]) => [...prev, v], [])
    .option("--inputs <file.json>", "inputs as a JSON object")
    .option("--id <request-id>", "the request id (default: a new UUID); a request sent twice with one id runs once")
    .option("--wait", "wait for the result and print it as JSON")
    .addOption(new Option("--timeout <ms>", "with --wait, how long to wait").default("60000"))
    .addOption(new Option("--requests <topic>", "topic of flow requests").default(DEFAULT_TOPICS.requests))
    .addOption(new Option("--results <topic>", "topic of results").default(DEFAULT_TOPICS.results))
    .action(async (file: string, flags: SubmitFlags) => {
      ctx.exitCode = await submit(ctx, file, flags);
    });
}

async function submit(ctx: CommandContext, file: string, flags: SubmitFlags): Promise<number> {
  const timeout = Number(flags.timeout);
  if (!Number.isInteger(timeout) || timeout < 1) return usage(ctx, `--timeout must be a whole number of milliseconds, not '${flags.timeout}'`);
  const requestId = flags.id ?? randomUUID();
  if (!REQUEST_ID.test(requestId)) return usage(ctx, `--id '${requestId}' is not a request id (1-200 of A-Z a-z 0-9 . _ : -, starting with a letter or digit)`);
  const brokers = flags.brokers.split(",").map((b) => b.trim()).filter((b) => b !== "");
  if (brokers.length === 0) return usage(ctx, "--brokers takes host:port[,host:port...]");
  if (!requireFiles(ctx, [file])) return EXIT_USAGE;

  // Locations relative to the file's folder: the worker reads them relative to its tools folder.
  const dir = nodePath.dirname(nodePath.resolve(file));
  const c = compile([file], { readFile: nodeHost.readFile, displayPath: (abs) => nodePath.relative(dir, abs).split(nodePath.sep).join("/") });
  if (c.ir === undefined) {
    ctx.stderr(renderDiagnostics(c.diagnostics, c.sourceOf, { color: ctx.isTTY }));
    return EXIT_USAGE;
  }
  const flow = chooseFlow(ctx, c.ir, flags.flow);
  if (flow === undefined) return EXIT_USAGE;
  const inputs = readInputs(ctx, c.ir, flow, flags);
  if (inputs === undefined) return EXIT_USAGE;
  const request: FlowRequestMessage = { requestId, ir: c.ir satisfies IrProgram, flow, inputs };

  const client = new KafkaSubmitter({ brokers });
  try {
    const listener = flags.wait ? await client.listen(flags.results, requestId) : undefined;
    try {
      await client.send({ topic: flags.requests, key: requestId, value: JSON.stringify(request), headers: { "aiwork-request-id": requestId } });
      if (listener === undefined) {
        ctx.stdout(`${JSON.stringify({ requestId, topic: flags.requests })}\n`);
        return EXIT_OK;
      }
      const text = await listener.next(timeout);
      if (text === undefined) {
        ctx.stderr(`error: no result for request '${requestId}' within ${timeout} ms (it stays queued; its result will be on '${flags.results}')\n`);
        return EXIT_ERRORS;
      }
      ctx.stdout(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
      return (JSON.parse(text) as FlowResultMessage).status === "COMPLETED" ? EXIT_OK : EXIT_ERRORS;
    } finally {
      await listener?.close();
    }
  } catch (err) {
    ctx.stderr(`error: Kafka at ${brokers.join(",")}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_ERRORS;
  } finally {
    await client.close();
  }
}

function usage(ctx: CommandContext, message: string): number {
  ctx.stderr(`error: ${message}\n`);
  return EXIT_USAGE;
}
