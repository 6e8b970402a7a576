"""Shared helpers for the script tests: paths, and running a script as a user would."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPTS = os.path.join(ROOT, "scripts")
FIXTURES = os.path.join(HERE, "fixtures")

if SCRIPTS not in sys.path:
    sys.path.insert(0, SCRIPTS)


def fixture(name):
    return os.path.join(FIXTURES, name)


def run_script(name, *args):
    """Runs scripts/<name> with this interpreter; returns CompletedProcess (text)."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, os.path.join(SCRIPTS, name)] + list(args),
                          capture_output=True, text=True, env=env, timeout=120, check=False)


MALFORMED = ("malformed_truncated.json", "malformed_not_gbench.json", "malformed_top_level.json",
             "malformed_entry.json", "malformed_unit.json", "empty.json", "does_not_exist.json")
