/**
 * A small POSIX-shell-like word splitter for `-c "TOOL ARGS"`: whitespace separates words, single quotes
 * are literal, double quotes allow `\"`, `\\`, `\$` and `` \` `` escapes, and a backslash outside quotes
 * escapes the next character. Quotes may appear mid-word (`message='hello world'`). No expansion of any
 * kind happens here. Pure.
 */

import { ClientError } from '../../shared/errors.js';

const DOUBLE_QUOTE_ESCAPABLE = new Set(['"', '\\', '$', '`']);

export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      i += 1;
      continue;
    }
    inWord = true;
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) throw new ClientError('BAD_ARGUMENTS', 'unterminated single quote in arguments');
      current += text.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (ch === '"') {
      i += 1;
      let closed = false;
      while (i < text.length) {
        const c = text[i] as string;
        if (c === '"') {
          closed = true;
          i += 1;
          break;
        }
        if (c === '\\' && i + 1 < text.length && DOUBLE_QUOTE_ESCAPABLE.has(text[i + 1] as string)) {
          current += text[i + 1];
          i += 2;
          continue;
        }
        current += c;
        i += 1;
      }
      if (!closed) throw new ClientError('BAD_ARGUMENTS', 'unterminated double quote in arguments');
      continue;
    }
    if (ch === '\\') {
      if (i + 1 >= text.length) throw new ClientError('BAD_ARGUMENTS', 'trailing backslash in arguments');
      current += text[i + 1];
      i += 2;
      continue;
    }
    current += ch;
    i += 1;
  }
  if (inWord) words.push(current);
  return words;
}

/** Splits `"TOOL rest of args"` into the tool name (first shell word) and the untouched remainder. */
export function splitCallSpec(spec: string): { toolName: string; rest: string } {
  const trimmed = spec.trimStart();
  if (trimmed === '') throw new ClientError('BAD_ARGUMENTS', 'no tool name given: use -c "TOOL [ARGS]"');
  // Find where the first word ends, honouring quotes, by re-scanning with the word splitter on prefixes.
  let i = 0;
  let quote: string | null = null;
  while (i < trimmed.length) {
    const ch = trimmed[i] as string;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"') i += 1;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === '\\') {
      i += 1;
    } else if (/\s/.test(ch)) {
      break;
    }
    i += 1;
  }
  const [toolName] = splitShellWords(trimmed.slice(0, i));
  if (!toolName) throw new ClientError('BAD_ARGUMENTS', 'no tool name given: use -c "TOOL [ARGS]"');
  return { toolName, rest: trimmed.slice(i).trim() };
}
