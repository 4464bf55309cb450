import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { noteSpentBuffers } from './gc-pressure';
import type { ArtifactRead } from './types';

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  // Nx 24 insists on exactly `text/plain` (no charset) for 401; using it everywhere keeps one rule.
  const body = Buffer.from(text + '\n');
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': body.length, ...headers });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
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
  if (req.complete) return;
  await new Promise<void>((resolve) => {
    req.on('end', resolve).on('close', resolve).on('error', resolve);
    req.resume();
  });
}

/** Sends a hit: a small body in one write, a large one streamed with backpressure. */
export async function sendArtifact(res: ServerResponse, hit: ArtifactRead, headers: Record<string, string | number>): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': hit.meta.size, ...headers });
  if (hit.buffer) {
    res.end(hit.buffer);
    return;
  }
  const stream = hit.stream as Readable;
  stream.on('data', (c: Buffer) => noteSpentBuffers(c.length));
  await pipeline(stream, res).catch(() => {
    // The client went away mid-download: nothing to answer, and nothing to clean up but the file
    // handle, which pipeline has already closed.
  });
}

/** The declared body length, or null when absent or not a number. */
export function contentLength(req: IncomingMessage): number | null {
  const raw = req.headers['content-length'];
  if (raw === undefined || !/^\d+$/.test(raw)) return null;
  return Number(raw);
}
