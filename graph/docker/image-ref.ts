/**
 * Image reference parsing per the distribution reference grammar
 * (`[registry[:port]/]path[:tag][@digest]`), with Docker Hub normalisation
 * (`node` → `docker.io/library/node:latest`).
 */
import type { ImageReference } from './types';

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/;

/**
 * Parses an image reference. Never throws: an invalid text gives `valid: false` with a
 * best-effort split, so callers can still report it.
 *
 * @example
 * parseImageRef('ghcr.io/acme/api:1.4@sha256:0123...') // registry 'ghcr.io', repository 'acme/api', mutable false
 * parseImageRef('node:20-alpine') // canonical 'docker.io/library/node:20-alpine', mutable true
 */
export function parseImageRef(raw: string): ImageReference {
  const text = raw.trim();
  const at = text.indexOf('@');
  const digest = at >= 0 ? text.slice(at + 1) : undefined;
  const named = at >= 0 ? text.slice(0, at) : text;
  const lastSlash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const tag = colon > lastSlash ? named.slice(colon + 1) : undefined;
  const name = colon > lastSlash ? named.slice(0, colon) : named;
  const { registry, repository } = splitRegistry(name);
  const valid =
    repository.split('/').every((c) => PATH_COMPONENT.test(c)) &&
    (registry === undefined || DOMAIN.test(registry)) &&
    (tag === undefined || TAG.test(tag)) &&
    (digest === undefined || DIGEST.test(digest));
  const ref: ImageReference = { raw, repository, canonical: '', mutable: digest === undefined, valid };
  if (registry !== undefined) ref.registry = registry;
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  ref.canonical = canonicalName(ref);
  return ref;
}

/** The first component is a registry only if it looks like a host: has `.` or `:`, or is localhost. */
function splitRegistry(name: string): { registry?: string; repository: string } {
  const slash = name.indexOf('/');
  if (slash < 0) return { repository: name };
  const first = name.slice(0, slash);
  const isHost = /[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase();
  return isHost ? { registry: first, repository: name.slice(slash + 1) } : { repository: name };
}

function canonicalName(ref: ImageReference): string {
  const registry = ref.registry ?? 'docker.io';
  const hubLibrary = registry === 'docker.io' && !ref.repository.includes('/');
  const repository = hubLibrary ? `library/${ref.repository}` : ref.repository;
  const tag = ref.tag ?? (ref.digest === undefined ? 'latest' : undefined);
  return `${registry}/${repository}${tag !== undefined ? `:${tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}
