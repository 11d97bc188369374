#!/usr/bin/env node
// The minimal stdio MCP server the benchmark wraps: an SDK v2 McpServer with one `echo` tool.
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { createEchoServer } from './echo-tool.mjs';

await createEchoServer().connect(new StdioServerTransport());
