"""Effective access: users, roles and grant keys -> what each user may do. Pure, plus the reads on a fake
connection."""

import pytest

from ansible_collections.zilliz.cloud.plugins.module_utils._access import (
    effective_access, grant_flags, read_access, role_access, roles_to_read, user_access,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._server import detect

SEARCH_ORDERS = ('Collection', 'orders', 'default', 'Search')
QUERY_EVENTS = ('Collection', 'events', 'analytics', 'Query')
PUBLIC_INDEX = ('Collection', '*', '*', 'IndexDetail')
PUBLIC_DESCRIBE = ('Global', '*', '*', 'DescribeCollection')
GRANTS = {
    'reader': {SEARCH_ORDERS},
    'analyst': {QUERY_EVENTS, ('Collection', '*', 'analytics', 'Search')},
    'public': {PUBLIC_INDEX, PUBLIC_DESCRIBE},
    'ops': {('Global', '*', '*', 'ClusterAdmin')},
}


@pytest.mark.parametrize('key, flags', [
    (SEARCH_ORDERS, []),
    (('Collection', '*', 'default', 'Search'), ['any_object']),
    (PUBLIC_INDEX, ['any_database', 'any_object']),
    (PUBLIC_DESCRIBE, ['any_database']),                      # Global is always stored with object name '*'
    (('Collection', 'orders', 'default', '*'), ['any_privilege']),
    (('Global', '*', 'default', 'All'), ['any_privilege', 'manages_access']),
    (('Global', '*', 'default', '*'), ['any_privilege', 'manages_access']),
    (('Global', '*', '*', 'ClusterAdmin'), ['any_database', 'cluster_group', 'manages_access']),
    (('Global', '*', '*', 'ClusterReadOnly'), ['any_database', 'cluster_group']),
    (('Global', '*', 'default', 'DatabaseAdmin'), []),
    (('Global', '*', 'default', 'CreateOwnership'), ['manages_access']),
    (('User', 'bob', 'default', 'UpdateUser'), ['manages_access']),
    (('User', '*', 'default', 'SelectUser'), ['any_object']),
])
def test_grant_flags(key, flags):
    assert grant_flags(key) == flags


def entries(access):
    return [(e['role'], e['db_name'], e['object_name'], e['privilege']) for e in access['privileges']]


def test_a_user_with_two_roles_in_two_databases_and_public():
    access = user_access('ann', {'reader', 'analyst'}, GRANTS)
    assert access['roles'] == ['analyst', 'reader']
    assert entries(access) == [
        ('public', '*', '*', 'IndexDetail'), ('public', '*', '*', 'DescribeCollection'),
        ('analyst', 'analytics', '*', 'Search'), ('analyst', 'analytics', 'events', 'Query'),
        ('reader', 'default', 'orders', 'Search')]
    assert access['sweeping'] == ['any_database', 'any_object'] and access['privileged'] is False


def test_admin_root_db_admin_and_cluster_groups_are_privileged():
    admin = user_access('boss', ['admin'], GRANTS)
    assert entries(admin)[0] == ('admin', '*', '*', '*')
    assert 'admin_role' in admin['sweeping'] and admin['privileged']
    root = user_access('root', [], GRANTS)
    assert root['privileges'][0]['role'] is None and 'superuser' in root['sweeping'] and root['privileged']
    # db_admin's grants may not be readable (Zilliz Cloud's built-in role): the role alone flags the user.
    assert user_access('dba', ['db_admin'], GRANTS)['sweeping'] == ['any_database', 'any_object', 'db_admin_role']
    ops = user_access('op', ['ops'], GRANTS)
    assert ops['privileged'] and 'cluster_group' in ops['sweeping']


def test_phantom_empty_role_is_ignored_and_public_needs_no_grant():
    access = user_access('rb_user', ['', 'reader'], {'reader': {SEARCH_ORDERS}})
    assert access['roles'] == ['reader'] and entries(access) == [('reader', 'default', 'orders', 'Search')]


def test_every_user_and_role():
    users = {'ann': {'reader'}, 'bob': set(), 'boss': {'admin'}}
    result = effective_access(users, GRANTS)
    assert [u['name'] for u in result] == ['ann', 'bob', 'boss']
    assert entries(result[1]) == [('public', '*', '*', 'IndexDetail'), ('public', '*', '*', 'DescribeCollection')]
    roles = role_access(users, ['admin', 'public', 'reader', 'analyst', ''], GRANTS)
    by_name = dict((r['name'], r) for r in roles)
    assert sorted(by_name) == ['admin', 'analyst', 'public', 'reader']
    assert by_name['public']['users'] == ['ann', 'bob', 'boss'] and by_name['reader']['users'] == ['ann']
    assert by_name['analyst']['users'] == [] and not by_name['analyst']['privileged']
    assert by_name['admin']['privileged'] and by_name['admin']['privileges'][0]['privilege'] == '*'


def test_roles_to_read_skips_admin_and_always_has_public():
    assert roles_to_read({'a': {'admin', 'x', ''}}, ['admin', 'y']) == ['public', 'x', 'y']


class FakeConnection:
    """The reading methods read_access calls, counting the SelectGrant requests."""

    def __init__(self, users, roles, databases, grants, version='2.3.5'):
        self.users, self.roles, self.databases, self.grants = users, roles, databases, grants
        self.version = version
        self.selects = []

    def profile(self):
        return detect(self.version, 'http://127.0.0.1:19530')

    def map(self, call, items):
        return [call(item) for item in items]

    def users_with_roles(self, only=None):
        return dict((n, set(r)) for n, r in self.users.items() if only is None or n == only)

    def list_roles(self):
        return set(self.roles)

    def list_databases(self):
        return list(self.databases)

    def role_grants(self, role, db_name):
        self.selects.append((role, db_name))
        # As SelectGrant answers: the database's grants plus those stored under '*' (every database's for
        # '*' on 2.4 and later).
        return [key for key in self.grants.get(role, ()) if db_name == '*' or key[2] in (db_name, '*')]


def test_read_access_reads_each_role_once_per_database():
    conn = FakeConnection({'ann': ['reader', 'analyst'], 'boss': ['admin']},
                          ['admin', 'public', 'reader', 'analyst', 'ops'], ['default', 'analytics'], GRANTS)
    users, roles, shown, databases, grants = read_access(conn)
    assert sorted(conn.selects) == sorted((r, d) for r in ('analyst', 'ops', 'public', 'reader')
                                          for d in ('default', 'analytics'))
    assert shown == roles and databases == ['default', 'analytics']
    assert grants['analyst'] == GRANTS['analyst'] and grants['public'] == GRANTS['public']


def test_read_access_reads_each_role_once_where_the_server_lists_every_database():
    conn = FakeConnection({'ann': ['reader', 'analyst'], 'boss': ['admin']},
                          ['admin', 'public', 'reader', 'analyst', 'ops'], ['default', 'analytics'], GRANTS, '2.5.27')
    users, roles, shown, databases, grants = read_access(conn)
    assert sorted(conn.selects) == [(r, '*') for r in ('analyst', 'ops', 'public', 'reader')]
    assert grants['analyst'] == GRANTS['analyst'] and grants['public'] == GRANTS['public']


def test_read_access_for_one_user_reads_its_roles_and_public():
    conn = FakeConnection({'ann': ['reader'], 'bob': ['ops']}, ['admin', 'public', 'reader', 'ops'],
                          ['default'], GRANTS)
    users, roles, shown, dummy, grants = read_access(conn, only='ann')
    assert list(users) == ['ann'] and roles == ['admin', 'ops', 'public', 'reader']
    assert shown == ['public', 'reader'] and sorted(set(r for r, d in conn.selects)) == ['public', 'reader']
