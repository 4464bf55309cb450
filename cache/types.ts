import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** A cache key as clients send it (Nx: decimal digits; turbo: hex). Validated by {@link parseArtifactHash}. */
export type ArtifactHash = string & { readonly __brand: 'ArtifactHash' };

/** A namespace of the store (`main`, `pr-123`); tokens write one and read an ordered list. */
export type Namespace = string & { readonly __brand: 'Namespace' };

/** What the store keeps next to each body. */
export interface ArtifactMeta {
  /** Body size in bytes. */
  size: number;
  /**
   * Hex SHA-256 of the body; `fleet cache verify` re-checks it. Small entries (and Redis) hash
   * the body before storing it; a large fs entry is published first and hashed by a background
   * thread, so this is undefined until that thread has recorded it (see digest-worker.ts).
   */
  sha256?: string;
  /** Turborepo's `x-artifact-tag` (its signature), stored verbatim. */
  tag?: string;
  /** Turborepo's `x-artifact-duration` in milliseconds. */
  durationMs?: number;
  /** When the entry was written (ms since epoch). */
  createdMs: number;
}

/**
 * A hit: small bodies come as one buffer (one syscall path), large ones as an open file whose
 * body (`meta.size` bytes from `start`) the server sends; whoever takes the hit closes `handle`.
 */
export type ArtifactRead = { meta: ArtifactMeta; namespace: Namespace } & (
  { buffer: Buffer; file?: undefined } | { buffer?: undefined; file: { handle: FileHandle; start: number } }
);

/** What the uploader declared about the body. */
export interface PutRequest {
  /** The `Content-Length`: the body must be exactly this long or nothing is stored. */
  size: number;
  tag?: string;
  durationMs?: number;
  /**
   * Writes the body straight from the connection into `fd` (from `start`, after `head`), around
   * Node's HTTP parser (see socket-body.ts); resolves null, having read nothing, where that is
   * not possible, and the store then streams the body as usual. Offered by the server for large
   * bodies; used by the fs store's large entries.
   */
  direct?: (fd: number, start: number, head: Buffer) => Promise<number | null>;
}

/** Why a write stored nothing. Stable codes: they appear in logs, metrics and `--json` output. */
export type PutFailureCode =
  /** The key is already in the namespace (first writer wins; bodies are immutable). */
  | 'EXISTS'
  /** Storing it would pass the hard limit. */
  | 'STORE_FULL'
  /** The body is larger than the store accepts for one entry. */
  | 'ENTRY_TOO_LARGE'
  /** The client sent fewer bytes than it declared, or went away. */
  | 'TRUNCATED'
  /** The store itself failed (disk, Redis). */
  | 'STORE_ERROR';

export type PutOutcome = { ok: true; meta: ArtifactMeta } | { ok: false; code: PutFailureCode; message: string };

/** Current usage, for metrics, `fleet cache stats` and eviction. */
export interface StoreUsage {
  bytes: number;
  entries: number;
  /** False while an on-disk index is still being loaded in the background. */
  indexReady: boolean;
  /** Large fs entries whose SHA-256 the background hasher has not recorded yet (fs only). */
  pendingDigests?: number;
}

/** One entry as `verify` and `stats` walk the store. */
export interface EntryRef {
  namespace: Namespace;
  hash: ArtifactHash;
}

/** `recorded`: the entry had no digest yet (pending); verify hashed it and recorded the digest. */
export type VerifyOutcome =
  { ok: true; recorded?: boolean } | { ok: false; reason: 'CORRUPT' | 'UNREADABLE'; message: string };

/**
 * The one storage contract. Implementations: {@link FsStore} (default) and {@link RedisStore}.
 * Every method returns expected failures as data; only programming errors throw.
 */
export interface ArtifactStore {
  readonly kind: 'fs' | 'redis';
  /** The entry in the first namespace (in order) that has it, or null on a miss. */
  get(namespaces: readonly Namespace[], hash: ArtifactHash): Promise<ArtifactRead | null>;
  /** Metadata only (HEAD, turbo's query), same lookup order as {@link get}. */
  has(namespaces: readonly Namespace[], hash: ArtifactHash): Promise<ArtifactMeta | null>;
  /** Streams `body` in; stores it only when complete and the key was new. */
  put(namespace: Namespace, hash: ArtifactHash, body: Readable, req: PutRequest): Promise<PutOutcome>;
  delete(ref: EntryRef): Promise<boolean>;
  entries(): AsyncIterable<EntryRef>;
  /** Re-hashes one entry's body and compares it with the stored SHA-256. */
  verify(ref: EntryRef): Promise<VerifyOutcome>;
  usage(): StoreUsage;
  /** Resolves once usage figures are complete (the index has loaded). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Size policy shared by the stores. */
export interface Capacity {
  /** Evict least recently used entries down to this many bytes after each write (Infinity: never). */
  maxSize: number;
  /** Refuse writes that would take the store past this many bytes. */
  hardLimit: number;
  /** Refuse single entries larger than this. */
  maxEntrySize: number;
}

/** Hooks a store calls so the server can count without the store knowing about metrics. */
export interface StoreEvents {
  evicted?(entries: number, bytes: number): void;
  /** The background hasher could not hash a pending entry (it stays pending; `verify` reports it). */
  digestFailed?(key: string, message: string): void;
}
