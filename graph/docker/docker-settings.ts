/**
 * The Docker settings that apply to one Dockerfile: the schema's defaults, then the `docker`
 * option's own values, then every `docker.projects` entry whose key is the project's name or
 * a glob matching the Dockerfile's path, in the order they are written (later wins).
 */
import type { DockerPluginOptions, DockerSettings } from '../../config/options';
import schema from '../../config/schema.json';
import { globToRegExp } from '../glob-to-regexp';

/** Every setting filled in, for one Dockerfile. */
export interface ResolvedDockerSettings {
  /** Workspace-relative context folder (`.` for the workspace root). */
  context: string;
  /** True when the options set `context`; else {@link chooseContext} infers it. */
  contextFromOption: boolean;
  /** Image repository name without registry and tag. */
  image: string;
  tags: string[];
  buildArgs: Record<string, string>;
  envBuildArgs: string[];
  buildx: boolean;
  registry?: string;
  exportImage: false | 'tar' | 'registry';
  resolveBaseDigests: boolean;
}

/** Target names and the on/off switch, with defaults. */
export interface DockerTargetNames {
  enabled: boolean;
  build: string;
  push: string;
}

type SettingKey = keyof DockerSettings;
const SETTING_KEYS = Object.keys(schema.definitions.dockerSettings.properties) as SettingKey[];

export function dockerTargetNames(options: DockerPluginOptions | undefined): DockerTargetNames {
  const defaults = schema.properties.docker.properties;
  return {
    enabled: options?.enabled ?? defaults.enabled.default,
    build: options?.buildTargetName ?? defaults.buildTargetName.default,
    push: options?.pushTargetName ?? defaults.pushTargetName.default,
  };
}

/**
 * @example resolveDockerSettings({ tags: ['1.0'], projects: { 'api-image': { context: '.' } } },
 *   { project: 'api-image', dockerfile: 'docker/api/Dockerfile', defaultImage: 'api-image' })
 * // { context: '.', image: 'api-image', tags: ['1.0'], buildx: false, exportImage: false, ... }
 */
export function resolveDockerSettings(
  options: DockerPluginOptions | undefined,
  target: { project: string; dockerfile: string; defaultImage: string },
): ResolvedDockerSettings {
  const merged: DockerSettings & { image?: string } = {};
  const defaults = schema.definitions.dockerSettings.properties as Record<string, { default?: unknown }>;
  for (const key of SETTING_KEYS)
    if (defaults[key].default !== undefined) Object.assign(merged, { [key]: structuredClone(defaults[key].default) });
  for (const key of SETTING_KEYS) if (options?.[key] !== undefined) Object.assign(merged, { [key]: options[key] });
  for (const [key, entry] of Object.entries(options?.projects ?? {})) {
    if (key !== target.project && !globToRegExp(key, false).test(target.dockerfile)) continue;
    Object.assign(merged, entry);
  }
  const dir = target.dockerfile.includes('/') ? target.dockerfile.slice(0, target.dockerfile.lastIndexOf('/')) : '.';
  return {
    context: normalizeFolder(merged.context ?? dir),
    contextFromOption: merged.context !== undefined,
    image: merged.image ?? target.defaultImage,
    tags: merged.tags ?? ['latest'],
    buildArgs: merged.buildArgs ?? {},
    envBuildArgs: merged.envBuildArgs ?? [],
    buildx: merged.buildx ?? false,
    ...(merged.registry ? { registry: merged.registry.replace(/\/+$/, '') } : {}),
    exportImage: merged.exportImage ?? false,
    resolveBaseDigests: merged.resolveBaseDigests ?? false,
  };
}

function normalizeFolder(folder: string): string {
  const cleaned = folder
    .replace(/\\/g, '/')
    .replace(/\/+$/, '')
    .replace(/^\.\/+/, '');
  return cleaned === '' ? '.' : cleaned;
}

/**
 * A valid Docker repository name from a project name: lower case, `@scope/name` → `scope/name`,
 * runs of other characters → `-`. `@polyglot/api` → `polyglot/api`, `API_Image` → `api_image`.
 */
export function imageNameFor(projectName: string, variant?: string): string {
  const base = variant ? `${projectName}-${variant}` : projectName;
  const parts = base
    .toLowerCase()
    .replace(/^@/, '')
    .split('/')
    .map((p) => p.replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+|[._-]+$/g, ''))
    .filter(Boolean);
  return parts.length ? parts.join('/') : 'image';
}
