import { describe, expect, it } from 'vitest';
import { COLUMN_GAP, listingColumnWidths, MIN_WRAP_WIDTH } from '../../src/ui/listing-layout.js';
import { renderListing } from '../../src/ui/render-listing.js';

const columns = ['Name', 'Description', 'Parameters'];
const longName = 'github_create_pull_request_review_comment';
const rows = [
  [longName, 'Creates a review comment on a pull request, at a line of a file in the diff, optionally as a reply to another comment.', 'owner (string, required), repo (string, required), pull_number (number, required), body (string, required)'],
  ['echo', 'says it back', 'message (string, required)'],
];

describe('listingColumnWidths', () => {
  it('the name column is as wide as the longest name, whatever the terminal width', () => {
    for (const width of [40, 60, 80, 120, 200]) expect(listingColumnWidths(columns, rows, width)[0]).toBe(longName.length);
  });
  it('natural widths when everything fits; otherwise the other columns share the rest and fit the terminal', () => {
    const wide = listingColumnWidths(columns, [['a', 'b', 'c']], 80);
    expect(wide).toEqual([4, 11, 10]);
    for (const width of [80, 100, 120]) {
      const widths = listingColumnWidths(columns, rows, width);
      const total = widths.reduce((a, b) => a + b, 0) + COLUMN_GAP * columns.length;
      expect(total).toBeLessThanOrEqual(width);
      for (const w of widths.slice(1)) expect(w).toBeGreaterThanOrEqual(MIN_WRAP_WIDTH);
    }
  });
  it('a very narrow terminal: descriptions shrink to the minimum, names still whole', () => {
    expect(listingColumnWidths(columns, rows, 30)).toEqual([longName.length, MIN_WRAP_WIDTH, MIN_WRAP_WIDTH]);
  });
});

describe('the rendered table (ink, to a string)', () => {
  it('never breaks a tool name across lines; descriptions wrap instead', () => {
    for (const width of [60, 80, 100]) {
      const text = renderListing({ title: '2 tools', columns, rows }, width);
      const lines = text.split('\n');
      expect(lines.some((l) => l.includes(longName)), text).toBe(true);
      expect(lines.filter((l) => l.includes('Creates a')).length).toBe(1);
      // The description spilled over onto following lines (it wrapped), and those lines hold no name fragment.
      const at = lines.findIndex((l) => l.includes(longName));
      expect(lines[at + 1]?.slice(0, longName.length).trim()).toBe('');
    }
  });
});
