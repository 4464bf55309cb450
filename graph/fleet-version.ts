import * as fs from 'node:fs';
import * as path from 'node:path';

/** nx-fleet's own version (part of every cache key), read from its package.json above this file. */
export function fleetVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'nx-fleet' && pkg.version) return pkg.version;
    } catch {
      /* no package.json here: keep walking up */
    }
    if (path.dirname(dir) === dir) return '0.0.0';
  }
}
