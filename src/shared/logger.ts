import { redact, redactText } from './redact.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];
const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface LogSink {
  write(chunk: string): unknown;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Always stderr in production: stdout may carry JSON-RPC. */
  sink: LogSink;
  /** JSON lines (machines) or readable text (a person at a TTY). */
  format: 'json' | 'text';
  now?: () => Date;
  bindings?: Record<string, unknown>;
}

export interface Logger {
  readonly level: LogLevel;
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  enabled(level: LogLevel): boolean;
  child(bindings: Record<string, unknown>): Logger;
}

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export function createLogger(options: LoggerOptions): Logger {
  const now = options.now ?? (() => new Date());
  const bindings = options.bindings ?? {};
  const max = RANK[options.level];
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (RANK[level] > max) return;
    const data = redact({ ...bindings, ...fields }) as Record<string, unknown>;
    const text = redactText(msg);
    let line: string;
    if (options.format === 'json') {
      line = JSON.stringify({ time: now().toISOString(), level, msg: text, ...data });
    } else {
      const extras = Object.entries(data)
        .filter(([k]) => k !== 'stack' || options.level === 'debug')
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      line = `${level.padEnd(5)} ${text}${extras ? `  ${extras}` : ''}`;
    }
    options.sink.write(`${line}\n`);
  };
  return {
    level: options.level,
    error: (m, f) => emit('error', m, f),
    warn: (m, f) => emit('warn', m, f),
    info: (m, f) => emit('info', m, f),
    debug: (m, f) => emit('debug', m, f),
    enabled: (level) => RANK[level] <= max,
    child: (more) => createLogger({ ...options, bindings: { ...bindings, ...more } }),
  };
}

/** A logger that drops everything; for library callers that pass none. */
export const silentLogger: Logger = createLogger({ level: 'error', sink: { write: () => true }, format: 'json' });
