/** Options of `nx-fleet:vitest` (schema.json). */
export interface VitestExecutorOptions {
  cwd: string;
  config?: string;
  passWithNoTests?: boolean;
  exclude?: string[];
}
