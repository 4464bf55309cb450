import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendFileBody } from './file-sender';
import { isTakenOver } from './socket-body';
import type { ArtifactRead } from './types';

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  // Nx 24 insists on exactly `text/plain` (no charset) for 401; using it everywhere keeps one rule.
  const body = Buffer.from(text + '\n');
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': body.length, ...headers });
  res.end(body);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length, ...headers });
  res.end(body);
}

/**
 * Reads and discards the rest of a request body before answering. Answering early and closing
 * would be cheaper, but a client still writing then sees a reset instead of our status, and Nx
 * fails the whole run on a reset. The body is bounded by its Content-Length.
 */
export async function drain(req: IncomingMessage): Promise<void> {
  // A body read from the socket (socket-body.ts) has been read to its end, or its client is gone.
  if (req.complete || isTakenOver(req.socket)) return;
  await new Promise<void>((resolve) => {
    req.on('end', resolve).on('close', resolve).on('error', resolve);
    req.resume();
  });
}

/** Sends a hit: a small body in one write, a large one from its file through reused buffers. */
export async function sendArtifact(
  res: ServerResponse,
  hit: ArtifactRead,
  headers: Record<string, string | number>,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': hit.meta.size, ...headers });
  if (hit.buffer) {
    res.end(hit.buffer);
    return;
  }
  try {
    // false: the client went away, or the read failed and the response was destroyed.
    if (await sendFileBody(res, hit.file.handle.fd, hit.file.start, hit.meta.size)) res.end();
  } finally {
    await hit.file.handle.close().catch(() => undefined);
  }
}

/** The declared body length, or null when absent or not a number. */
export function contentLength(req: IncomingMessage): number | null {
  const raw = req.headers['content-length'];
  if (raw === undefined || !/^\d+$/.test(raw)) return null;
  return Number(raw);
}
