/** Options of `nx-fleet:typecheck` (schema.json). */
export interface TypecheckExecutorOptions {
  cwd: string;
  tsConfigs: string[];
}
