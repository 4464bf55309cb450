// Generates the synthetic Python workspace of the benchmark: PACKAGES src-layout projects of
// MODULES_PER_PACKAGE modules each, with realistic imports (stdlib, third-party, first-party
// across packages, relative, TYPE_CHECKING, try/except ImportError) and realistic bodies
// (docstrings, f-strings, classes, functions). Deterministic: the same seed gives the same tree.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const STDLIB = [
  'os',
  'sys',
  'json',
  're',
  'typing',
  'dataclasses',
  'functools',
  'itertools',
  'collections',
  'pathlib',
  'logging',
  'datetime',
];
const THIRD = [
  ['requests', 'requests'],
  ['yaml', 'PyYAML'],
  ['numpy', 'numpy'],
  ['attr', 'attrs'],
  ['dateutil.parser', 'python-dateutil'],
  ['pydantic', 'pydantic'],
];

function rng(seed) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function moduleSource(rand, p, m, modulesPerPackage) {
  const lines = [
    `"""Module ${m} of package ${p}.\n\nimport nothing: this is a docstring.\n"""`,
    'from __future__ import annotations',
    '',
  ];
  for (let i = 0; i < 4; i++) lines.push(`import ${STDLIB[Math.floor(rand() * STDLIB.length)]}`);
  const [mod] = THIRD[Math.floor(rand() * THIRD.length)];
  lines.push(`import ${mod}`);
  if (p > 0) {
    for (let i = 0; i < 3; i++) {
      const q = Math.floor(rand() * p);
      const n = Math.floor(rand() * modulesPerPackage);
      lines.push(`from acme_pkg_${q}.sub_${n % 5}.mod_${n} import Thing${n} as T${i}`);
    }
  }
  lines.push(
    `from . import mod_${(m + 5) % modulesPerPackage}`,
    `from ..sub_${(m + 2) % 5} import mod_${(m + 2) % modulesPerPackage} as sibling`,
  );
  lines.push('from typing import TYPE_CHECKING', 'if TYPE_CHECKING:', `    from acme_pkg_${p}.sub_0 import mod_0`, '');
  lines.push(
    'try:',
    '    import ujson as fastjson',
    'except ImportError:  # optional speed-up',
    '    fastjson = None',
    '',
  );
  for (let c = 0; c < 3; c++) {
    lines.push(
      `class Thing${m}${c ? `_${c}` : ''}:`,
      `    """A thing; 'import' inside a docstring is not an import."""`,
      '',
      `    def __init__(self, value: int = ${c}) -> None:`,
    );
    lines.push(
      `        self.value = value`,
      `        self.label = f"thing {value!r:>{10}} {self.__class__.__name__}"`,
      '',
    );
    lines.push(
      '    def compute(self, items):',
      '        total = 0',
      '        for i, item in enumerate(items):',
      '            if i % 2:',
      '                total += item * self.value',
    );
    lines.push(
      '            else:',
      "                total -= len(str(item)) + len('from x import y')",
      '        return {"total": total, "items": [x for x in items if x]}',
      '',
    );
  }
  lines.push(
    `def helper_${m}(path: str) -> str:`,
    '    import importlib',
    `    mod = importlib.import_module("acme_pkg_${p}.sub_${m % 5}")`,
    "    return r'C:\\path' + '\\\\' + path + str(mod)",
    '',
  );
  return lines.join('\n');
}

/** Writes the workspace under `dir`; returns the file count. */
export function generate(dir, { packages = 300, modulesPerPackage = 50, seed = 42 } = {}) {
  rmSync(dir, { recursive: true, force: true });
  const rand = rng(seed);
  let modules = 0;
  for (let p = 0; p < packages; p++) {
    const root = join(dir, 'packages', `pkg-${p}`);
    const pkg = join(root, 'src', `acme_pkg_${p}`);
    const deps = [
      '"requests>=2"',
      '"PyYAML"',
      '"numpy"',
      '"attrs"',
      '"python-dateutil"',
      '"pydantic"',
      ...Array.from({ length: Math.min(p, 3) }, (_, i) => `"acme-pkg-${(p * 7 + i) % p}"`),
    ];
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(root, 'pyproject.toml'),
      `[project]\nname = "acme-pkg-${p}"\nversion = "0.1.0"\nrequires-python = ">=3.11"\ndependencies = [${deps.join(', ')}]\n`,
    );
    writeFileSync(join(pkg, '__init__.py'), `"""Package ${p}."""\n`);
    for (let s = 0; s < 5; s++) {
      mkdirSync(join(pkg, `sub_${s}`), { recursive: true });
      writeFileSync(join(pkg, `sub_${s}`, '__init__.py'), '');
    }
    for (let m = 0; m < modulesPerPackage; m++) {
      writeFileSync(join(pkg, `sub_${m % 5}`, `mod_${m}.py`), moduleSource(rand, p, m, modulesPerPackage));
      modules++;
    }
  }
  return modules;
}
