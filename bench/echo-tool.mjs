// The one tool both the stdio child and the in-process SDK floor serve, so they do identical work.
import { fromJsonSchema, McpServer } from '@modelcontextprotocol/server';

const ECHO_INPUT = fromJsonSchema({
  type: 'object',
  properties: { message: { type: 'string' } },
  required: ['message'],
});

/**
 * A fresh McpServer with the `echo(message)` tool.
 * @returns {McpServer}
 */
export function createEchoServer() {
  const server = new McpServer({ name: 'bench-echo', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echoes the message', inputSchema: ECHO_INPUT },
    async ({ message }) => ({ content: [{ type: 'text', text: String(message) }] }),
  );
  return server;
}
