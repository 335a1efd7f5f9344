"""Slicing an inventory (AWX job slicing, or `--limit` by hand): two
ansible-playbook processes, each over half of the clusters, run at the same
time, reach the same end state as one run over all of them and report the
same changes between them. The clusters share one server of this module
with disjoint names (each cluster's roles and users start with its own
prefix); its role limit is raised for their eight roles."""

import concurrent.futures
import json
import os
import re

import pytest

from conftest import create_users, playbook, register_secret, start_server

CLUSTERS = ['sl%d' % i for i in range(4)]
HALVES = (CLUSTERS[:2], CLUSTERS[2:])


def cluster_vars(server, prefix):
    """A cluster's lists: two roles (one privilege each), users holding them, a
    user to drop and a user whose roles change (both made by start_state)."""
    password = register_secret('Sl1ce %s: "pw" @ ü' % prefix)
    roles = [{'name': '%s_reader' % prefix,
              'privileges': [{'object_type': 'Collection', 'object_name': '%s_c' % prefix, 'privilege': 'Search'}]},
             {'name': '%s_writer' % prefix,
              'privileges': [{'object_type': 'Collection', 'object_name': '%s_c' % prefix, 'privilege': 'Insert'}]}]
    accounts = [{'name': '%s_new' % prefix, 'password': password, 'roles': ['%s_reader' % prefix]},
                {'name': '%s_both' % prefix, 'password': password,
                 'roles': ['%s_reader' % prefix, '%s_writer' % prefix]},
                {'name': '%s_moved' % prefix, 'password': password, 'roles': ['%s_writer' % prefix]},
                {'name': '%s_gone' % prefix, 'state': 'absent'}]
    return {'cluster_users_uri': server.uri, 'cluster_users_login_user': 'root',
            'cluster_users_login_password': server.root_password, 'cluster_users_timeout': 10,
            'cluster_users_roles': roles, 'cluster_users_accounts': accounts}


def start_state(server, inventory):
    """Drop everything the clusters own, then the users that exist before the run."""
    clean(server)
    for prefix in CLUSTERS:
        password = inventory['clusters']['hosts'][prefix]['cluster_users_accounts'][0]['password']
        create_users(server, {'%s_moved' % prefix: (password, ['db_ro']), '%s_gone' % prefix: (password, [])})


def clean(server):
    client = server.client()
    try:
        for name in client.list_users(timeout=10):
            if name[:3] in CLUSTERS:
                client.drop_user(name, timeout=10)
        for name in client.list_roles(timeout=10):
            if name[:3] in CLUSTERS:
                for grant in client.describe_role(name, timeout=10)['privileges']:
                    client.revoke_privilege(name, grant['object_type'], grant['privilege'], grant['object_name'],
                                            timeout=10)
                client.drop_role(name, timeout=10)
    finally:
        client.close()


def end_state(server):
    """The clusters' users with their roles, and their roles with their grants, read directly."""
    client = server.client()
    try:
        listing = client._get_connection().select_all_user(True, timeout=10)  # pylint: disable=protected-access
        users = dict((g.username, sorted(g.roles)) for g in listing.groups if g.username[:3] in CLUSTERS)
        roles = dict((name, sorted((g['object_type'], g['object_name'], g['privilege'])
                                   for g in client.describe_role(name, timeout=10)['privileges']))
                     for name in client.list_roles(timeout=10) if name[:3] in CLUSTERS)
        return users, roles
    finally:
        client.close()


def reported(*runs):
    """{host: its changes} from the runs' SLICE_RESULT lines; a host reported twice fails."""
    changes = {}
    for run in runs:
        for text in re.findall(r'SLICE_RESULT (\{.*\})"', run.output):
            report = json.loads(text.replace('\\"', '"'))
            assert report['host'] not in changes, 'host %s reported by two runs' % report['host']
            changes[report.pop('host')] = report
    return changes


@pytest.fixture(scope='module')
def fleet_server(milvus):
    """A server of its own (started after the session one, never together)."""
    server = start_server(roles=('db_ro',), max_role_num=32)
    yield server
    server.stop()


@pytest.fixture
def inventory_file(fleet_server, tmp_path):
    inventory = {'clusters': {'hosts': dict((prefix, cluster_vars(fleet_server, prefix)) for prefix in CLUSTERS),
                              'vars': {'cluster_users_summary': False}}}
    path = tmp_path / 'inventory.json'
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w', encoding='utf-8') as stream:
        json.dump(inventory, stream)
    yield inventory, path
    clean(fleet_server)


def run_slices(inventory_path, name):
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(playbook, 'slices.yml', inventory=inventory_path,
                               extra_args=['--limit', ','.join(half)], name='%s-%d' % (name, i), timeout=300)
                   for i, half in enumerate(HALVES)]
        return [future.result(timeout=330) for future in futures]


def test_two_slices_at_once_equal_one_run(fleet_server, inventory_file):
    milvus = fleet_server
    inventory, path = inventory_file
    start_state(milvus, inventory)
    whole = playbook('slices.yml', inventory=path, name='slices-whole', timeout=300)
    whole_changes, whole_state = reported(whole), end_state(milvus)
    assert sorted(whole_changes) == CLUSTERS
    assert whole_changes['sl0'] == {
        'roles': {'created': ['sl0_reader', 'sl0_writer'], 'privileges_changed': [], 'dropped': [], 'unchanged': []},
        'users': {'created': ['sl0_new', 'sl0_both'], 'password_changed': [],
                  'roles_changed': ['sl0_new', 'sl0_both', 'sl0_moved'], 'dropped': ['sl0_gone'], 'unchanged': []}}
    assert whole_state[0]['sl3_moved'] == ['sl3_writer'] and 'sl3_gone' not in whole_state[0]

    start_state(milvus, inventory)
    slices = run_slices(path, 'slices-half')
    assert [sorted(reported(run)) for run in slices] == [list(half) for half in HALVES]
    assert reported(*slices) == whole_changes
    assert end_state(milvus) == whole_state

    again = run_slices(path, 'slices-again')
    assert all(re.search(r'changed=0 ', run.output) and not re.search(r'changed=[1-9]', run.output)
               for run in again)
    assert end_state(milvus) == whole_state
