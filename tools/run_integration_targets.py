"""Run the ansible-test integration targets against one local server.

    python tools/run_integration_targets.py [--server real|model:PROFILE] [ansible-test integration args...]

Run by `make integration-targets` with the venv's Python. In order, and
whatever the outcome:

1. start the server: by default (`--server real`) one real Milvus 2.3.5
   (tools/milvus_local.py); with `--server model:2.6.18` (or 2.4.23, 2.5.27,
   zilliz-cloud, 2.3.5) the model of that server (tools/milvus_model), in
   this process. Authentication on, free ports, a random password for the
   login user, the role limit raised so that the targets (which share the
   server) never meet it;
2. write tests/integration/integration_config.yml (mode 0600, git-ignored):
   zilliz_uri, zilliz_login_user, zilliz_login_password, zilliz_version,
   zilliz_server_profile (2.3.5 for the real server, else the model's
   profile) and zilliz_server_model (true for the model); ansible-test
   passes it to every target as extra variables;
3. run `ansible-test integration --local -vvvv` offline from
   .tmp/collections/ansible_collections/zilliz/cloud, the whole output into
   tests/output/integration-targets.log;
4. scan that output for the root password and every `secret_*` value of the
   targets' vars/main.yml, as written, JSON-escaped, and base64-encoded
   after every `user:` the targets name (the gRPC authorization header);
5. stop the server and remove the config file.

The model answers for servers that cannot run here; the real 2.3.5 stays the
reference wherever it can (docs/model.md).

The password is never printed; on failure only the lines around the failure
are shown, and only when the scan found no secret.
"""

import argparse
import base64
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / 'tools'))

from milvus_local import MILVUS_VERSION, LocalMilvus, stop_process_group  # noqa: E402  pylint: disable=wrong-import-position
from milvus_model import ModelMilvus  # noqa: E402  pylint: disable=wrong-import-position

COLLECTION_LINK = REPO / '.tmp' / 'collections' / 'ansible_collections' / 'zilliz' / 'cloud'
TARGETS = REPO / 'tests' / 'integration' / 'targets'
CONFIG = REPO / 'tests' / 'integration' / 'integration_config.yml'
LOG = REPO / 'tests' / 'output' / 'integration-targets.log'
MAX_ROLE_NUM = 64
SHOWN_LINES = 60
STOP_GRACE = 10         # seconds ansible-test gets to stop its ansible-playbook


def target_secrets():
    """Every string under a `secret_*` key in the targets' vars/main.yml."""
    found = set()

    def collect(value):
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    for path in sorted(TARGETS.glob('*/vars/main.yml')):
        data = yaml.safe_load(path.read_text(encoding='utf-8')) or {}
        for key, value in data.items():
            if key.startswith('secret_'):
                collect(value)
    return found


def target_users():
    """User names the targets log in as or manage (for the base64 scan)."""
    names = {'root'}
    pattern = re.compile(r'(?<!- )\b(?:name|login_user|user): *([A-Za-z][A-Za-z0-9_.-]*)|token: "([A-Za-z][A-Za-z0-9_.-]*):')
    for path in TARGETS.glob('*/tasks/*.yml'):
        for match in pattern.finditer(path.read_text(encoding='utf-8')):
            names.add(match.group(1) or match.group(2))
    return names


def secret_forms(value, users):
    """A secret as written, JSON-escaped, and as the base64 user:password
    that gRPC sends in the authorization header."""
    forms = {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    forms.update(base64.b64encode(('%s:%s' % (user, value)).encode('utf-8')).decode('ascii') for user in users)
    return forms


def leaked(text, values, users=('root',)):
    """How many of `values` appear in text, in any of their forms."""
    return sum(1 for value in values if any(form in text for form in secret_forms(value, users)))


def write_config(server):
    model = getattr(server, 'profile', None)
    data = {
        'zilliz_uri': server.uri,
        'zilliz_login_user': getattr(server, 'login_user', 'root'),
        'zilliz_login_password': server.root_password,
        'zilliz_version': model or MILVUS_VERSION,
        'zilliz_server_profile': model or MILVUS_VERSION,
        'zilliz_server_model': bool(model),
    }
    CONFIG.unlink(missing_ok=True)
    fd = os.open(CONFIG, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'w', encoding='utf-8') as out:
        out.write('---\n# Written by tools/run_integration_targets.py; removed after the run.\n')
        # JSON is YAML: every value quoted and escaped.
        for key, value in data.items():
            out.write('%s: %s\n' % (key, json.dumps(value)))


def run_ansible_test(args):
    LOG.parent.mkdir(parents=True, exist_ok=True)
    venv_bin = Path(sys.executable).parent
    env = dict(os.environ, ANSIBLE_TEST_CONTENT_ROOT=str(COLLECTION_LINK),
               PATH='%s%s%s' % (venv_bin, os.pathsep, os.environ.get('PATH', '')))
    # --local: this Python (the venv's) is the controller and the target;
    # no docker, no venv delegation, nothing installed.
    argv = [str(venv_bin / 'ansible-test'), 'integration', '--local',
            '--python-interpreter', sys.executable, '--color', 'no', '-vvvv'] + list(args)
    with open(LOG, 'w', encoding='utf-8') as out:
        out.write(' '.join(argv) + '\n')
        out.flush()
        return run_as_group(argv, cwd=str(COLLECTION_LINK), env=env, stdin=subprocess.DEVNULL,
                            stdout=out, stderr=subprocess.STDOUT)


def run_as_group(argv, **popen_args):
    """Run argv in a process group of its own and return its exit code. When
    it ends, or when this process is stopped (SIGTERM becomes SystemExit, see
    _terminate), whatever is left in the group is stopped too: killing
    ansible-test alone would leave its ansible-playbook running."""
    proc = subprocess.Popen(argv, start_new_session=True, **popen_args)  # pylint: disable=consider-using-with
    try:
        return proc.wait()
    finally:
        stop_process_group(proc.pid, STOP_GRACE, proc)


def first_failure(lines):
    """Index of the first failed task that was not ignored, or None."""
    for index, line in enumerate(lines):
        if not line.startswith(('fatal: ', 'failed: ')):
            continue
        for later in lines[index + 1:]:
            if later.startswith('...ignoring'):
                break
            if later.startswith(('TASK [', 'PLAY RECAP')):
                return index
    return None


def summary(text, rc):
    lines = text.splitlines()
    recap = [line for line in lines if line.startswith('Running ') or re.match(r'testhost\s+: ok=', line)]
    print('\n'.join(recap))
    if rc:
        failed = first_failure(lines)
        start = max(0, (len(lines) - SHOWN_LINES if failed is None else failed - 15))
        print('--- %s, from line %d ---' % (LOG.relative_to(REPO), start + 1))
        print('\n'.join(lines[start:start + SHOWN_LINES]))


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def make_server(spec, password):
    """The server `--server` names: `real` (Milvus 2.3.5) or `model:PROFILE`."""
    if spec == 'real':
        return LocalMilvus(root_password=password, max_role_num=MAX_ROLE_NUM), 'local Milvus %s' % MILVUS_VERSION
    kind, dummy, profile = spec.partition(':')
    if kind != 'model' or not profile:
        sys.exit('--server must be "real" or "model:PROFILE", got %r' % spec)
    server = ModelMilvus(profile, root_password=password, max_role_num=MAX_ROLE_NUM)
    return server, 'model of %s' % profile


def main(argv):
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument('--server', default='real')
    options, args = parser.parse_known_args(argv)
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, _terminate)
    if not COLLECTION_LINK.is_dir():
        sys.exit('missing %s: run `make collection-link`' % COLLECTION_LINK)
    password = 'It-%s@:9' % secrets.token_urlsafe(18)
    server, what = make_server(options.server, password)
    if options.server != 'real':
        global LOG  # pylint: disable=global-statement
        LOG = LOG.with_name('integration-targets-%s.log' % options.server.replace(':', '-'))
    started = time.monotonic()
    try:
        server.start()
        print('%s at %s (%.1fs to start)' % (what, server.uri, time.monotonic() - started))
        write_config(server)
        rc = run_ansible_test(args)
    finally:
        CONFIG.unlink(missing_ok=True)
        # ansible-test's copies of the config (left behind if it was killed).
        shutil.rmtree(COLLECTION_LINK / 'tests' / 'output' / '.tmp' / 'integration', ignore_errors=True)
        server.stop()
    text = LOG.read_text(encoding='utf-8', errors='replace')
    values = target_secrets() | {password}
    leaks = leaked(text, values, target_users() | {getattr(server, 'login_user', 'root')})
    if leaks:
        print('FAILED: %d of %d secrets appear in %s (not shown here)' % (leaks, len(values), LOG))
        return 1
    summary(text, rc)
    print('secret scan: none of %d secrets in %d lines of output; ansible-test exit %d; %.0fs (%s)'
          % (len(values), text.count('\n'), rc, time.monotonic() - started, what))
    return rc


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
