// Built-in `render_template(template, values)`: fills `{{ name }}` and
// `{{ a.b.0 }}` placeholders from a record of values.
//
// Deliberately simple: no escapes, conditionals or loops. `{{{{x}}}}` is not
// an escape: the inner `{{x}}` is replaced and the outer braces stay. To
// output literal `{{`, pass it in as a value. Inserted values are not scanned
// again, so text in a value can never act as a placeholder.

import { toText } from "../values.ts";
import { lookupPath } from "./json-extract.ts";
import { ToolError, type ToolFunction } from "./tool.ts";

/** Output limit in characters: a template can repeat a large value many times. */
export const RENDER_MAX_CHARS = 10 * 1024 * 1024;

// A name is one or more dot-separated parts without spaces, braces or dots.
const PLACEHOLDER = /\{\{\s*([^{}\s.]+(?:\.[^{}\s.]+)*)\s*\}\}/g;

export const renderTemplate: ToolFunction = (args, ctx) => {
  ctx.signal.throwIfAborted();
  const template = args["template"];
  const values = args["values"] ?? null;
  if (typeof template !== "string") throw new ToolError("render_template: 'template' must be a string");
  let out = "";
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const name = m[1]!;
    const value = lookupPath(values, name.split("."));
    if (value === undefined) throw new ToolError(`render_template: no value for {{${name}}}`);
    out += template.slice(last, m.index) + toText(value);
    last = m.index + m[0].length;
    if (out.length > RENDER_MAX_CHARS) throw tooLarge();
  }
  out += template.slice(last);
  if (out.length > RENDER_MAX_CHARS) throw tooLarge();
  return { text: out };
};

function tooLarge(): ToolError {
  return new ToolError(`render_template: the result is longer than ${RENDER_MAX_CHARS} characters (10 MiB)`);
}
