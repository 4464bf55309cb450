import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzerFor } from './analyzers';
import type { ExtractResult, FileHash, WorkspacePath } from './types';

/** One file to read: hash it when no hash is known, extract its imports when `analyze`. */
export interface ParseJob {
  file: WorkspacePath;
  hash?: FileHash;
  analyze: boolean;
}

/** What reading one file gave. `missing`: it could not be read (deleted since it was listed). */
export interface ParseOutput {
  file: WorkspacePath;
  hash?: FileHash;
  /** Stat of the file as read (for the stat cache); taken on the open descriptor, so it matches the content. */
  mtimeMs?: number;
  size?: number;
  raw?: ExtractResult;
  missing?: true;
}

/**
 * Content hash used when Nx gave none: git's blob hash (sha1 over `blob <size>\0<content>`), so
 * it equals the hash `git ls-files -s` reports for an unchanged tracked file and the cache
 * stays valid whichever of the two produced it.
 */
export function hashContent(content: Buffer): FileHash {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

/** Reads, hashes and extracts one file. Never throws: an analyzer failure becomes a diagnostic. */
export function parseFile(root: string, job: ParseJob): ParseOutput {
  let content: Buffer;
  let stat: fs.Stats;
  try {
    const fd = fs.openSync(path.join(root, job.file), 'r');
    try {
      stat = fs.fstatSync(fd);
      content = fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return { file: job.file, missing: true };
  }
  const hash = job.hash ?? hashContent(content);
  const base = { file: job.file, hash, mtimeMs: stat.mtimeMs, size: stat.size };
  if (!job.analyze) return base;
  const analyzer = analyzerFor(job.file);
  if (!analyzer) return base;
  try {
    return { ...base, raw: analyzer.extract(content.toString('utf8'), job.file) };
  } catch (err) {
    // Analyzers are written not to throw; this keeps one bad file from failing the graph if one does.
    const message = `import extraction failed: ${(err as Error).message}`;
    return { ...base, raw: { imports: [], diagnostics: [{ code: 'EXTRACT_FAILED', message }] } };
  }
}

/** Parses a batch (the unit of work sent to a pool worker). */
export function parseBatch(root: string, jobs: ParseJob[]): ParseOutput[] {
  return jobs.map((job) => parseFile(root, job));
}
