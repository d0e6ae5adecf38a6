// The `.aiw` formatter as a Prettier plugin. Works with Prettier's own CLI
// (`prettier --plugin ./compiler/backends/format/index.ts x.aiw`) and from code.

import * as prettier from "prettier";
import type { Plugin, SupportLanguage } from "prettier";
import { aiwParser } from "./parser.ts";
import { printer } from "./printer.ts";
import type { FNode } from "./tree.ts";

export const languages: SupportLanguage[] = [
  { name: "AIWork", parsers: ["aiw"], extensions: [".aiw"] },
];

export const parsers = { aiw: aiwParser };

export const printers = { "aiw-ast": printer };

/** Prettier's defaults, except a wider line: declarations with typed parameters are long. */
export const defaultOptions = { printWidth: 100, tabWidth: 2 };

const plugin: Plugin<FNode> = { languages, parsers, printers, defaultOptions } as Plugin<FNode>;

export default plugin;

/** Formats `.aiw` source; rejects (a SyntaxError with line:column) when it has syntax errors. */
export function formatAiw(text: string, path?: string): Promise<string> {
  return prettier.format(text, { parser: "aiw", plugins: [plugin], ...(path !== undefined ? { filepath: path } : {}) });
}
