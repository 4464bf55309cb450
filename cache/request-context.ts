import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestRecord } from './metrics';
import type { TokenRegistry } from './token-registry';
import type { ArtifactStore, PutFailureCode } from './types';

/** What every route handler gets: the store, the tokens, and the record it fills in for logs and metrics. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  store: ArtifactStore;
  tokens: TokenRegistry;
  /** Filled in by handlers; the server adds timing and status when the response is done. */
  record: Partial<RequestRecord> & {
    namespace?: string;
    token?: string;
    code?: PutFailureCode | string;
    hash?: string;
  };
  /** Status for a write the store refused for lack of room (see docs/remote-cache.md). */
  fullStatus: number;
  /** Status for a body over the entry limit (default 413, which Nx 24 treats as a failed run). */
  tooLargeStatus: number;
  /** Large upload bodies are read straight from the socket (socket-body.ts); `--direct-uploads off` turns it off. */
  directUploads: boolean;
}

export type RouteHandler = (ctx: RequestContext) => Promise<void>;
