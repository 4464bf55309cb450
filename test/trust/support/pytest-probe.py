"""What pytest really reads: run with cwd = a workspace; argv[1] is a JSON request
{"workspace": abs, "runs": {id: {"cwd": abs, "pythonpath": [abs], "args": [...]}}}, argv[2]
gets {id: [abs files]}. Each run is a real `pytest.main` (collection and the tests) in the
task's folder with the task's PYTHONPATH, recording every file an `open` audit event names and
every module's file in sys.modules; workspace modules are dropped between runs so that each
run imports afresh."""
import json, os, sys

sys.dont_write_bytecode = True
# Plugins installed in this interpreter are not the workspace's, and loading them per run
# cost ~0.9 s; the workspace's own conftest.py files and `pytest_plugins` still load.
os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
request = json.load(open(sys.argv[1]))
workspace = os.path.realpath(request["workspace"])
recording = None


def audit(event, args):
    if recording is None:
        return
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.fsdecode(args[0])
        recording.add(os.path.realpath(os.path.abspath(path)))


sys.addaudithook(audit)
import pytest  # noqa: E402

base_path = list(sys.path)
base_modules = set(sys.modules)
out = {}
for task, run in request["runs"].items():
    for name in list(sys.modules):
        if name not in base_modules:
            del sys.modules[name]
    sys.path[:] = [os.path.realpath(p) for p in run["pythonpath"]] + base_path
    os.chdir(run["cwd"])
    recording = set()
    pytest.main(["-q", "-p", "no:cacheprovider", *run.get("args", [])])
    for mod in list(sys.modules.values()):
        f = getattr(mod, "__file__", None)
        if f:
            recording.add(os.path.realpath(f))
    files = sorted(f for f in recording if f.startswith(workspace + os.sep))
    recording = None
    out[task] = files
    if os.environ.get("FLEET_TRUST_TIMING"):
        import time
        print(f"pytest {task} {time.process_time():.2f}s cpu", file=sys.stderr)
os.chdir(workspace)
json.dump(out, open(sys.argv[2], "w"))
