import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * A uv workspace shaped like the ones the findings issue was found on: a virtual root with a
 * uv.lock, an app requiring distributions whose import names differ, an extra, a workspace
 * member with extras, a Hatch project with dependencies in a metadata hook table, one whose
 * dynamic dependencies cannot be read, scripts with a sibling module, two `tests` packages.
 */
export const WORKSPACE_FILES: Record<string, string> = {
  'pyproject.toml': '[tool.uv.workspace]\nmembers = ["packages/*"]\n',
  'uv.lock': lock([
    ['app', '0.1.0', [], {}],
    ['agents', '0.1.0', [], { openai: ['openai'], anthropic: ['anthropic'] }],
    ['pymongo', '4.8.0', ['dnspython'], {}],
    ['dnspython', '2.6.1', [], {}],
    ['psycopg', '3.2.1', ['typing-extensions'], { pool: ['psycopg-pool'] }],
    ['psycopg-pool', '3.2.2', [], {}],
    ['uuid7', '0.1.0', [], {}],
    ['openai', '1.40.0', ['httpx'], {}],
    ['anthropic', '0.34.0', ['httpx'], {}],
    ['httpx', '0.27.0', ['anyio'], {}],
    ['anyio', '4.4.0', [], {}],
    ['pydantic', '2.8.2', ['typing-extensions', 'pydantic-core'], {}],
    ['pydantic-core', '2.20.1', [], {}],
    ['typing-extensions', '4.12.2', [], {}],
    ['google-api-python-client', '2.140.0', ['google-auth'], {}],
    ['google-auth', '2.34.0', [], {}],
    ['livekit-api', '0.6.0', [], {}],
    ['weird-dist', '1.0', [], {}],
    ['pytest', '8.3.2', [], {}],
  ]),
  'packages/app/pyproject.toml': [
    '[project]',
    'name = "app"',
    'version = "0.1.0"',
    'dependencies = [',
    '  "pymongo>=4",',
    '  "psycopg[pool]>=3",',
    '  "uuid7",',
    '  "agents[openai,anthropic]",',
    '  "google-api-python-client",',
    '  "livekit-api",',
    '  "weird-dist",',
    ']',
    '[dependency-groups]',
    'dev = ["pytest"]',
    '[tool.uv.sources]',
    'agents = { workspace = true }',
    '',
  ].join('\n'),
  'packages/app/src/app/__init__.py': '',
  'packages/app/src/app/main.py': [
    'from typing import TYPE_CHECKING',
    'import bson',
    'from bson import ObjectId',
    'import psycopg_pool',
    'from uuid_extensions import uuid7',
    'import openai',
    'import anthropic',
    'from googleapiclient.discovery import build',
    'from google.auth import default',
    'from livekit import api',
    'import livekit.api',
    'import dns.resolver',
    'import weird_mod',
    'import _speedups',
    'import requests  # fleet: ignore-undeclared',
    'import notdeclared_pkg',
    'from agents import run',
    'if TYPE_CHECKING:',
    '    from _typeshed import StrPath',
    '    from typing_extensions import Self',
    '',
  ].join('\n'),
  'packages/app/tests/__init__.py': '',
  'packages/app/tests/utils.py': 'def helper():\n    return 1\n',
  'packages/app/tests/test_main.py':
    'from tests.utils import helper\nimport pytest\n\ndef test_it():\n    assert helper() == 1\n',
  'packages/app/scripts/_common.py': 'x = 1\n',
  'packages/app/scripts/run.py': 'from _common import x\nimport _common\nprint(x)\n',
  'packages/agents/pyproject.toml':
    '[project]\nname = "agents"\nversion = "0.1.0"\ndependencies = []\n[project.optional-dependencies]\nopenai = ["openai"]\nanthropic = ["anthropic"]\n',
  'packages/agents/src/agents/__init__.py': 'import openai\n\ndef run():\n    return openai\n',
  'packages/agents/tests/__init__.py': '',
  'packages/agents/tests/utils.py': 'def helper():\n    return 2\n',
  'packages/agents/tests/test_agents.py':
    'from tests.utils import helper\n\ndef test_it():\n    assert helper() == 2\n',
  'packages/hatchy/pyproject.toml': [
    '[build-system]',
    'requires = ["hatchling"]',
    'build-backend = "hatchling.build"',
    '[project]',
    'name = "hatchy"',
    'version = "0.1.0"',
    'dynamic = ["dependencies", "optional-dependencies"]',
    '[tool.hatch.metadata.hooks.pinned]',
    'dependencies = ["pydantic>=2"]',
    'optional-dependencies = { http = ["httpx"] }',
    '',
  ].join('\n'),
  'packages/hatchy/src/hatchy/__init__.py': 'import pydantic\nimport typing_extensions\nimport httpx\nimport anyio\n',
  'packages/opaque/pyproject.toml':
    '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n[project]\nname = "opaque"\nversion = "0.1.0"\ndynamic = ["dependencies"]\n[tool.hatch.metadata.hooks.custom]\npath = "hook.py"\n',
  'packages/opaque/src/opaque/__init__.py': 'import numpy\nimport scipy\n',
};

type LockEntry = [name: string, version: string, deps: string[], extras: Record<string, string[]>];

function lock(entries: LockEntry[]): string {
  const out = ['version = 1', 'requires-python = ">=3.11"', ''];
  for (const [name, version, deps, extras] of entries) {
    out.push(
      '[[package]]',
      `name = "${name}"`,
      `version = "${version}"`,
      'source = { registry = "https://pypi.org/simple" }',
    );
    if (deps.length > 0) out.push(`dependencies = [${deps.map((d) => `{ name = "${d}" }`).join(', ')}]`);
    if (Object.keys(extras).length > 0) {
      out.push('', '[package.optional-dependencies]');
      for (const [extra, list] of Object.entries(extras))
        out.push(`${extra} = [${list.map((d) => `{ name = "${d}" }`).join(', ')}]`);
    }
    out.push('');
  }
  return out.join('\n');
}

/** One installed distribution of the test's site-packages: its files as RECORD lists them. */
interface Installed {
  name: string;
  version: string;
  files: Record<string, string>;
  editableFrom?: string;
}

/** Writes `.venv/lib/python3.11/site-packages` under `root` with real dist-info folders (METADATA, RECORD, direct_url.json). */
export function writeVenv(root: string): string {
  const site = join(root, '.venv', 'lib', 'python3.11', 'site-packages');
  writeFileSync(
    join(mkdir(join(root, '.venv')), 'pyvenv.cfg'),
    'home = /usr/bin\ninclude-system-site-packages = false\n',
  );
  const installed: Installed[] = [
    {
      name: 'pymongo',
      version: '4.8.0',
      files: { 'pymongo/__init__.py': '', 'bson/__init__.py': '', 'bson/objectid.py': '', 'gridfs/__init__.py': '' },
    },
    {
      name: 'weird-dist',
      version: '1.0',
      files: { 'weird_mod/__init__.py': '', 'weird_mod/_native.cpython-311-x86_64-linux-gnu.so': '' },
    },
    {
      name: 'google-api-python-client',
      version: '2.140.0',
      files: { 'googleapiclient/__init__.py': '', 'googleapiclient/discovery.py': '', 'apiclient/__init__.py': '' },
    },
    {
      name: 'protobuf',
      version: '5.27.0',
      files: { 'google/protobuf/__init__.py': '', 'google/_upb/_message.abi3.so': '' },
    },
    {
      name: 'google-auth',
      version: '2.34.0',
      files: { 'google/auth/__init__.py': '', 'google/oauth2/__init__.py': '' },
    },
    { name: 'psycopg-pool', version: '3.2.2', files: { 'psycopg_pool/__init__.py': '' } },
    { name: 'uuid7', version: '0.1.0', files: { 'uuid_extensions/__init__.py': '' } },
    { name: 'dnspython', version: '2.6.1', files: { 'dns/__init__.py': '', 'dns/resolver.py': '' } },
    { name: 'six', version: '1.16.0', files: { 'six.py': '' } },
    {
      name: 'agents',
      version: '0.1.0',
      files: { '_agents.pth': `${join(root, 'packages/agents/src')}\n` },
      editableFrom: join(root, 'packages/agents'),
    },
    {
      name: 'app',
      version: '0.1.0',
      files: {
        '__editable___app_0_1_0_finder.py': `MAPPING = {'app': '${join(root, 'packages/app/src/app')}'}\n`,
        '__editable__.app-0.1.0.pth': 'import __editable___app_0_1_0_finder\n',
      },
      editableFrom: join(root, 'packages/app'),
    },
  ];
  for (const d of installed) {
    const info = mkdir(join(site, `${d.name.replace(/-/g, '_')}-${d.version}.dist-info`));
    const rel = `${d.name.replace(/-/g, '_')}-${d.version}.dist-info`;
    const record = Object.keys(d.files).map((f) => `${f},sha256=x,0`);
    for (const [f, text] of Object.entries(d.files))
      writeFileSync(join(mkdir(dirname(join(site, f))), f.slice(f.lastIndexOf('/') + 1)), text);
    writeFileSync(join(info, 'METADATA'), `Metadata-Version: 2.1\nName: ${d.name}\nVersion: ${d.version}\n`);
    if (d.editableFrom)
      writeFileSync(
        join(info, 'direct_url.json'),
        JSON.stringify({ url: pathToFileURL(d.editableFrom).href, dir_info: { editable: true } }),
      );
    record.push(`${rel}/METADATA,,`, `${rel}/RECORD,,`, `__pycache__/x.cpython-311.pyc,,`, `../../../bin/tool,,`);
    writeFileSync(join(info, 'RECORD'), record.join('\n') + '\n');
  }
  return site;
}

function mkdir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
