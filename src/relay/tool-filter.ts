import { errorResponse, INVALID_PARAMS, isRequest, isResponse, type JsonRpcId, type JsonRpcMessage, type JsonRpcResponse } from '../shared/jsonrpc.js';

/** --allow-tools / --deny-tools as given: globs with `*` and `?`, case-sensitive; deny wins; empty allow = every tool. */
export interface ToolFilterRules {
  allow: readonly string[];
  deny: readonly string[];
}

/** Is a tool of this name shown to clients? */
export type ToolVisibility = (name: string) => boolean;

/** A glob as an anchored, case-sensitive RegExp: `*` any run of characters (none included), `?` exactly one; nothing else is special. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const ch of glob) {
    if (ch === '*') source += '[\\s\\S]*';
    else if (ch === '?') source += '[\\s\\S]';
    else source += ch.replace(/[\\^$.|+()[\]{}/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'u');
}

/** The visibility rule of a filter: hidden when a deny glob matches, or when allow globs exist and none matches. */
export function toolVisibility(rules: ToolFilterRules): ToolVisibility {
  const allow = rules.allow.map(globToRegExp);
  const deny = rules.deny.map(globToRegExp);
  return (name) => !deny.some((re) => re.test(name)) && (allow.length === 0 || allow.some((re) => re.test(name)));
}

/** The answer the MCP spec gives for an unknown tool (server/tools § Error Handling): -32602 "Unknown tool: <name>". */
export function unknownToolError(id: JsonRpcId, name: string): JsonRpcResponse {
  return errorResponse(id, INVALID_PARAMS, `Unknown tool: ${name}`);
}

/** For a `tools/call` of a hidden tool: the answer the client gets instead (the call never reaches the server). */
export function hiddenToolCallAnswer(visible: ToolVisibility, message: JsonRpcMessage): JsonRpcResponse | undefined {
  if (!isRequest(message) || message.method !== 'tools/call') return undefined;
  const name = (message.params as { name?: unknown } | undefined)?.name;
  if (typeof name !== 'string' || visible(name)) return undefined;
  return unknownToolError(message.id, name);
}

/**
 * A `tools/list` answer without the hidden tools. Everything else is kept as it came (`nextCursor`,
 * `_meta`, unknown keys), so pagination goes on: a page may become empty and still carry its cursor.
 * An error, or a result without a `tools` array, is returned unchanged (the same object).
 */
export function filterToolsListAnswer(visible: ToolVisibility, message: JsonRpcMessage): JsonRpcMessage {
  if (!isResponse(message) || !('result' in message)) return message;
  const result = message.result as { tools?: unknown } | undefined;
  if (!result || !Array.isArray(result.tools)) return message;
  const tools = result.tools.filter((tool: unknown) => {
    const name = (tool as { name?: unknown } | null)?.name;
    return typeof name === 'string' ? visible(name) : true;
  });
  if (tools.length === result.tools.length) return message;
  return { ...message, result: { ...result, tools } } as JsonRpcMessage;
}

/** Outstanding `tools/list` ids kept per stage at most; beyond, the oldest is forgotten (its answer then passes unfiltered). */
const MAX_PENDING_LISTS = 1_024;

/**
 * The tool filter on one relay path between a client and a peer that answers by request id (a 2025
 * session): `fromClient` sees each client message before the peer does and `toClient` each message
 * for the client. A hidden tool's call is answered here (`fromClient` returns the answer; the caller
 * delivers it as if the peer had written it); answers to the client's `tools/list` lose the hidden
 * tools; every other message passes unchanged.
 */
export class ToolFilterStage {
  readonly visible: ToolVisibility;
  readonly #lists = new Set<JsonRpcId>();

  constructor(rules: ToolFilterRules) {
    this.visible = toolVisibility(rules);
  }

  /** The answer to give instead of relaying, for a call of a hidden tool; undefined: relay the message. */
  fromClient(message: JsonRpcMessage): JsonRpcResponse | undefined {
    if (!isRequest(message)) return undefined;
    if (message.method === 'tools/list') {
      this.#lists.add(message.id);
      if (this.#lists.size > MAX_PENDING_LISTS) this.#lists.delete(this.#lists.values().next().value!);
      return undefined;
    }
    this.#lists.delete(message.id); // an id reused for another method is no longer a listing
    return hiddenToolCallAnswer(this.visible, message);
  }

  /** A message for the client, with hidden tools removed when it answers a `tools/list`. */
  toClient(message: JsonRpcMessage): JsonRpcMessage {
    if (!isResponse(message) || message.id === null || !this.#lists.delete(message.id)) return message;
    return filterToolsListAnswer(this.visible, message);
  }
}
