/** --list-tools / --list-resources / --list-prompts: every page, via the SDK client's cursor walk. */

import type { Client } from '@modelcontextprotocol/client';

export type ListKind = 'tools' | 'resources' | 'prompts';

export interface Listing {
  kind: ListKind;
  items: Array<Record<string, unknown>>;
}

export async function listAll(client: Client, kind: ListKind, timeoutMs: number): Promise<Listing> {
  const options = { timeout: timeoutMs };
  switch (kind) {
    case 'tools':
      return { kind, items: (await client.listTools(undefined, options)).tools as Array<Record<string, unknown>> };
    case 'resources':
      return { kind, items: (await client.listResources(undefined, options)).resources as Array<Record<string, unknown>> };
    case 'prompts':
      return { kind, items: (await client.listPrompts(undefined, options)).prompts as Array<Record<string, unknown>> };
  }
}
