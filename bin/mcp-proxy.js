#!/usr/bin/env node
import { main } from '../dist/cli/mcp-proxy.js';
main();
