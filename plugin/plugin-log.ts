/**
 * One line from the plugin to the user's terminal.
 *
 * Nx runs plugins in isolated worker processes whose stderr it pipes to its own and unrefs:
 * a line written there just before the worker answers (the last thing `postTasksExecution`
 * does) can be lost when nx exits first, which a loaded machine shows. Nx's own plugins send
 * such lines over the worker's socket instead (`emitPluginWorkerLog`, ordered before the
 * answer, printed by the host with `console.warn`); outside a worker it writes to stderr.
 */
type Emit = (level: 'warn', message: string) => void;

let emit: Emit | null | undefined;

function load(): Emit | null {
  try {
    const internal = require('@nx/devkit/internal') as { emitPluginWorkerLog?: Emit };
    return typeof internal.emitPluginWorkerLog === 'function' ? internal.emitPluginWorkerLog : null;
  } catch {
    return null;
  }
}

export function pluginLog(line: string): void {
  if (emit === undefined) emit = load();
  if (emit) emit('warn', line);
  else console.warn(line);
}
