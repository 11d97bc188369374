import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Node ⇄ web-standard glue for the SDK's WebStandardStreamableHTTPServerTransport. The request is built
 * without a body (the transport gets the already-parsed body), so a message is parsed exactly once.
 */
export function toBodylessRequest(req: IncomingMessage, signal?: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    if (name === 'content-length' || name === 'transfer-encoding') continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
    method: req.method ?? 'GET',
    headers,
    ...(signal ? { signal } : {}),
  });
}

/** Writes a web Response to a Node response, streaming its body; cancels the body if the client leaves. */
export async function writeWebResponse(response: Response, res: ServerResponse, extraHeaders?: Record<string, string>): Promise<void> {
  const headers: Record<string, string> = { ...extraHeaders };
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  res.writeHead(response.status, headers);
  const body = response.body;
  if (!body) {
    res.end();
    return;
  }
  const reader = body.getReader();
  const onClose = (): void => {
    void reader.cancel().catch(() => undefined);
  };
  res.once('close', onClose);
  const streaming = headers['content-type']?.startsWith('text/event-stream') ?? false;
  if (streaming) res.flushHeaders();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value) && !res.destroyed) {
        await new Promise<void>((r) => {
          res.once('drain', r);
          res.once('close', r);
        });
      }
      if (res.destroyed) break;
    }
  } catch {
    // The stream was cancelled because the client left; nothing to report.
  } finally {
    res.off('close', onClose);
    if (!res.writableEnded) res.end();
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
