/** What the proxy tells its tracer about one finished HTTP request (see tracing.ts for the OpenTelemetry one). */

export interface RequestTrace {
  /** Epoch milliseconds at which the request arrived. */
  startedAt: number;
  endedAt: number;
  httpMethod: string;
  status: number;
  outcome: string;
  /** W3C trace context of the HTTP request, and of the JSON-RPC message (`_meta.traceparent`), when present. */
  traceparent?: string;
  tracestate?: string;
  metaTraceparent?: string;
  metaTracestate?: string;
  rpc?: string;
  /** The tool or prompt a call names. */
  target?: string;
  requestId?: string | number;
  session?: string;
  protocolVersion?: string;
  /** A one-way fingerprint of the authenticated principal; never the token. */
  principal?: string;
}

export interface TraceSink {
  record(trace: RequestTrace): void;
  /** Exports what is buffered; called when the proxy stops. */
  shutdown(): Promise<void>;
}
