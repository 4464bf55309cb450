import type { Command } from 'commander';
import { detectHardware, parseLabels, type HardwareReport } from '../../runner';
import { hardwareSettings } from '../settings/tool-settings';
import { addSettingFlags, resolveFromCommand } from './setting-flags';

function human(r: HardwareReport): string {
  const c = r.capabilities;
  const lines = [`${c.hostname}: ${c.os}/${c.arch}, ${c.cpus} CPUs, ${c.memoryGb} GB memory`];
  if (c.gpus.length === 0) lines.push('GPUs: none');
  for (const g of c.gpus)
    lines.push(`GPU ${g.index}: ${g.name}, ${Math.round(g.memoryMb / 1024)} GB, driver ${g.driverVersion}`);
  if (c.cudaVersion) lines.push(`CUDA ${c.cudaVersion}`);
  lines.push(`labels: ${c.labels.join(', ')}`);
  return lines.join('\n') + '\n';
}

/** `fleet hardware [--json] [--labels a,b]`: what an agent on this machine would offer. */
export function registerHardwareCommand(program: Command): void {
  const cmd = program
    .command('hardware')
    .description('detect GPUs, CPUs, memory, OS and architecture, and the labels an agent here would have')
    .option('--json', 'print {capabilities, diagnostics}');
  addSettingFlags(cmd, hardwareSettings.settings).action((o: { json?: boolean }, self: Command) => {
    const { labels } = resolveFromCommand(self, hardwareSettings);
    const report = detectHardware({ labels: parseLabels(labels.join(',')) });
    if (o.json) process.stdout.write(JSON.stringify(report) + '\n');
    else process.stdout.write(human(report));
    for (const d of report.diagnostics) process.stderr.write(`fleet: ${d.tool}: ${d.message} [${d.code}]\n`);
  });
}
