/** Options of `nx-fleet:run` (schema.json). */
export interface RunExecutorOptions {
  command: string;
  cwd?: string;
  env?: Record<string, string>;
}
