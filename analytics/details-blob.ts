import { decodeBlob, encodeBlob, type ContentBlob } from './content-blob';
import { inputsKeyOf } from './inputs-key';
import type { HashDetails } from './types';

/** A stored hashDetails: the values of its env/runtime nodes, and the shared rest by reference. */
interface SplitDetails {
  base: string;
  values: Record<string, string>;
  implicitDeps?: Record<string, string>;
  runtime?: Record<string, string>;
}

const isValueNode = (k: string): boolean => k.startsWith('env:') || k.startsWith('runtime:');

/**
 * Stores hashDetails in two parts. The base (command hash and every node, env and runtime values
 * blanked) is what {@link inputsKeyOf} digests, so it is stored once per inputs key (`b<key>`)
 * and shared by every hash that differs only in an environment or runtime value; the small part
 * per hash keeps those values. A cold run after an env change then deflates a few bytes per
 * task, not its whole node list (bench/analytics). `baseStored` says whether a base is already there.
 */
export function encodeDetails(
  d: HashDetails,
  baseStored: (id: string) => boolean,
): { id: string; blobs: ContentBlob[] } {
  if (!d.nodes || typeof d.nodes !== 'object') {
    // Not Nx's shape (a posted record): kept whole, as it came.
    const whole = encodeBlob('d', d);
    return { id: whole.id, blobs: [whole] };
  }
  const blobs: ContentBlob[] = [];
  const base = `b${inputsKeyOf(d)}`;
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.nodes)) if (isValueNode(k)) values[k] = v;
  if (!baseStored(base)) {
    const nodes: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.nodes)) nodes[k] = isValueNode(k) ? '' : v;
    blobs.push({ id: base, body: encodeBlob('d', { command: d.command, nodes }).body });
  }
  const split: SplitDetails = { base, values };
  if (d.implicitDeps) split.implicitDeps = d.implicitDeps;
  if (d.runtime) split.runtime = d.runtime;
  const own = encodeBlob('d', split);
  blobs.push(own);
  return { id: own.id, blobs };
}

/** Reads either form: a whole hashDetails (stores before the split), or a split one and its base. */
export function decodeDetails(body: Buffer, readBlob: (id: string) => Buffer | null): HashDetails | null {
  const v = decodeBlob<HashDetails | SplitDetails>(body);
  if (!('base' in v)) return v;
  const baseBody = readBlob(v.base);
  if (!baseBody) return null;
  const base = decodeBlob<{ command: string; nodes: Record<string, string> }>(baseBody);
  const out: HashDetails = { command: base.command, nodes: { ...base.nodes, ...v.values } };
  if (v.implicitDeps) out.implicitDeps = v.implicitDeps;
  if (v.runtime) out.runtime = v.runtime;
  return out;
}
