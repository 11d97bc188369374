#!/usr/bin/env node
import { main } from '../dist/cli/mcp-client.js';
main();
