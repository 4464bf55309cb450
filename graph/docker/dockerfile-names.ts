/**
 * Which files are Dockerfiles, and the variant each one names. `Dockerfile` and
 * `Containerfile` are the default variant; `worker.Dockerfile`, `Dockerfile.worker` and
 * `Containerfile.worker` are the `worker` variant. Ignore files (`*.dockerignore`) are not
 * Dockerfiles even though `Dockerfile.dockerignore` looks like one.
 */

/** The createNodes glob: every Dockerfile name at any depth. */
export const DOCKERFILE_GLOB =
  '**/{Dockerfile,Containerfile,*.Dockerfile,*.Containerfile,Dockerfile.*,Containerfile.*}';

const NAME = /^(?:Dockerfile|Containerfile)$|^.+\.(?:Dockerfile|Containerfile)$|^(?:Dockerfile|Containerfile)\..+$/;

/** True for a file name (or path) that is a Dockerfile. */
export function isDockerfileName(fileOrPath: string): boolean {
  const name = fileOrPath.slice(fileOrPath.lastIndexOf('/') + 1);
  return NAME.test(name) && !name.endsWith('.dockerignore') && !name.endsWith('.containerignore');
}

/**
 * The variant a Dockerfile name stands for: '' for `Dockerfile`/`Containerfile`, else the
 * other part of the name, lower-cased and made target-name safe (`Worker.Dockerfile` → `worker`).
 */
export function dockerfileVariant(fileOrPath: string): string {
  const name = fileOrPath.slice(fileOrPath.lastIndexOf('/') + 1);
  const m = /^(?:Dockerfile|Containerfile)\.(.+)$/.exec(name) ?? /^(.+)\.(?:Dockerfile|Containerfile)$/.exec(name);
  return m ? safeName(m[1]) : '';
}

/** Lower case, runs of characters other than letters, digits, `_` → `-`. */
export function safeName(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'x'
  );
}
