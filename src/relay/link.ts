import type { JsonRpcId, JsonRpcMessage } from '../shared/jsonrpc.js';

/**
 * The one contract for anything that carries JSON-RPC messages: a stdio child, an era translator seen
 * from the edge, a remote, an in-memory pair. Every data path reads
 * `edge link ⇄ [era translator] ⇄ [mux] ⇄ peer link` (docs/architecture.md, glossary).
 *
 * - `send(message, route?)` writes one message; false when the link is gone and the message was not
 *   taken. `route` is the client request the message belongs to (routing.ts decides it); a link that
 *   has one stream (a child's pipes) ignores it.
 * - `onmessage` receives what the other side wrote, in order.
 * - `onclose` fires once when the link ended by itself or by `close()`, with what the link knows
 *   about the end (a child: its exit).
 * - `close()` ends the link (and whatever it owns: a child's process tree).
 *
 * Code that only sends and closes takes a `Link<never>`: any link fits it, whatever its close carries.
 */
export interface Link<Closed = void> {
  send(message: JsonRpcMessage, route?: JsonRpcId): boolean;
  onmessage?: (message: JsonRpcMessage) => void;
  onclose?: (closed: Closed) => void;
  close(): Promise<unknown> | void;
}
