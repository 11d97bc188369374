/** -c "TOOL ARGS": find the tool, parse ARGS against its input schema, call it. */

import { ProtocolError, type Client } from '@modelcontextprotocol/client';
import { ClientError, describeError } from '../../shared/errors.js';
import { listAll } from './list-command.js';
import { splitCallSpec } from './shell-words.js';
import { parseToolArguments, type ToolArguments } from './tool-arguments.js';
import { toToolInputSchema } from './tool-schema.js';

export interface CallOutcome {
  toolName: string;
  arguments: ToolArguments;
  result: Record<string, unknown>;
  isError: boolean;
}

/** Parses and validates the call spec against the server's tool list. Throws BAD_ARGUMENTS / UNKNOWN_TOOL. */
export function prepareCall(spec: string, tools: ReadonlyArray<Record<string, unknown>>): { toolName: string; arguments: ToolArguments } {
  const { toolName, rest } = splitCallSpec(spec);
  const tool = tools.find((t) => t.name === toolName);
  if (!tool) {
    const names = tools.map((t) => String(t.name)).sort();
    throw new ClientError('UNKNOWN_TOOL', `unknown tool '${toolName}'. Available tools: ${names.length > 0 ? names.join(', ') : '(none)'}`);
  }
  return { toolName, arguments: parseToolArguments(toolName, rest, toToolInputSchema(tool.inputSchema)) };
}

export async function runCall(client: Client, spec: string, timeoutMs: number): Promise<CallOutcome> {
  const { items: tools } = await listAll(client, 'tools', timeoutMs);
  const prepared = prepareCall(spec, tools);
  let result: Record<string, unknown>;
  try {
    result = (await client.callTool({ name: prepared.toolName, arguments: prepared.arguments }, { timeout: timeoutMs })) as Record<string, unknown>;
  } catch (error) {
    const code = error instanceof ProtocolError ? ` (JSON-RPC error ${error.code})` : '';
    throw new ClientError('TOOL_ERROR', `${prepared.toolName} failed${code}: ${describeError(error)}`, { cause: error });
  }
  return { ...prepared, result, isError: result.isError === true };
}
