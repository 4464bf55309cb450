import type { Explanation, RunRef } from './explain-task';

function when(ms: number | null): string {
  return ms ? new Date(ms).toISOString().replace('.000Z', 'Z') : 'unknown time';
}

export function describeRun(r: RunRef): string {
  const where = r.agent ? `agent ${r.agent}` : `machine ${r.machine}`;
  return `run ${r.runId} (${r.branch ?? 'no branch'} @ ${r.commit?.slice(0, 10) ?? 'no commit'}, ${where}, ${when(r.startTime)})`;
}

/** The human form of `fleet explain` (the JSON form is the contract; this may change). */
export function formatExplanation(e: Explanation): string {
  const out: string[] = [];
  if (!e.baseline) {
    out.push(`${e.run ? `${e.task} in run ${e.run.runId}` : e.task}: nothing to compare with: ${e.notes.join('; ')}`);
    out.push(
      `  its inputs ${e.run ? 'then' : 'now'}: ${e.inputs.files} files; environment: ${e.inputs.environment.join(', ') || 'none'}; runtime: ${e.inputs.runtime.join(', ') || 'none'}`,
    );
    return out.join('\n') + '\n';
  }
  const subject = e.run ? `${e.task} in ${describeRun(e.run)}, hash ${e.run.hash}` : e.task;
  out.push(
    `${subject}: compared with ${describeRun(e.baseline)}, hash ${e.baseline.hash}, ${e.baseline.cache === 'miss' ? 'ran' : `${e.baseline.cache} cache hit`}`,
  );
  if (e.producer) out.push(`  its cache entry was produced by ${describeRun(e.producer)}`);
  if (e.identical) {
    out.push(
      `  nothing differs: the same inputs (files, environment, runtime, command) as ${e.run ? 'in that run' : 'then'}`,
    );
    return out.join('\n') + '\n';
  }
  const d = e.diff!;
  const deps = new Set(e.dependencies.flatMap((g) => g.files));
  const lines = (c: { linesAdded: number | null; linesRemoved: number | null }) =>
    c.linesAdded === null ? '' : ` (+${c.linesAdded} -${c.linesRemoved})`;
  for (const f of d.added.filter((x) => !deps.has(x))) out.push(`  added    ${f}`);
  for (const f of d.removed.filter((x) => !deps.has(x))) out.push(`  removed  ${f}`);
  for (const c of d.changed.filter((x) => !deps.has(x.file))) out.push(`  changed  ${c.file}${lines(c)}`);
  const changed = new Map(d.changed.map((c) => [c.file, c]));
  for (const g of e.dependencies) {
    out.push(`  dependency ${g.task ?? g.project}:`);
    for (const f of g.files) {
      const c = changed.get(f);
      out.push(`    ${c ? 'changed' : d.added.includes(f) ? 'added  ' : 'removed'}  ${f}${c ? lines(c) : ''}`);
    }
  }
  for (const v of d.environment) out.push(`  environment ${v.name} ${v.change}`);
  for (const r of d.runtime) out.push(`  runtime \`${r.command}\` ${r.change}`);
  for (const x of d.external) out.push(`  external ${x.name} ${x.change}`);
  if (d.command) out.push(`  command changed:\n    before ${d.command.before}\n    after  ${d.command.after}`);
  for (const n of e.notes) out.push(`  note: ${n}`);
  return out.join('\n') + '\n';
}
