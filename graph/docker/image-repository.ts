import { parseImageRef } from './image-ref';

/**
 * The repository part of an image's canonical name, without tag or digest, so that
 * `FROM base-node:1.2`, `FROM base-node` and `FROM docker.io/library/base-node@sha256:..` all
 * name the image a `-t base-node:latest` build produces. Undefined for an invalid reference.
 */
export function imageRepository(ref: string): string | undefined {
  const parsed = parseImageRef(ref);
  if (!parsed.valid) return undefined;
  return parsed.canonical.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
}
