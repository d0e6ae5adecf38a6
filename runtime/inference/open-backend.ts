// Chooses the inference backend: AIW_INFERENCE_BACKEND=openvino-c|openvino-node
// when set; otherwise the C API (its runtime found by discover.ts), then
// openvino-node. One backend per process, made on first use.

import { RuntimeMissingError, type InferenceBackend } from "./backend.ts";
import { OpenVinoCBackend } from "./openvino-c.ts";
import { OpenVinoNodeBackend } from "./openvino-node.ts";

export const BACKEND_ENV = "AIW_INFERENCE_BACKEND";

let shared: InferenceBackend | undefined;

export function openBackend(env: NodeJS.ProcessEnv = process.env): InferenceBackend {
  if (shared !== undefined) return shared;
  const wanted = env[BACKEND_ENV];
  if (wanted === "openvino-node") return (shared = new OpenVinoNodeBackend());
  if (wanted === "openvino-c") return (shared = new OpenVinoCBackend());
  if (wanted !== undefined && wanted !== "") throw new RuntimeMissingError(`${BACKEND_ENV} must be openvino-c or openvino-node, not '${wanted}'`);
  try {
    return (shared = new OpenVinoCBackend());
  } catch (cErr) {
    if (!(cErr instanceof RuntimeMissingError)) throw cErr;
    try {
      return (shared = new OpenVinoNodeBackend());
    } catch {
      // The C runtime's message says how to install it: that is the one to show.
      throw cErr;
    }
  }
}
