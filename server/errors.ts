// Errors of the REST API: every one is a JSON body `{ "error": { "code",
// "message", "details"? } }` with a stable code from this table, so clients
// can branch on the code and show the message.

export const API_ERRORS = {
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  MALFORMED_JSON: 400,
  EMPTY_BODY: 400,
  INVALID_REQUEST: 400,
  COMPILE_ERROR: 400,
  INVALID_IR: 400,
  UNKNOWN_FLOW: 400,
  INVALID_INPUTS: 400,
  TOOL_NOT_ALLOWED: 403,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_RUNS: 503,
  SHUTTING_DOWN: 503,
  INTERNAL: 500,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export interface ApiErrorBody {
  readonly error: { readonly code: ApiErrorCode; readonly message: string; readonly details?: readonly unknown[] };
}

/** An error the API answers with; its HTTP status follows from the code. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly code: ApiErrorCode;
  readonly details: readonly unknown[] | undefined;
  constructor(code: ApiErrorCode, message: string, details?: readonly unknown[]) {
    super(message);
    this.code = code;
    this.details = details;
  }
  get statusCode(): number {
    return API_ERRORS[this.code];
  }
  body(): ApiErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details !== undefined ? { details: this.details } : {}) } };
  }
}

/** The JSON schema of every error body (for the OpenAPI document). */
export const errorBodySchema = {
  type: "object",
  description: "Every error the API returns.",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", enum: Object.keys(API_ERRORS), description: "Stable, machine-readable: branch on this." },
        message: { type: "string", description: "For people." },
        details: { type: "array", items: {}, description: "Compiler diagnostics, schema violations or input problems, when there are any." },
      },
    },
  },
} as const;
