"""Benchmark: provisioning N users with the zilliz.cloud.cluster_users role,
against the floor (a plain pymilvus script doing the calls that reach the
same end state), the Ansible baseline (ansible-playbook with one
zilliz_user_info task: the fixed cost no module can avoid) and a loop of
single-user zilliz.cloud.zilliz_user tasks; locally and over a WAN link made
by tools/fault_proxy.py (--rtt).

    .venv/bin/python tools/benchmark.py                # the issue's whole table, in one run
    .venv/bin/python tools/benchmark.py --n 20 --big-n 50 --wan-n 20 --no-loop   # quick

One local Milvus (tools/milvus_local.py) with its user limit raised to
max(n, big-n, wan-n) + 50. For each size, every case starts from the same
server state (the benchmark users are dropped and, where the case needs
them, re-created directly before each measured run):

  fresh      no benchmark user exists; end state: N users, each with its
             password and the role db_ro.
             floor: create_user + grant_role per user.
  no change  the N users exist as listed (the role's second run).
             reference: the baseline, measured in the same state (it lists
             the same N users).
  password   the N users exist; every item is state=password with the
             current password, so every password is verified and nothing
             changes.
             floor: logging in as each user (a dedicated MilvusClient per
             user, sequentially).
  loop       (N=n, local only) the fresh case as N single-user zilliz_user
             tasks (loop:), one module process per user; compared with the
             role's fresh run.

WAN: the wan-n cases again, with the floor, the baseline and the role all
connecting through a proxy that adds --rtt milliseconds of round trip.

Every floor runs as a separate `python` process, so interpreter start-up
and the pymilvus import are counted like the module's. The role runs as
`ansible-playbook` on a playbook that applies the role to localhost, with
the same Python (ansible_python_interpreter) and the collection from
ANSIBLE_COLLECTIONS_PATH (default .tmp/collections, a link to this repo).
--profile prints where each role run's time went, per task (a timing
callback), and the playbook start-up before the first task.

Targets: the TARGETS table below (issue 10), printed PASS/FAIL; exit status
1 when a target is missed. Times are wall-clock seconds of the whole process
(best of --repeat runs).
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

from fault_proxy import FaultProxy  # noqa: E402  pylint: disable=wrong-import-position
from milvus_local import LocalMilvus  # noqa: E402  pylint: disable=wrong-import-position

ROLE = 'db_ro'
PREFIX = 'bench_'

# (where, size) -> case -> (reference, comparison, limit). 'floor': the plain
# pymilvus script; 'baseline': ansible-playbook with one zilliz_user_info
# task; 'role': the role's fresh run (the loop must be that many times slower).
TARGETS = {
    ('local', 'n'): {'fresh': ('floor', '<=', 2.0), 'password': ('floor', '<=', 2.0),
                     'no change': ('baseline', '<=', 1.3), 'loop': ('role', '>=', 25.0)},
    ('local', 'big-n'): {'fresh': ('floor', '<=', 1.0), 'password': ('floor', '<=', 1.0),
                         'no change': ('baseline', '<=', 2.0)},
    ('wan', 'wan-n'): {'fresh': ('floor', '<=', 0.3), 'password': ('floor', '<=', 0.3),
                       'no change': ('baseline', '<=', 1.3)},
}
STRETCH = {('local', 'big-n', 'no change'): 1.5}
CASES = ('fresh', 'password', 'no change', 'loop')

# The floor: a plain pymilvus script. Reads its job from a JSON file (argv[1]).
FLOOR_SCRIPT = r"""
import json, os, sys
os.environ.setdefault('GRPC_VERBOSITY', 'NONE')
from pymilvus import MilvusClient
with open(sys.argv[1], encoding='utf-8') as fp:
    job = json.load(fp)
uri, case, users = job['uri'], job['case'], job['users']
client = MilvusClient(uri, user='root', password=job['root_password'], dedicated=True, timeout=60)
for role in job.get('roles', []):
    client.create_role(role['name'], timeout=60)
    for grant in role['privileges']:
        client.grant_privilege(role['name'], grant['object_type'], grant['privilege'], grant['object_name'],
                               timeout=60)
if case == 'fresh':
    for user in users:
        client.create_user(user['name'], user['password'], timeout=60)
        for role in user['roles']:
            client.grant_role(user['name'], role, timeout=60)
elif case == 'password':
    for user in users:
        MilvusClient(uri, user=user['name'], password=user['password'], dedicated=True, timeout=60).close()
else:
    raise SystemExit('unknown case %s' % case)
client.close()
"""

CONNECTION = """
        uri: "{{ cluster_users_uri }}"
        login_user: "{{ cluster_users_login_user }}"
        login_password: "{{ cluster_users_login_password }}"
        timeout: "{{ cluster_users_timeout }}"
"""

PLAYBOOKS = {
    'role.yml': """---
- name: Benchmark the cluster_users role
  hosts: localhost
  gather_facts: false
  roles:
    - role: zilliz.cloud.cluster_users
""",
    'baseline.yml': """---
- name: Ansible baseline, one zilliz_user_info task
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read the users
      zilliz.cloud.zilliz_user_info:""" + CONNECTION,
    'loop.yml': """---
- name: Benchmark a loop of single-user tasks
  hosts: localhost
  gather_facts: false
  tasks:
    - name: One zilliz_user task per user
      zilliz.cloud.zilliz_user:""" + CONNECTION + """        name: "{{ item.name }}"
        password: "{{ item.password }}"
        roles: "{{ item.roles }}"
      loop: "{{ cluster_users_accounts }}"
      loop_control:
        label: "{{ item.name }}"
""",
}

# A callback that records when the playbook started and how long each task
# took (--profile), into the JSON file named by BENCH_TIMINGS.
TIMING_CALLBACK = r"""
import json, os, time
from ansible.plugins.callback import CallbackBase

class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.tasks, self.current, self.first = [], None, None

    def _close(self):
        if self.current:
            name, started = self.current
            self.tasks.append([name, time.time() - started])
            self.current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close()
        self.first = self.first or time.time()
        self.current = (task.get_name(), time.time())

    def v2_playbook_on_stats(self, stats):
        self._close()
        with open(os.environ['BENCH_TIMINGS'], 'w') as stream:
            json.dump({'first_task_at': self.first, 'tasks': self.tasks}, stream)
"""


class Bench:
    def __init__(self, server, workdir, python, profile=False):
        self.server = server
        self.uri = server.uri
        self.workdir = Path(workdir)
        self.python = python
        self.profile = profile
        self.profiles = []
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
        if profile:
            (self.workdir / 'callbacks').mkdir()
            (self.workdir / 'callbacks' / 'bench_timer.py').write_text(TIMING_CALLBACK, encoding='utf-8')
            self.env.update({'ANSIBLE_CALLBACK_PLUGINS': str(self.workdir / 'callbacks'),
                             'ANSIBLE_CALLBACKS_ENABLED': 'bench_timer',
                             'BENCH_TIMINGS': str(self.workdir / 'timings.json')})
        for name, text in dict(PLAYBOOKS, **{'floor.py': FLOOR_SCRIPT}).items():
            (self.workdir / name).write_text(text, encoding='utf-8')
        self.ansible_playbook = str(Path(python).parent / 'ansible-playbook')
        self.client = server.client()

    # ----- server state (directly, never through the proxy) ---------------------
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

    # ----- measured runs (through self.uri) --------------------------------------
    def _secret_file(self, name, data):
        path = self.workdir / name
        fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w', encoding='utf-8') as stream:
            json.dump(data, stream)
        return path

    def reset_roles(self):
        """Drop every benchmark role (its privileges revoked first)."""
        for name in self.client.list_roles(timeout=60):
            if name.startswith(PREFIX):
                for grant in self.client.describe_role(name, timeout=60)['privileges']:
                    self.client.revoke_privilege(name, grant['object_type'], grant['privilege'],
                                                 grant['object_name'], timeout=60)
                self.client.drop_role(name, timeout=60)

    def floor(self, case, users, roles=()):
        job = self._secret_file('floor-job.json', {
            'uri': self.uri, 'root_password': self.server.root_password, 'case': case, 'users': users,
            'roles': list(roles)})
        started = time.monotonic()
        proc = subprocess.run([self.python, str(self.workdir / 'floor.py'), str(job)], env=self.env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        elapsed = time.monotonic() - started
        if proc.returncode:
            raise SystemExit('floor %s failed:\n%s' % (case, proc.stdout.decode('utf-8', 'replace')[-3000:]))
        return elapsed

    def playbook(self, name, accounts=None, expect_changed=None, label=None, roles=None):
        extra = {'cluster_users_uri': self.uri, 'cluster_users_login_user': 'root',
                 'cluster_users_login_password': self.server.root_password, 'cluster_users_timeout': 60}
        if accounts is not None:
            extra['cluster_users_accounts'] = accounts
        if roles is not None:
            extra['cluster_users_roles'] = roles
        vars_file = self._secret_file('vars.json', extra)
        started = time.time()
        proc = subprocess.run([self.ansible_playbook, str(self.workdir / name), '-e', '@%s' % vars_file],
                              env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        elapsed = time.time() - started
        output = proc.stdout.decode('utf-8', 'replace')
        if proc.returncode:
            raise SystemExit('ansible-playbook %s failed:\n%s' % (name, output[-3000:]))
        if expect_changed is not None:
            changed = int(output.rsplit('changed=', 1)[1].split()[0])
            if bool(changed) != expect_changed:
                raise SystemExit('ansible-playbook %s: changed=%s, expected %s' % (name, changed, expect_changed))
        if self.profile and label:
            with open(self.workdir / 'timings.json', encoding='utf-8') as stream:
                timings = json.load(stream)
            self.profiles.append((label, elapsed, timings['first_task_at'] - started, timings['tasks']))
        return elapsed


ROLE_PRIVILEGES = ('Search', 'Query', 'Insert', 'Delete', 'Upsert', 'Flush', 'Release', 'CreateIndex', 'DropIndex',
                   'IndexDetail')


def make_roles(n_roles, n_privileges):
    return [{'name': '%srole%02d' % (PREFIX, i),
             'privileges': [{'object_type': 'Collection', 'object_name': '*', 'privilege': p, 'db_name': 'default'}
                            for p in ROLE_PRIVILEGES[:n_privileges]]} for i in range(n_roles)]


def run_roles(bench, n_roles, n_users, repeat):
    """Roles with privileges plus users holding them, in one role run: (floor, fresh, no change)."""
    roles = make_roles(n_roles, len(ROLE_PRIVILEGES))
    users = [dict(u, roles=[roles[i % n_roles]['name']]) for i, u in enumerate(make_users(n_users))]

    def fresh(measure):
        def run():
            bench.reset()
            bench.reset_roles()
            seconds = measure()
            bench.check_state(users)
            return seconds
        return run
    floor = best(repeat, fresh(lambda: bench.floor('fresh', users, roles)))
    role = best(repeat, fresh(lambda: bench.playbook('role.yml', users, expect_changed=True, roles=roles,
                                                     label='roles fresh')))
    again = best(repeat, lambda: bench.playbook('role.yml', users, expect_changed=False, roles=roles,
                                                label='roles no change'))
    bench.reset()
    bench.reset_roles()
    return floor, role, again


def make_users(n):
    # Passwords of the usual shape (letters, digits, symbols, a space), 20+ bytes.
    return [{'name': '%s%04d' % (PREFIX, i), 'password': 'Bench-%04d: %s' % (i, secrets.token_hex(6)),
             'roles': [ROLE]} for i in range(n)]


def best(runs, measure):
    """Best (lowest) of `runs` measurements of measure()."""
    return min(measure() for dummy in range(runs))


def run_size(bench, n, repeat, with_loop, where):
    """{case: (reference seconds, role seconds)} for one size on one link."""
    users = make_users(n)
    password_accounts = [dict(u, state='password') for u in users]
    tag = '%s N=%d' % (where, n)

    def fresh_floor():
        bench.reset()
        seconds = bench.floor('fresh', users)
        bench.check_state(users)
        return seconds

    def fresh_role():
        bench.reset()
        seconds = bench.playbook('role.yml', users, expect_changed=True, label='%s fresh' % tag)
        bench.check_state(users)
        return seconds

    def password_floor():
        bench.reset()
        bench.create(users)
        return bench.floor('password', users)

    def password_role():
        bench.reset()
        bench.create(users)
        return bench.playbook('role.yml', password_accounts, expect_changed=False, label='%s password' % tag)

    rows = {'fresh': (best(repeat, fresh_floor), best(repeat, fresh_role)),
            'password': (best(repeat, password_floor), best(repeat, password_role))}
    # The users exist as listed (password_role left them so): the role's second run, and the baseline.
    rows['no change'] = (
        best(repeat, lambda: bench.playbook('baseline.yml', label='%s baseline' % tag)),
        best(repeat, lambda: bench.playbook('role.yml', users, expect_changed=False, label='%s no change' % tag)))
    if with_loop:
        bench.reset()
        loop = bench.playbook('loop.yml', users, expect_changed=True)
        bench.check_state(users)
        rows['loop'] = (rows['fresh'][1], loop)
    bench.reset()
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--n', type=int, default=100, help='users in the small local run (default 100)')
    parser.add_argument('--big-n', type=int, default=1000, help='users in the big local run (default 1000; 0 skips)')
    parser.add_argument('--rtt', type=float, default=50.0,
                        help='round trip in ms added by the proxy for the WAN run (default 50; 0 skips it)')
    parser.add_argument('--wan-n', type=int, default=100, help='users in the WAN run (default 100)')
    parser.add_argument('--repeat', type=int, default=1, help='measure each case this many times, keep the best')
    parser.add_argument('--no-loop', action='store_true', help='skip the loop of single-user tasks (slow)')
    parser.add_argument('--roles', type=int, default=10,
                        help='custom roles (10 privileges each) provisioned with 100 users in the roles run '
                             '(default 10; 0 skips it)')
    parser.add_argument('--profile', action='store_true', help='print where each role run spent its time')
    parser.add_argument('--python', default=sys.executable, help='Python for the floor and the modules')
    parser.add_argument('--fleet', metavar='COUNTS',
                        help='run the fleet benchmark instead (tools/benchmark_fleet.py), e.g. 10,25,50 clusters')
    args, fleet_args = parser.parse_known_args(argv)
    if args.fleet:
        import benchmark_fleet  # pylint: disable=import-outside-toplevel
        return benchmark_fleet.main(['--clusters', args.fleet, '--repeat', str(args.repeat)] + fleet_args, args.python)
    if fleet_args:
        parser.error('unrecognized arguments: %s' % ' '.join(fleet_args))

    os.environ.setdefault('GRPC_VERBOSITY', 'NONE')
    workdir = tempfile.mkdtemp(prefix='zilliz-bench-')
    os.chmod(workdir, 0o700)
    most = max(args.n, args.big_n, args.wan_n if args.rtt else 0, 100) + 50
    server = LocalMilvus(max_user_num=most, max_role_num=args.roles + 10,
                         root_password='Bench-root: %s' % secrets.token_hex(8))
    print('starting a local Milvus (max users %d) ...' % most, flush=True)
    server.start()
    results = []
    roles_result = None
    bench = None
    try:
        client = server.client()
        client.create_role(ROLE, timeout=60)
        client.close()
        bench = Bench(server, workdir, args.python, args.profile)
        for where, size, n in (('local', 'n', args.n), ('local', 'big-n', args.big_n),
                               ('wan', 'wan-n', args.wan_n if args.rtt else 0)):
            if not n:
                continue
            label = 'local' if where == 'local' else '%g ms' % args.rtt
            print('%s N=%d ...' % (label, n), flush=True)
            if where == 'wan':
                with FaultProxy(server.port, rtt=args.rtt / 1000.0) as proxy:
                    bench.uri = proxy.uri
                    rows = run_size(bench, n, args.repeat, False, label)
                bench.uri = server.uri
            else:
                rows = run_size(bench, n, args.repeat, size == 'n' and not args.no_loop, label)
            results.append((label, (where, size), n, rows))
        if args.roles:
            print('local: %d roles x %d privileges + 100 users ...' % (args.roles, len(ROLE_PRIVILEGES)), flush=True)
            roles_result = run_roles(bench, args.roles, 100, args.repeat)
    finally:
        if bench is not None:
            bench.client.close()
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    failed = report(results, args)
    if roles_result:
        floor, role, again = roles_result
        print('roles: %d roles x %d privileges + 100 users holding them, local (no target): floor %.2f s, '
              'role fresh %.2f s (%.2fx), role no change %.2f s'
              % (args.roles, len(ROLE_PRIVILEGES), floor, role, role / floor, again))
    if args.profile:
        print_profiles(bench.profiles)
    return 1 if failed else 0


def report(results, args):
    print()
    print('Benchmark: zilliz.cloud.cluster_users role vs plain pymilvus script (floor) and the Ansible baseline')
    print('command: %s tools/benchmark.py %s' % (os.path.relpath(args.python, str(REPO)) if args.python.startswith(
        str(REPO)) else args.python, ' '.join(sys.argv[1:])))
    print()
    header = '%-7s %-6s %-10s %-9s %7s %8s %8s %9s  %s' % (
        'link', 'N', 'case', 'vs', 'ref s', 'role s', 'ratio', 'target', 'result')
    print(header)
    print('-' * len(header))
    failed = 0
    for label, key, n, rows in results:
        for case in CASES:
            if case not in rows:
                continue
            reference, comparison, limit = TARGETS[key][case]
            ref, role = rows[case]
            ratio = role / ref
            ok = ratio <= limit if comparison == '<=' else ratio >= limit
            failed += not ok
            note = ''
            stretch = STRETCH.get(key + (case,))
            if stretch:
                note = '  (stretch <= %.1fx: %s)' % (stretch, 'met' if ratio <= stretch else 'not met')
            if case == 'loop':
                reference, note = 'role', '  (loop %.1f s = %.1fx the role)' % (role, ratio)
            print('%-7s %-6d %-10s %-9s %7.2f %8.2f %7.2fx %9s  %s%s' % (
                label, n, case, reference, ref, role, ratio, '%s %.1fx' % (comparison, limit),
                'PASS' if ok else 'FAIL', note))
    print()
    print('floor = a separate python process: start-up + `from pymilvus import MilvusClient` + the RPCs, '
          'sequential. baseline = ansible-playbook with one zilliz_user_info task (same server, same link). '
          'loop: the "role s" column is the loop.')
    sizes = dict((key[1], n) for dummy, key, n, dummy in results)
    if any(sizes.get(size, issue) != issue for size, issue in (('n', 100), ('big-n', 1000), ('wan-n', 100))) \
            or (sizes.get('wan-n') and args.rtt != 50):
        print('note: the targets are set for N=100, N=1000 and N=100 at 50 ms; at other sizes they are indicative')
    print('%d target(s) missed' % failed if failed else 'all targets met')
    return failed


def print_profiles(profiles):
    print()
    print('Where the time went (seconds): start-up = ansible-playbook start until its first task')
    for label, elapsed, startup, tasks in profiles:
        parts = ['start-up %.2f' % startup] + ['%s %.2f' % (_short(name), seconds) for name, seconds in tasks
                                               if seconds >= 0.01]
        print('  %-22s %5.2f = %s' % (label, elapsed, ', '.join(parts)))


def _short(task_name):
    name = task_name.split(' : ', 1)[-1]
    for long, short in (('Validating arguments against arg spec', 'argument validation'),
                        ('Provision the users of the cluster in one batch', 'users task'),
                        ('Provision the custom roles of the cluster in one batch', 'roles task'),
                        ("Summary of the cluster's roles and users", 'summary')):
        if name.startswith(long):
            return short
    return name


if __name__ == '__main__':
    sys.exit(main())
