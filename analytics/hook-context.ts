import type { HashDetails, NxTaskStatus } from './types';

/**
 * What nx-fleet reads of Nx's `PostTasksExecutionContext` (Nx 24.0.6). Kept structural so that
 * analytics/ needs no Nx import; plugin/ passes Nx's context straight through.
 */
export interface HookTask {
  id: string;
  target: { project: string; target: string; configuration?: string };
  hash?: string;
  hashDetails?: HashDetails;
  startTime?: number;
  endTime?: number;
}

export interface HookContext {
  workspaceRoot: string;
  nxJsonConfiguration: unknown;
  argv: string[];
  startTime?: number;
  endTime?: number;
  taskResults: Record<string, { task: HookTask; status: string; code?: number; terminalOutput?: string }>;
}

export function cacheSourceOf(status: string): 'local' | 'remote' | 'miss' | 'skipped' {
  if (status === 'local-cache' || status === 'local-cache-kept-existing') return 'local';
  if (status === 'remote-cache') return 'remote';
  if (status === 'skipped') return 'skipped';
  return 'miss';
}

export function asStatus(status: string): NxTaskStatus {
  return status as NxTaskStatus;
}
