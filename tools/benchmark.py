"""Benchmark: provisioning N users with the zilliz.cloud.cluster_users role,
against the floor (a plain pymilvus script doing the calls that reach the
same end state) and a loop of single-user zilliz.cloud.zilliz_user tasks.

    .venv/bin/python tools/benchmark.py                # N=100 and N=1000
    .venv/bin/python tools/benchmark.py --n 100 --big-n 0 --no-loop   # quick

One local Milvus (tools/milvus_local.py) with its user limit raised to
big-n + 50. For each N, every case starts from the same server state (the
benchmark users are dropped and, where the case needs them, re-created
directly before each measured run):

  fresh      no benchmark user exists; end state: N users, each with its
             password and the role db_ro.
             floor: create_user + grant_role per user.
  no change  the N users exist as listed (the role's second run).
             floor: one listing of users with their roles, and of roles,
             compared with the list.
  password   the N users exist; every item is state=password with the
             current password, so every password is verified and nothing
             changes.
             floor: logging in as each user (a dedicated MilvusClient per
             user, sequentially: threads were measured not to help, the
             server does the work).
  loop       (N=100 only) the fresh case as N single-user zilliz_user tasks
             (loop:), one module process per user.

Every floor runs as a separate `python` process, so interpreter start-up
and the pymilvus import are counted like the module's. The role runs as
`ansible-playbook` on a playbook that applies the role to localhost, with
the same Python (ansible_python_interpreter) and the collection from
ANSIBLE_COLLECTIONS_PATH (default .tmp/collections, a link to this repo).

Targets (printed PASS/FAIL): at N=100 the role within 2.0x of the floor in
every case and at least 30x faster than the loop; at N=1000 within 1.5x of
the floor in every case. Exit status 1 when a target is missed.

Times are wall-clock seconds of the whole process (best of --repeat runs).
"""

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / 'tools'))

from milvus_local import LocalMilvus  # noqa: E402  pylint: disable=wrong-import-position

ROLE = 'db_ro'
PREFIX = 'bench_'

# The floor: a plain pymilvus script. Reads its job from a JSON file (argv[1])
# and prints how long the pymilvus import took (for the report only).
FLOOR_SCRIPT = r'''
import json, os, sys, time
os.environ.setdefault('GRPC_VERBOSITY', 'NONE')
started = time.monotonic()
from pymilvus import MilvusClient
imported = time.monotonic() - started
with open(sys.argv[1], encoding='utf-8') as fp:
    job = json.load(fp)
uri, case, users = job['uri'], job['case'], job['users']
client = MilvusClient(uri, user='root', password=job['root_password'], dedicated=True, timeout=60)
if case == 'fresh':
    for user in users:
        client.create_user(user['name'], user['password'], timeout=60)
        for role in user['roles']:
            client.grant_role(user['name'], role, timeout=60)
elif case == 'nochange':
    # One SelectUser RPC with role info (what pymilvus' describe_user uses,
    # for all users at once) and one SelectRole: the cheapest way to read the state.
    listing = client._get_connection().select_all_user(True, timeout=60)
    current = {group.username: sorted(group.roles) for group in listing.groups}
    roles = set(client.list_roles(timeout=60))
    todo = [u['name'] for u in users if current.get(u['name']) != sorted(u['roles'])
            or not set(u['roles']) <= roles]
    assert not todo, 'not in the expected state: %s' % todo[:5]
elif case == 'password':
    for user in users:
        MilvusClient(uri, user=user['name'], password=user['password'], dedicated=True, timeout=60).close()
else:
    raise SystemExit('unknown case %s' % case)
client.close()
print(json.dumps({'import_s': imported}))
'''

ROLE_PLAYBOOK = '''---
- name: Benchmark the cluster_users role
  hosts: localhost
  gather_facts: false
  roles:
    - role: zilliz.cloud.cluster_users
'''

LOOP_PLAYBOOK = '''---
- name: Benchmark a loop of single-user tasks
  hosts: localhost
  gather_facts: false
  tasks:
    - name: One zilliz_user task per user
      zilliz.cloud.zilliz_user:
        uri: "{{ cluster_users_uri }}"
        login_user: "{{ cluster_users_login_user }}"
        login_password: "{{ cluster_users_login_password }}"
        name: "{{ item.name }}"
        password: "{{ item.password }}"
        roles: "{{ item.roles }}"
      loop: "{{ cluster_users_accounts }}"
      loop_control:
        label: "{{ item.name }}"
'''

NOOP_PLAYBOOK = '''---
- name: Fixed cost of ansible-playbook
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Nothing
      ansible.builtin.debug:
        msg: start-up only
'''


class Bench:
    def __init__(self, server, workdir, python):
        self.server = server
        self.workdir = Path(workdir)
        self.python = python
        self.env = dict(os.environ)
        for key in list(self.env):
            if key.startswith(('ZILLIZ_', 'MILVUS_')):
                del self.env[key]
        collections = os.environ.get('ANSIBLE_COLLECTIONS_PATH') or str(REPO / '.tmp' / 'collections')
        link = Path(collections) / 'ansible_collections' / 'zilliz' / 'cloud'
        if not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(REPO, target_is_directory=True)
        self.env.update({
            'ANSIBLE_COLLECTIONS_PATH': collections,
            'ANSIBLE_PYTHON_INTERPRETER': python,
            'ANSIBLE_LOCALHOST_WARNING': 'False',
            'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'False',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_RETRY_FILES_ENABLED': 'False',
            'GRPC_VERBOSITY': 'NONE',
            'PATH': os.path.dirname(python) + os.pathsep + os.environ.get('PATH', ''),
        })
        for name, text in (('role.yml', ROLE_PLAYBOOK), ('loop.yml', LOOP_PLAYBOOK), ('noop.yml', NOOP_PLAYBOOK),
                           ('floor.py', FLOOR_SCRIPT)):
            (self.workdir / name).write_text(text, encoding='utf-8')
        self.ansible_playbook = str(Path(python).parent / 'ansible-playbook')
        self.client = server.client()

    # ----- server state ----------------------------------------------------
    def reset(self):
        """Drop every benchmark user."""
        for name in self.client.list_users(timeout=60):
            if name.startswith(PREFIX):
                self.client.drop_user(name, timeout=60)

    def create(self, users):
        for user in users:
            self.client.create_user(user['name'], user['password'], timeout=60)
            for role in user['roles']:
                self.client.grant_role(user['name'], role, timeout=60)

    def check_state(self, users):
        listing = self.client._get_connection().select_all_user(True, timeout=60)  # pylint: disable=protected-access
        current = {g.username: sorted(g.roles) for g in listing.groups if g.username.startswith(PREFIX)}
        expected = {u['name']: sorted(u['roles']) for u in users}
        if current != expected:
            raise SystemExit('benchmark bug: the server is not in the expected end state')

    # ----- measured runs ---------------------------------------------------
    def _secret_file(self, name, data):
        path = self.workdir / name
        fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w', encoding='utf-8') as stream:
            json.dump(data, stream)
        return path

    def floor(self, case, users):
        job = self._secret_file('floor-job.json', {
            'uri': self.server.uri, 'root_password': self.server.root_password, 'case': case, 'users': users})
        started = time.monotonic()
        proc = subprocess.run([self.python, str(self.workdir / 'floor.py'), str(job)], env=self.env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        elapsed = time.monotonic() - started
        if proc.returncode:
            raise SystemExit('floor %s failed:\n%s' % (case, proc.stdout.decode('utf-8', 'replace')[-3000:]))
        return elapsed, json.loads(proc.stdout.decode().strip().splitlines()[-1])['import_s']

    def playbook(self, name, accounts=None, expect_changed=None):
        extra = {'cluster_users_uri': self.server.uri, 'cluster_users_login_user': 'root',
                 'cluster_users_login_password': self.server.root_password, 'cluster_users_timeout': 60}
        if accounts is not None:
            extra['cluster_users_accounts'] = accounts
        vars_file = self._secret_file('vars.json', extra)
        started = time.monotonic()
        proc = subprocess.run([self.ansible_playbook, str(self.workdir / name), '-e', '@%s' % vars_file],
                              env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        elapsed = time.monotonic() - started
        output = proc.stdout.decode('utf-8', 'replace')
        if proc.returncode:
            raise SystemExit('ansible-playbook %s failed:\n%s' % (name, output[-3000:]))
        if expect_changed is not None:
            changed = int(output.rsplit('changed=', 1)[1].split()[0])
            if bool(changed) != expect_changed:
                raise SystemExit('ansible-playbook %s: changed=%s, expected %s' % (name, changed, expect_changed))
        return elapsed


def make_users(n):
    # Passwords of the usual shape (letters, digits, symbols, a space), 20+ bytes.
    return [{'name': '%s%04d' % (PREFIX, i), 'password': 'Bench-%04d: %s' % (i, secrets.token_hex(6)),
             'roles': [ROLE]} for i in range(n)]


def best(runs, measure):
    """Best (lowest) of `runs` measurements; measure() returns (seconds, extra)."""
    results = [measure() for dummy in range(runs)]
    return min(results, key=lambda r: r[0])


def run_size(bench, n, repeat, with_loop):
    users = make_users(n)
    role_accounts = users
    password_accounts = [dict(u, state='password') for u in users]
    rows = {}

    def fresh_floor():
        bench.reset()
        seconds, imported = bench.floor('fresh', users)
        bench.check_state(users)
        nochange = bench.floor('nochange', users)
        return seconds, (imported, nochange)

    def fresh_role():
        bench.reset()
        seconds = bench.playbook('role.yml', role_accounts, expect_changed=True)
        bench.check_state(users)
        second = bench.playbook('role.yml', role_accounts, expect_changed=False)
        return seconds, second

    floor_fresh, (floor_import, floor_nochange) = best(repeat, fresh_floor)
    role_fresh, role_nochange = best(repeat, fresh_role)
    rows['fresh'] = (floor_fresh, role_fresh, floor_import)
    rows['no change'] = (floor_nochange[0], role_nochange, floor_nochange[1])

    def password_floor():
        bench.reset()
        bench.create(users)
        return bench.floor('password', users)

    def password_role():
        bench.reset()
        bench.create(users)
        return bench.playbook('role.yml', password_accounts, expect_changed=False), None

    floor_password, floor_password_import = best(repeat, password_floor)
    role_password = best(repeat, password_role)[0]
    rows['password'] = (floor_password, role_password, floor_password_import)

    loop = None
    if with_loop:
        bench.reset()
        loop = bench.playbook('loop.yml', users, expect_changed=True)
        bench.check_state(users)
    bench.reset()
    return rows, loop


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--n', type=int, default=100, help='users in the small run (default 100)')
    parser.add_argument('--big-n', type=int, default=1000, help='users in the big run (default 1000; 0 skips it)')
    parser.add_argument('--repeat', type=int, default=1, help='measure each case this many times, keep the best')
    parser.add_argument('--no-loop', action='store_true', help='skip the loop of single-user tasks (slow)')
    parser.add_argument('--python', default=sys.executable, help='Python for the floor and the modules')
    args = parser.parse_args(argv)

    os.environ.setdefault('GRPC_VERBOSITY', 'NONE')
    workdir = tempfile.mkdtemp(prefix='zilliz-bench-')
    os.chmod(workdir, 0o700)
    server = LocalMilvus(max_user_num=max(args.n, args.big_n) + 50,
                         root_password='Bench-root: %s' % secrets.token_hex(8))
    print('starting a local Milvus (max users %d) ...' % (max(args.n, args.big_n) + 50), flush=True)
    server.start()
    results = []
    try:
        client = server.client()
        client.create_role(ROLE, timeout=60)
        client.close()
        bench = Bench(server, workdir, args.python)
        noop = best(max(args.repeat, 2), lambda: (bench.playbook('noop.yml'), None))[0]
        print('ansible-playbook fixed cost (one debug task): %.2f s' % noop, flush=True)
        for n, limit, loop in ((args.n, 2.0, not args.no_loop), (args.big_n, 1.5, False)):
            if not n:
                continue
            print('N=%d ...' % n, flush=True)
            rows, loop_time = run_size(bench, n, args.repeat, loop)
            results.append((n, limit, rows, loop_time))
        bench.client.close()
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    failed = report(results, noop, args)
    return 1 if failed else 0


def report(results, noop, args):
    print()
    print('Benchmark: zilliz.cloud.cluster_users role vs plain pymilvus script (floor)')
    print('command: %s tools/benchmark.py %s' % (os.path.relpath(args.python, str(REPO)) if args.python.startswith(
        str(REPO)) else args.python, ' '.join(sys.argv[1:])))
    print('ansible-playbook fixed cost: %.2f s' % noop)
    print()
    header = '%-6s %-10s %9s %9s %8s %12s  %s' % ('N', 'case', 'floor s', 'role s', 'ratio', 'target', 'result')
    print(header)
    print('-' * len(header))
    failed = 0
    for n, limit, rows, loop in results:
        for case in ('fresh', 'no change', 'password'):
            floor, role, imported = rows[case]
            ratio = role / floor
            ok = ratio <= limit
            failed += not ok
            print('%-6d %-10s %9.2f %9.2f %7.2fx %12s  %s' % (
                n, case, floor, role, ratio, '<= %.1fx' % limit, 'PASS' if ok else 'FAIL'))
        if loop is not None:
            role = rows['fresh'][1]
            speedup = loop / role
            ok = speedup >= 30
            failed += not ok
            print('%-6d %-10s %9s %9.2f %7.1fx %12s  %s   (loop %.1f s / role %.2f s)' % (
                n, 'loop', '-', loop, speedup, 'role >= 30x', 'PASS' if ok else 'FAIL', loop, role))
    print()
    print('floor = separate python process: start-up + `from pymilvus import MilvusClient` (pymilvus import '
          'measured inside the floor: %s) + the RPCs.' % ', '.join(
              '%.2f s' % result[2]['fresh'][2] for result in results))
    print('%d target(s) missed' % failed if failed else 'all targets met')
    return failed


if __name__ == '__main__':
    sys.exit(main())
