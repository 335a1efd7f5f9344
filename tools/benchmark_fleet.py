"""Fleet benchmark: the zilliz.cloud.cluster_users role over an inventory of
many clusters, against the fleet baseline (one zilliz_user_info task per
host over the same inventory and forks), in the same run.

    .venv/bin/python tools/benchmark.py --fleet 10,25,50           # the issue's table
    .venv/bin/python tools/benchmark_fleet.py --clusters 10,25,50  # the same, directly
    .venv/bin/python tools/benchmark_fleet.py --clusters 4 --servers 1 --users 5   # quick

Each inventory host is a cluster with --users users and --roles custom roles
(each user holds one of them). --servers real local Milvus servers
(tools/milvus_local.py, started one after the other) hold the clusters: a
cluster lives on server (index mod servers), and clusters that share a server
have disjoint user and role names (`fl<cluster>_...`). The role runs with
`-f --forks`, the summary off (cluster_users_summary: false).

Per cluster count, each case from the same start:

  fresh      no benchmark user or role exists: the role creates every role,
             its privileges, every user and its grant.
  no change  the same inventory again (nothing to do: the nightly run).
  password   every item state=password with the current password: every
             password verified, nothing changes.
  baseline   one zilliz_user_info task per host (the fixed cost of a module
             task per cluster that no role can avoid).

Targets (printed PASS/FAIL; exit status 1 when one is missed): no change
<= 1.3x the baseline at the largest count (50 in the issue's table), and the
no-change cost per cluster flat or falling from the smallest count to the
largest (at most 1.1x). Wall-clock seconds of the whole ansible-playbook
process, best of --repeat.
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

sys.path.insert(0, str(REPO / 'tests'))
from collection_path import collections_dir  # noqa: E402  pylint: disable=wrong-import-position

PREFIX = 'fl'
NO_CHANGE_LIMIT = 1.3
FLAT_LIMIT = 1.1
PRIVILEGES = ('Search', 'Query', 'Insert')

ROLE_PLAY = """---
- name: Fleet benchmark, the cluster_users role
  hosts: fleet
  gather_facts: false
  roles:
    - role: zilliz.cloud.cluster_users
"""

BASELINE_PLAY = """---
- name: Fleet baseline, one zilliz_user_info task per cluster
  hosts: fleet
  gather_facts: false
  tasks:
    - name: Read the users
      zilliz.cloud.zilliz_user_info:
        uri: "{{ cluster_users_uri }}"
        login_user: "{{ cluster_users_login_user }}"
        login_password: "{{ cluster_users_login_password }}"
        timeout: "{{ cluster_users_timeout }}"
      delegate_to: localhost
"""


def cluster_lists(index, users, roles):
    """(roles, accounts) of cluster `index`: names unique to it, passwords random per run of the benchmark."""
    tag = '%s%02d' % (PREFIX, index)
    role_items = [{'name': '%s_r%d' % (tag, r),
                   'privileges': [{'object_type': 'Collection', 'object_name': 'c%d' % r, 'privilege': p}
                                  for p in PRIVILEGES]} for r in range(roles)]
    accounts = [{'name': '%s_u%02d' % (tag, u), 'password': 'Fleet-%02d-%02d: %s' % (index, u, secrets.token_hex(6)),
                 'roles': [role_items[u % roles]['name']] if roles else []} for u in range(users)]
    return role_items, accounts


class Fleet:
    """The servers, the inventory (a 0600 file: it holds the passwords) and the runs."""

    def __init__(self, servers, workdir, python, forks):
        self.servers = servers
        self.workdir = Path(workdir)
        self.python = python
        self.forks = forks
        self.clients = [server.client() for server in servers]
        self.env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('ZILLIZ_', 'MILVUS_', 'ANSIBLE_')))
        self.env.update({
            'ANSIBLE_COLLECTIONS_PATH': os.environ.get('ANSIBLE_COLLECTIONS_PATH') or str(collections_dir()), 'ANSIBLE_PYTHON_INTERPRETER': python,
            'ANSIBLE_LOCALHOST_WARNING': 'False', 'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'False',
            'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_RETRY_FILES_ENABLED': 'False', 'GRPC_VERBOSITY': 'NONE',
            'PATH': os.path.dirname(python) + os.pathsep + os.environ.get('PATH', ''),
        })
        for name, text in (('role.yml', ROLE_PLAY), ('baseline.yml', BASELINE_PLAY)):
            (self.workdir / name).write_text(text, encoding='utf-8')
        self.ansible_playbook = str(Path(python).parent / 'ansible-playbook')

    def inventory(self, clusters, users, roles):
        hosts = {}
        for index in range(clusters):
            server = self.servers[index % len(self.servers)]
            role_items, accounts = cluster_lists(index, users, roles)
            hosts['cluster%02d' % index] = {
                'cluster_users_uri': server.uri, 'cluster_users_login_user': 'root',
                'cluster_users_login_password': server.root_password, 'cluster_users_timeout': 60,
                'cluster_users_roles': role_items, 'cluster_users_accounts': accounts}
        path = self.workdir / 'inventory.json'
        fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w', encoding='utf-8') as stream:
            json.dump({'fleet': {'hosts': hosts, 'vars': {'cluster_users_summary': False}}}, stream)
        return path

    def reset(self):
        """Drop every benchmark user and role on every server (privileges revoked first), directly."""
        for client in self.clients:
            for name in client.list_users(timeout=60):
                if name.startswith(PREFIX):
                    client.drop_user(name, timeout=60)
            for name in client.list_roles(timeout=60):
                if name.startswith(PREFIX):
                    for grant in client.describe_role(name, timeout=60)['privileges']:
                        client.revoke_privilege(name, grant['object_type'], grant['privilege'], grant['object_name'],
                                                timeout=60)
                    client.drop_role(name, timeout=60)

    def count(self):
        users = sum(1 for client in self.clients for name in client.list_users(timeout=60) if name.startswith(PREFIX))
        roles = sum(1 for client in self.clients for name in client.list_roles(timeout=60) if name.startswith(PREFIX))
        return users, roles

    def run(self, play, inventory, expect_changed):
        started = time.time()
        proc = subprocess.run([self.ansible_playbook, str(self.workdir / play), '-i', str(inventory),
                               '-f', str(self.forks)], env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, check=False)
        elapsed = time.time() - started
        output = proc.stdout.decode('utf-8', 'replace')
        if proc.returncode:
            raise SystemExit('ansible-playbook %s failed:\n%s' % (play, output[-3000:]))
        changed = sum(int(part.split('=')[1]) for part in output.split() if part.startswith('changed='))
        if expect_changed is not None and bool(changed) != expect_changed:
            raise SystemExit('ansible-playbook %s: changed=%d, expected %s' % (play, changed, expect_changed))
        return elapsed


def best(runs, measure):
    return min(measure() for dummy in range(runs))


def run_count(fleet, clusters, users, roles, repeat):
    """{case: seconds} for one cluster count."""
    inventory = fleet.inventory(clusters, users, roles)

    def fresh():
        fleet.reset()
        seconds = fleet.run('role.yml', inventory, expect_changed=True)
        if fleet.count() != (clusters * users, clusters * roles):
            raise SystemExit('benchmark bug: the servers do not hold the expected users and roles')
        return seconds
    row = {'fresh': best(repeat, fresh)}
    row['no change'] = best(repeat, lambda: fleet.run('role.yml', inventory, expect_changed=False))
    row['baseline'] = best(repeat, lambda: fleet.run('baseline.yml', inventory, expect_changed=False))
    # The same users and passwords (the inventory is written again with state=password for every item).
    password_inventory = fleet.workdir / 'inventory-password.json'
    data = json.loads(inventory.read_text(encoding='utf-8'))
    for host in data['fleet']['hosts'].values():
        host['cluster_users_accounts'] = [dict(a, state='password', current_password=a['password'])
                                          for a in host['cluster_users_accounts']]
    fd = os.open(str(password_inventory), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w', encoding='utf-8') as stream:
        json.dump(data, stream)
    row['password'] = best(repeat, lambda: fleet.run('role.yml', password_inventory, expect_changed=False))
    return row


def report(rows, args, servers):
    print()
    print('Fleet benchmark: the cluster_users role over N clusters (%d users and %d custom roles each) on %d local '
          'Milvus server%s, -f %d, summary off; baseline = one zilliz_user_info task per cluster'
          % (args.users, args.roles, servers, '' if servers == 1 else 's', args.forks))
    header = '%8s %8s %11s %10s %10s %12s %13s' % ('clusters', 'fresh s', 'no change s', 'password s', 'baseline s',
                                                   'nc/baseline', 'nc/cluster s')
    print(header)
    print('-' * len(header))
    for clusters, row in rows:
        print('%8d %8.2f %11.2f %10.2f %10.2f %11.2fx %13.3f' % (
            clusters, row['fresh'], row['no change'], row['password'], row['baseline'],
            row['no change'] / row['baseline'], row['no change'] / clusters))
    failed = 0
    largest, last = rows[-1]
    ratio = last['no change'] / last['baseline']
    ok = ratio <= NO_CHANGE_LIMIT
    failed += not ok
    print('target: no change <= %.1fx the baseline at %d clusters: %.2fx %s'
          % (NO_CHANGE_LIMIT, largest, ratio, 'PASS' if ok else 'FAIL'))
    if len(rows) > 1:
        smallest, first = rows[0]
        growth = (last['no change'] / largest) / (first['no change'] / smallest)
        ok = growth <= FLAT_LIMIT
        failed += not ok
        print('target: no-change cost per cluster flat or falling from %d to %d clusters (<= %.1fx): %.2fx %s'
              % (smallest, largest, FLAT_LIMIT, growth, 'PASS' if ok else 'FAIL'))
    return failed


def parse_counts(text):
    return sorted(set(int(part) for part in str(text).split(',') if part.strip()))


def main(argv=None, python=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--clusters', default='10,25,50', help='cluster counts, comma-separated (default 10,25,50)')
    parser.add_argument('--servers', type=int, default=2, help='local Milvus servers holding the clusters (default 2)')
    parser.add_argument('--users', type=int, default=20, help='users per cluster (default 20)')
    parser.add_argument('--roles', type=int, default=2, help='custom roles per cluster (default 2)')
    parser.add_argument('--forks', type=int, default=8, help='ansible-playbook -f (default 8)')
    parser.add_argument('--repeat', type=int, default=1, help='measure each case this many times, keep the best')
    parser.add_argument('--python', default=python or sys.executable, help='Python for the modules')
    args = parser.parse_args(argv)
    counts = parse_counts(args.clusters)
    per_server = -(-max(counts) // args.servers)
    os.environ.setdefault('GRPC_VERBOSITY', 'NONE')
    workdir = tempfile.mkdtemp(prefix='zilliz-fleet-')
    os.chmod(workdir, 0o700)
    servers = []
    print('uptime:%s' % subprocess.run(['uptime'], stdout=subprocess.PIPE, check=False).stdout.decode().split(
        'load', 1)[-1].rstrip(), flush=True)
    rows = []
    try:
        for dummy in range(args.servers):
            server = LocalMilvus(max_user_num=per_server * args.users + 50, max_role_num=per_server * args.roles + 10,
                                 root_password='Fleet-root: %s' % secrets.token_hex(8))
            servers.append(server)
            print('starting local Milvus %d of %d ...' % (len(servers), args.servers), flush=True)
            server.start()
        fleet = Fleet(servers, workdir, args.python, args.forks)
        for clusters in counts:
            print('%d clusters ...' % clusters, flush=True)
            rows.append((clusters, run_count(fleet, clusters, args.users, args.roles, args.repeat)))
        fleet.reset()
        for client in fleet.clients:
            client.close()
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if report(rows, args, len(servers)) else 0


if __name__ == '__main__':
    sys.exit(main())
