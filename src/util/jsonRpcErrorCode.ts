/** Standard JSON-RPC 2.0 error codes, shared by the status RPC server and the Engine API client. */
export const JsonRpcErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** go-ethereum's code for an error returned by a method handler */
  SERVER_ERROR: -32000,
} as const
