import type { FleetPluginOptions } from '../../config';

type Options = Record<string, unknown>;

/**
 * A plugin that infers targets from files nx-fleet reads too. `targets` gives the names it infers
 * with the options written in nx.json (the defaults are those of Nx 24 and @nxlv/python 21).
 */
export interface PeerPlugin {
  /** As written in nx.json `plugins[].plugin`. */
  plugin: string;
  /** The files it infers from, in words. */
  reads: string;
  targets(options: Options): string[];
  /** When no name collides: how the two coexist, or what to remove. */
  overlap: string;
}

const str = (v: unknown, fallback: string) => (typeof v === 'string' && v.length > 0 ? v : fallback);
/** `@nx/js/typescript`'s `typecheck`/`build`: `false` turns it off, `{ targetName }` renames it. */
const toggled = (v: unknown, fallback: string) =>
  v === false ? [] : [str((v as { targetName?: unknown } | undefined)?.targetName, fallback)];
/** `@nx/docker`'s `buildTarget`/`runTarget`: a name or `{ name }`. */
const named = (v: unknown, fallback: string) =>
  typeof v === 'string' ? [str(v, fallback)] : [str((v as { name?: unknown } | undefined)?.name, fallback)];

const BUNDLER = (options: Options) => [str(options.buildTargetName, 'build')];
const KEEP_ONE_TS = "Keep one owner per target: remove it from nx.json, or keep it and use nx-fleet's names.";

/** The peers `nx g nx-fleet:init` recognises. */
export const PEER_PLUGINS: PeerPlugin[] = [
  {
    plugin: '@nx/js/typescript',
    reads: 'tsconfig*.json',
    targets: (o) => [...toggled(o.typecheck, 'typecheck'), ...toggled(o.build, 'build')],
    overlap: KEEP_ONE_TS,
  },
  {
    plugin: '@nx/vite/plugin',
    reads: 'vite.config.* / vitest.config.*',
    targets: (o) => [
      str(o.buildTargetName, 'build'),
      str(o.testTargetName, 'test'),
      str(o.typecheckTargetName, 'typecheck'),
      str(o.serveTargetName, 'serve'),
      str(o.devTargetName, 'dev'),
      str(o.previewTargetName, 'preview'),
      str(o.serveStaticTargetName, 'serve-static'),
    ],
    overlap: KEEP_ONE_TS,
  },
  {
    plugin: '@nx/vitest',
    reads: 'vitest.config.* / vite.config.*',
    targets: (o) => [str(o.testTargetName, 'test')],
    overlap: KEEP_ONE_TS,
  },
  {
    plugin: '@nx/jest/plugin',
    reads: 'jest.config.*',
    targets: (o) => [str(o.targetName, 'test')],
    overlap: KEEP_ONE_TS,
  },
  {
    plugin: '@nx/eslint/plugin',
    reads: 'eslint.config.* / .eslintrc*',
    targets: (o) => [str(o.targetName, 'lint')],
    overlap: KEEP_ONE_TS,
  },
  { plugin: '@nx/webpack/plugin', reads: 'webpack.config.*', targets: BUNDLER, overlap: KEEP_ONE_TS },
  { plugin: '@nx/rollup/plugin', reads: 'rollup.config.*', targets: BUNDLER, overlap: KEEP_ONE_TS },
  {
    plugin: '@nx/docker',
    reads: 'Dockerfile',
    targets: (o) => [...named(o.buildTarget, 'docker:build'), ...named(o.runTarget, 'docker:run')],
    overlap:
      "Both build the same image from each Dockerfile. Keep one: remove @nx/docker from nx.json, or set nx-fleet's docker.enabled to false.",
  },
  {
    plugin: '@nxlv/python',
    reads: 'pyproject.toml',
    targets: () => [],
    overlap:
      'It adds dependencies between the project.json projects its generators wrote; nx-fleet keeps their targets (its own Python targets then get a -python suffix) and adds file-level edges. Both can stay.',
  },
];

/** A target nx-fleet infers, with the option that names it. */
interface FleetTarget {
  kind: string;
  option: string;
  get(o: FleetPluginOptions): string | undefined;
  set(o: FleetPluginOptions, name: string): void;
  fallback: string;
  enabled(o: FleetPluginOptions): boolean;
}

const kindTarget = (kind: 'typecheck' | 'test' | 'lint' | 'build'): FleetTarget => {
  const option = `${kind}TargetName` as const;
  return {
    kind,
    option,
    get: (o) => o[option],
    set: (o, name) => void (o[option] = name),
    fallback: kind,
    enabled: (o) => !(o.disabledTargets ?? []).includes(kind),
  };
};
const dockerTarget = (kind: 'build' | 'push'): FleetTarget => {
  const option = `${kind}TargetName` as const;
  return {
    kind: `docker-${kind}`,
    option: `docker.${option}`,
    get: (o) => o.docker?.[option],
    set: (o, name) => void (o.docker = { ...o.docker, [option]: name }),
    fallback: `docker-${kind}`,
    enabled: (o) => o.docker?.enabled !== false,
  };
};

/** Every target nx-fleet infers (TS/JS and Python share the first four names). */
export const FLEET_TARGETS: FleetTarget[] = [
  kindTarget('typecheck'),
  kindTarget('test'),
  kindTarget('lint'),
  kindTarget('build'),
  dockerTarget('build'),
  dockerTarget('push'),
];

/** What init found about one peer plugin registered in nx.json. */
export interface PeerFinding {
  plugin: string;
  /**
   * `FLEET_INIT_TARGETS_RENAMED`: names collided, nx-fleet's targets got `fleet-` names;
   * `FLEET_INIT_TARGET_COLLISION`: a name you set for nx-fleet collides, left as you wrote it;
   * `FLEET_INIT_SAME_FILES`: no name collides, both read the same files.
   */
  code: 'FLEET_INIT_TARGETS_RENAMED' | 'FLEET_INIT_TARGET_COLLISION' | 'FLEET_INIT_SAME_FILES';
  /** Target names both infer (before any rename). */
  collisions: string[];
  /** nx-fleet option → the name init gave it. */
  renamed: Record<string, string>;
  message: string;
}

/** A plugin entry of nx.json, in either of its forms. */
export type PluginEntry = string | { plugin: string; options?: unknown; include?: string[]; exclude?: string[] };

const pluginName = (e: PluginEntry) => (typeof e === 'string' ? e : e.plugin);

/**
 * Compares the peers' target names with nx-fleet's and renames nx-fleet's colliding targets in
 * `options` (in place) to `fleet-<name>`, unless the name was set by the user (`explicit`).
 */
export function reconcilePeers(
  plugins: PluginEntry[],
  options: FleetPluginOptions,
  explicit: Set<string>,
): PeerFinding[] {
  const findings: PeerFinding[] = [];
  for (const entry of plugins) {
    const peer = PEER_PLUGINS.find((p) => p.plugin === pluginName(entry));
    if (!peer) continue;
    const peerOptions = typeof entry === 'string' ? {} : ((entry.options ?? {}) as Options);
    const theirs = new Set(peer.targets(peerOptions));
    const collisions: string[] = [];
    const renamed: Record<string, string> = {};
    const kept: string[] = [];
    for (const t of FLEET_TARGETS) {
      const name = t.get(options) ?? t.fallback;
      if (!t.enabled(options) || !theirs.has(name)) continue;
      collisions.push(name);
      if (explicit.has(t.option)) kept.push(`${t.option} "${name}"`);
      else {
        t.set(options, `fleet-${t.fallback}`);
        renamed[t.option] = `fleet-${t.fallback}`;
      }
    }
    const scope = typeof entry !== 'string' && (entry.include || entry.exclude) ? ' (within its include/exclude)' : '';
    const base = `${peer.plugin} infers ${[...theirs].map((n) => `"${n}"`).join(', ') || 'no targets'} from ${peer.reads}${scope}.`;
    if (kept.length > 0)
      findings.push({
        plugin: peer.plugin,
        code: 'FLEET_INIT_TARGET_COLLISION',
        collisions,
        renamed,
        message: `${base} Your ${kept.join(', ')} is the same name: Nx merges both into one target, the plugin listed later in nx.json winning. Rename it, or remove ${peer.plugin}.`,
      });
    else if (collisions.length > 0)
      findings.push({
        plugin: peer.plugin,
        code: 'FLEET_INIT_TARGETS_RENAMED',
        collisions,
        renamed,
        message: `${base} nx-fleet's ${Object.entries(renamed)
          .map(([o, n]) => `${o} is now "${n}"`)
          .join(', ')}, so neither replaces the other. To let nx-fleet own ${collisions
          .map((n) => `"${n}"`)
          .join(', ')}, remove ${peer.plugin} from nx.json and delete those options.`,
      });
    else
      findings.push({
        plugin: peer.plugin,
        code: 'FLEET_INIT_SAME_FILES',
        collisions,
        renamed,
        message: `${base} No target name collides. ${peer.overlap}`,
      });
  }
  return findings;
}
