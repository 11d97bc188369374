/** Human-readable rendering of a tools/call result: text as-is, other content summarised. Pure. */

function approxBytes(base64: unknown): number {
  return typeof base64 === 'string' ? Math.floor((base64.length * 3) / 4) : 0;
}

function describeBlock(block: Record<string, unknown>): string {
  switch (block.type) {
    case 'text':
      return typeof block.text === 'string' ? block.text : '';
    case 'image':
    case 'audio':
      return `[${block.type}: ${String(block.mimeType ?? 'unknown type')}, ${approxBytes(block.data)} bytes]`;
    case 'resource_link':
      return `[resource link: ${String(block.uri ?? '')}${block.name ? ` (${String(block.name)})` : ''}]`;
    case 'resource': {
      const resource = (block.resource ?? {}) as Record<string, unknown>;
      const head = `[resource: ${String(resource.uri ?? '')}${resource.mimeType ? `, ${String(resource.mimeType)}` : ''}]`;
      if (typeof resource.text === 'string') return `${head}\n${resource.text}`;
      return `${head.slice(0, -1)}, ${approxBytes(resource.blob)} bytes]`;
    }
    default:
      return `[${String(block.type ?? 'unknown')} content]`;
  }
}

export function formatCallResult(result: Record<string, unknown>): string {
  const content = Array.isArray(result.content) ? (result.content as Array<Record<string, unknown>>) : [];
  const parts = content.map(describeBlock);
  if (parts.length === 0 && result.structuredContent !== undefined) parts.push(JSON.stringify(result.structuredContent, null, 2));
  return parts.join('\n');
}
