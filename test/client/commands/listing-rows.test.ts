import { describe, expect, it } from 'vitest';
import { listingRows } from '../../../src/client/commands/listing-rows.js';
import { renderListing } from '../../../src/ui/render-listing.js';

describe('listing rows', () => {
  it('tools: name, description, parameters', () => {
    const table = listingRows({
      kind: 'tools',
      items: [
        { name: 'add', description: 'Add\n  two numbers', inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a'] } },
        { name: 'ping', inputSchema: { type: 'object' } },
      ],
    });
    expect(table.title).toBe('2 tools');
    expect(table.columns).toEqual(['Name', 'Description', 'Parameters']);
    expect(table.rows).toEqual([
      ['add', 'Add two numbers', 'a (number, required), b (number)'],
      ['ping', '', '(none)'],
    ]);
  });
  it('resources and prompts', () => {
    expect(listingRows({ kind: 'resources', items: [{ name: 'r', uri: 'test://r', mimeType: 'text/plain' }] }).rows).toEqual([['r', 'test://r', '(text/plain)']]);
    expect(listingRows({ kind: 'prompts', items: [{ name: 'p', description: 'P', arguments: [{ name: 'topic', required: true }, { name: 'style' }] }] }).rows).toEqual([
      ['p', 'P', 'topic (required), style'],
    ]);
    expect(listingRows({ kind: 'prompts', items: [] }).title).toBe('0 prompts');
  });
  it('renders an ink table within the terminal width', () => {
    const out = renderListing(listingRows({ kind: 'tools', items: [{ name: 'echo', description: 'Echo a message back', inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } }] }), 80);
    expect(out).toContain('1 tool');
    expect(out).toContain('echo');
    expect(out).toContain('message (string, required)');
    const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
    for (const line of out.split('\n')) expect(line.replace(ansi, '').length).toBeLessThanOrEqual(80);
  });
});
