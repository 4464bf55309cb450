/** Files whose presence makes a folder a Python project: the createNodes glob (a leaf module: the plugin's entry loads it). */
export const PYTHON_PROJECT_GLOB = '**/{pyproject.toml,setup.cfg,setup.py,requirements*.txt}';
