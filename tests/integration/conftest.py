"""Integration tests: everything through ansible-playbook against real local
Milvus servers (tools/milvus_local.py). Every run is made at -vvvv and its
output is checked for every secret the session has used."""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PLAYBOOKS = Path(__file__).resolve().parent / 'playbooks'
sys.path.insert(0, str(REPO / 'tools'))

from milvus_local import LocalMilvus  # noqa: E402

sys.path.insert(0, str(REPO / 'tests'))
from collection_path import collections_dir  # noqa: E402  pylint: disable=wrong-import-position

OUTPUT_DIR = REPO / 'tests' / 'output' / 'integration'

# Passwords with the characters that break naive quoting and masking:
# @ : quotes, spaces, non-ASCII. All satisfy the Milvus rules (6-72 bytes).
ROOT_PASSWORD = 'R00t:P@ss "w0rd" é'
SECRETS = {
    'root_password': ROOT_PASSWORD,
    'pw_alice_1': "Al1ce@one: 'quoted'",
    'pw_alice_2': 'Al1ce two ünïcode!',
    'pw_bob_1': 'B0b"double"@2',
    'pw_bob_2': 'B0b second: pw',
    'pw_carol': 'C4rol @ spaced pass',
    'pw_dave': 'D@ve-pw-1234',
    'pw_token_user': 'T0ken:user:pw',
    'pw_wrong': 'Wr0ng @ password!',
    'pw_batch': 'B@tch-pw: 1 "x"',
    'pw_batch_2': 'B@tch-pw: 2 é',
}
_USED_SECRETS = set(SECRETS.values())
_RUN_LOGS = []


def register_secret(value):
    _USED_SECRETS.add(value)
    return value


def secret_leaks(text):
    return sorted(s for s in _USED_SECRETS if s and s in text)


class Run:
    def __init__(self, args, rc, output, elapsed):
        self.args, self.rc, self.output, self.elapsed = args, rc, output, elapsed

    def results(self):
        """Task results printed by the callback for registered debug dumps."""
        return self.output


def ansible_env(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(('ZILLIZ_', 'MILVUS_', 'ANSIBLE_'))}
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': str(collections_dir()),
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        'ANSIBLE_LOCALHOST_WARNING': 'False',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'False',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_RETRY_FILES_ENABLED': 'False',
        'ANSIBLE_ROLES_PATH': str(REPO / 'roles'),
        'PATH': os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''),
    })
    env.update(extra or {})
    return env


def _record(name, args, output):
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUTPUT_DIR / ('%03d-%s.log' % (len(_RUN_LOGS), name))
    path.write_text(' '.join(args) + '\n' + output, encoding='utf-8')
    _RUN_LOGS.append(path)


def run_ansible(args, env=None, extra_vars=None, name='run', timeout=600, verbosity=4, cwd=REPO):
    """Run an ansible CLI (list of args after the program) in `cwd`, return Run.
    Output is checked for secrets immediately."""
    argv = list(args)
    if verbosity:
        argv.append('-' + 'v' * verbosity)
    tmp = None
    if extra_vars is not None:
        tmp = tempfile.NamedTemporaryFile('w', suffix='.json', delete=False)
        json.dump(extra_vars, tmp)
        tmp.close()
        argv += ['-e', '@' + tmp.name]
    started = time.monotonic()
    try:
        proc = subprocess.run(argv, env=ansible_env(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, timeout=timeout, cwd=str(cwd), check=False)
    finally:
        if tmp:
            os.unlink(tmp.name)
    output = proc.stdout.decode('utf-8', 'replace')
    _record(name, argv, output)
    leaks = secret_leaks(output)
    assert not leaks, 'a secret appeared in the output of %s (log %s)' % (name, _RUN_LOGS[-1])
    return Run(argv, proc.returncode, output, time.monotonic() - started)


def playbook(path, extra_vars=None, env=None, check=False, diff=False, inventory=None, expect_rc=0,
             extra_args=(), name=None, timeout=600, verbosity=4):
    path = Path(path)
    if not path.is_absolute():
        path = PLAYBOOKS / path
    args = ['ansible-playbook', str(path)]
    if inventory:
        args += ['-i', str(inventory)]
    if check:
        args.append('--check')
    if diff:
        args.append('--diff')
    args += list(extra_args)
    run = run_ansible(args, env=env, extra_vars=extra_vars, name=name or path.stem, timeout=timeout,
                      verbosity=verbosity)
    if expect_rc is not None:
        assert run.rc == expect_rc, 'ansible-playbook %s exited %s, expected %s:\n%s' % (
            path.name, run.rc, expect_rc, tail(run.output))
    return run


def tail(text, lines=80):
    return '\n'.join(text.splitlines()[-lines:])


def server_vars(server, **extra):
    """Extra vars describing a server for the test playbooks."""
    data = {'zilliz_uri': server.uri, 'root_password': server.root_password}
    if server.tls_mode:
        data.update(ca_cert=server.ca_cert_path, wrong_ca_cert=server.wrong_ca_cert_path,
                    client_cert=server.client_cert_path, client_key=server.client_key_path)
    data.update(SECRETS)
    data.update(extra)
    return data


def snapshot(server):
    """{user: sorted roles} and the role list, read directly (for 'nothing changed' checks)."""
    client = server.client(user='root', password=server.root_password)
    try:
        info = client._get_connection().select_all_user(True, timeout=10)
        users = {g.username: sorted(g.roles) for g in info.groups}
        return users, sorted(client.list_roles(timeout=10))
    finally:
        client.close()


def start_server(roles=('db_ro', 'db_rw'), **kwargs):
    """A started LocalMilvus (root password ROOT_PASSWORD) with `roles` created;
    stopped again if the set-up fails."""
    kwargs.setdefault('root_password', ROOT_PASSWORD)
    server = LocalMilvus(**kwargs)
    server.start()
    try:
        client = server.client(user='root', password=server.root_password if server.auth else '')
        try:
            for role in roles:
                client.create_role(role, timeout=10)
        finally:
            client.close()
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope='session')
def milvus():
    server = start_server(roles=('db_ro', 'db_rw', 'db_admin_role'))
    yield server
    server.stop()


def create_users(server, users):
    """users: {name: (password, [roles])}, made directly (test set-up)."""
    client = server.client(user='root', password=server.root_password)
    try:
        for name, (password, roles) in users.items():
            client.create_user(name, password, timeout=10)
            for role in roles:
                client.grant_role(name, role, timeout=10)
    finally:
        client.close()


def drop_users(server, names):
    client = server.client(user='root', password=server.root_password)
    try:
        for name in names:
            client.drop_user(name, timeout=10)
    finally:
        client.close()


def logs_in(server, user, password):
    try:
        server.client(user=user, password=password, timeout=5).close()
        return True
    except Exception:  # pylint: disable=broad-except
        return False


@pytest.fixture(scope='session', autouse=True)
def no_secret_in_any_output():
    """After the session: no secret used by any test appears in any output."""
    yield
    leaks = {}
    for path in _RUN_LOGS:
        found = secret_leaks(path.read_text(encoding='utf-8'))
        if found:
            leaks[str(path)] = len(found)
    assert not leaks, 'secrets found in outputs: %s' % leaks
