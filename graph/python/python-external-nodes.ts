import type { WorkspacePath } from '../types';
import type { PythonProjectInfo } from './types';

/**
 * A third-party distribution as an Nx external node (Nx accepts any `type`; npm nodes use
 * `npm`). `version` is the locked version (uv.lock, poetry.lock, pdm.lock, `==` pins), else
 * the declared specifier, else `*`.
 *
 * @example `{ type: 'pypi', name: 'pypi:requests', data: { version: '2.32.3', packageName: 'requests' } }`
 */
export interface PythonExternalNode {
  type: 'pypi';
  name: string;
  data: { version: string; packageName: string };
}

export interface PythonExternalNodes {
  /** Node name → node. */
  nodes: Record<string, PythonExternalNode>;
  /** Project root → normalised distribution → the node name its edges point at. */
  byProject: Map<WorkspacePath, Map<string, string>>;
}

/**
 * The external nodes of every distribution the projects declare, first-party ones left out
 * (path and workspace dependencies, and names of workspace projects). One node per
 * distribution, `pypi:<normalised name>`; where projects lock different versions, the version
 * most projects use (ties: the first in sort order) gets that name and the others get
 * `pypi:<name>@<version>`, as Nx names nested npm versions. Deterministic, so createNodes and
 * createDependencies compute the same names from the same projects.
 */
export function pythonExternalNodes(projects: readonly PythonProjectInfo[]): PythonExternalNodes {
  const firstParty = new Set(projects.map((p) => p.normalizedName));
  const uses = new Map<string, Map<string, { packageName: string; roots: WorkspacePath[] }>>();
  for (const p of projects) {
    for (const d of p.dependencies) {
      if (d.path !== undefined || d.workspace || firstParty.has(d.normalized)) continue;
      const version = p.lockedVersions[d.normalized] ?? (d.specifier.trim() || '*');
      const versions = uses.get(d.normalized) ?? new Map();
      uses.set(d.normalized, versions);
      const use = versions.get(version) ?? { packageName: d.name, roots: [] };
      versions.set(version, use);
      if (!use.roots.includes(p.root)) use.roots.push(p.root);
    }
  }
  const out: PythonExternalNodes = { nodes: {}, byProject: new Map() };
  for (const [normalized, versions] of [...uses].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const ranked = [...versions].sort(
      ([va, a], [vb, b]) => b.roots.length - a.roots.length || (va < vb ? -1 : va > vb ? 1 : 0),
    );
    ranked.forEach(([version, use], i) => {
      const name = i === 0 ? `pypi:${normalized}` : `pypi:${normalized}@${version}`;
      out.nodes[name] = { type: 'pypi', name, data: { version, packageName: use.packageName } };
      for (const root of use.roots) {
        const map = out.byProject.get(root) ?? new Map<string, string>();
        out.byProject.set(root, map);
        if (!map.has(normalized)) map.set(normalized, name);
      }
    });
  }
  return out;
}
