"""The model's 2.3.5 profile against the real Milvus 2.3.5 (tools/milvus_local.py).

The same sequence of requests goes to both: users, passwords, roles, grants
in several databases, drops, refusals, limits, prefix-named users, wrong
passwords, unprivileged callers. Every answer is compared (outcome, code,
message class, what reads back); a difference fails the test unless
model_allowlist.yml lists that step, with its reason.
"""

import os
import sys

import pytest
import yaml

sys.path.insert(0, os.path.dirname(__file__))

import model_driver as d  # noqa: E402  pylint: disable=wrong-import-position
from milvus_model import ModelMilvus  # noqa: E402  pylint: disable=wrong-import-position

pytest.importorskip('milvus')
sys.path.insert(0, os.path.join(d.REPO, 'tools'))
from milvus_local import LocalMilvus  # noqa: E402  pylint: disable=wrong-import-position

ROOT_PASSWORD = 'Diff-root-9'
ALLOWLIST = os.path.join(os.path.dirname(__file__), 'model_allowlist.yml')
READS = ('SelectUser', 'SelectRole', 'SelectGrant', 'ListCredUsers', 'ListDatabases', 'GetVersion')


def scenario():
    """(label, method, request, caller, db): caller (user, password) or None for no header."""
    root = ('root', ROOT_PASSWORD)
    alice = ('zd_alice', 'Alice-pass-1')
    alice2 = ('zd_alice', 'Alice-pass-2')
    steps = [
        ('version', 'GetVersion', d.milvus_pb2.GetVersionRequest(), root, None),
        ('connect root', 'Connect', d.milvus_pb2.ConnectRequest(), root, None),
        ('connect wrong password', 'Connect', d.milvus_pb2.ConnectRequest(), ('root', 'wrong-pass'), None),
        ('connect unknown user', 'Connect', d.milvus_pb2.ConnectRequest(), ('zd_nobody', 'whatever1'), None),
        ('connect no header', 'Connect', d.milvus_pb2.ConnectRequest(), None, None),
        ('list users no header', 'ListCredUsers', d.milvus_pb2.ListCredUsersRequest(), None, None),
        ('create alice', 'CreateCredential', d.credential(*alice), root, None),
        ('create alice again', 'CreateCredential', d.credential(*alice), root, None),
        ('create digit first', 'CreateCredential', d.credential('1zd', 'Password-1'), root, None),
        ('create hyphen', 'CreateCredential', d.credential('zd-hyphen', 'Password-1'), root, None),
        ('create dot', 'CreateCredential', d.credential('zd.dot', 'Password-1'), root, None),
        ('create 33 chars', 'CreateCredential', d.credential('z' * 33, 'Password-1'), root, None),
        ('create 32 chars', 'CreateCredential', d.credential('z' * 32, 'Password-1'), root, None),
        ('create short password', 'CreateCredential', d.credential('zd_short', 'abc'), root, None),
        ('create 73-byte password', 'CreateCredential', d.credential('zd_long', 'x' * 73), root, None),
        ('create 72-byte password', 'CreateCredential', d.credential('zd_long', 'x' * 72), root, None),
        ('create prefix user', 'CreateCredential', d.credential('zd_rb', 'Password-1'), root, None),
        ('create prefixed user', 'CreateCredential', d.credential('zd_rb2', 'Password-1'), root, None),
        ('alice connects', 'Connect', d.milvus_pb2.ConnectRequest(), alice, None),
        ('update alice wrong old', 'UpdateCredential', d.update('zd_alice', 'not-it-1', alice2[1]), root, None),
        ('update alice short new', 'UpdateCredential', d.update('zd_alice', alice[1], 'ab'), root, None),
        ('update alice', 'UpdateCredential', d.update('zd_alice', alice[1], alice2[1]), root, None),
        ('alice old password', 'Connect', d.milvus_pb2.ConnectRequest(), alice, None),
        ('alice new password', 'Connect', d.milvus_pb2.ConnectRequest(), alice2, None),
        ('update missing user', 'UpdateCredential', d.update('zd_ghost', 'Old-pass-1', 'New-pass-1'), root, None),
        ('create role r1', 'CreateRole', d.role('zd_r1'), root, None),
        ('create role r2', 'CreateRole', d.role('zd_r2'), root, None),
        ('create role r1 again', 'CreateRole', d.role('zd_r1'), root, None),
        ('create role digit first', 'CreateRole', d.role('1zd'), root, None),
        ('create role underscore first', 'CreateRole', d.role('_zd_u'), root, None),
        ('create role dollar', 'CreateRole', d.role('zd$d'), root, None),
        ('create role hyphen', 'CreateRole', d.role('zd-h'), root, None),
        ('grant r1 to alice', 'OperateUserRole', d.user_role('zd_alice', 'zd_r1'), root, None),
        ('grant r1 to alice again', 'OperateUserRole', d.user_role('zd_alice', 'zd_r1'), root, None),
        ('grant missing role', 'OperateUserRole', d.user_role('zd_alice', 'zd_none'), root, None),
        ('grant to missing user', 'OperateUserRole', d.user_role('zd_ghost', 'zd_r1'), root, None),
        ('revoke role not held', 'OperateUserRole', d.user_role('zd_alice', 'zd_r2', d.REMOVE), root, None),
        ('grant r2 to prefixed user', 'OperateUserRole', d.user_role('zd_rb2', 'zd_r2'), root, None),
        ('revoke empty role', 'OperateUserRole', d.user_role('zd_rb', '', d.REMOVE), root, None),
        ('create database', 'CreateDatabase', d.milvus_pb2.CreateDatabaseRequest(db_name='zd_db'), root, None),
        ('r1 search c1', 'OperatePrivilege', d.privilege('zd_r1', 'Collection', 'c1', 'Search'), root, None),
        ('r1 search c1 twice', 'OperatePrivilege', d.privilege('zd_r1', 'Collection', 'c1', 'Search'), root, None),
        ('r1 load', 'OperatePrivilege', d.privilege('zd_r1', 'Collection', '*', 'Load'), root, None),
        ('r1 global create', 'OperatePrivilege', d.privilege('zd_r1', 'Global', 'anything', 'CreateCollection'),
         root, None),
        ('r1 global All', 'OperatePrivilege', d.privilege('zd_r1', 'Global', '*', 'All', 'default'), root, None),
        ('r1 collection All', 'OperatePrivilege', d.privilege('zd_r1', 'Collection', '*', 'All'), root, None),
        ('r1 collection star', 'OperatePrivilege', d.privilege('zd_r1', 'Collection', 'c2', '*'), root, None),
        ('r1 user object', 'OperatePrivilege', d.privilege('zd_r1', 'User', '*', 'SelectUser'), root, None),
        ('r1 search in zd_db', 'OperatePrivilege', d.privilege('zd_r1', 'Collection', '*', 'Search', 'zd_db'),
         root, None),
        ('r2 query in zd_db', 'OperatePrivilege', d.privilege('zd_r2', 'Collection', '*', 'Query', 'zd_db'),
         root, None),
        ('r2 query in missing db', 'OperatePrivilege',
         d.privilege('zd_r2', 'Collection', '*', 'Query', 'zd_nodb'), root, None),
        ('table object', 'OperatePrivilege', d.privilege('zd_r1', 'Table', '*', 'Search'), root, None),
        ('misspelt privilege', 'OperatePrivilege', d.privilege('zd_r1', 'Collection', '*', 'Serch'), root, None),
        ('lower-case privilege', 'OperatePrivilege', d.privilege('zd_r1', 'Collection', '*', 'search'), root, None),
        ('global privilege on collection', 'OperatePrivilege',
         d.privilege('zd_r1', 'Collection', '*', 'CreateCollection'), root, None),
        ('grant to missing role', 'OperatePrivilege', d.privilege('zd_none', 'Collection', '*', 'Search'),
         root, None),
        ('revoke absent', 'OperatePrivilege', d.privilege('zd_r1', 'Collection', 'c9', 'Insert', op=d.REVOKE),
         root, None),
        ('grant to public', 'OperatePrivilege', d.privilege('public', 'Collection', 'c3', 'Query'), root, None),
        ('revoke from public', 'OperatePrivilege', d.privilege('public', 'Collection', 'c3', 'Query', op=d.REVOKE),
         root, None),
        ('v2 grant', 'OperatePrivilegeV2', d.privilege_v2('zd_r1', 'CollectionReadOnly'), root, None),
        ('list privilege groups', 'ListPrivilegeGroups', d.milvus_pb2.ListPrivilegeGroupsRequest(), root, None),
    ]
    for who in ('zd_r1', 'zd_r2', 'public', 'admin'):
        for db in ('', 'default', 'zd_db', '*', 'zd_nodb'):
            steps.append(('grants of %s in %r' % (who, db), 'SelectGrant', d.grants(who, db), root, None))
    steps += [
        ('grants of missing role', 'SelectGrant', d.grants('zd_none'), root, None),
        ('grants filtered by object', 'SelectGrant', d.grants('zd_r1', 'default', 'Collection'), root, None),
        ('grants filtered by name', 'SelectGrant', d.grants('zd_r1', 'default', 'Collection', 'c1'), root, None),
        ('all users', 'SelectUser', d.users(), root, None),
        ('prefix user alone', 'SelectUser', d.users('zd_rb'), root, None),
        ('missing user alone', 'SelectUser', d.users('zd_ghost'), root, None),
        ('all roles', 'SelectRole', d.roles(), root, None),
        ('role names', 'SelectRole', d.roles(False), root, None),
        ('user names', 'ListCredUsers', d.milvus_pb2.ListCredUsersRequest(), root, None),
        ('databases', 'ListDatabases', d.milvus_pb2.ListDatabasesRequest(), root, None),
        # An unprivileged caller (role zd_r1: collection privileges only).
        ('alice lists users', 'ListCredUsers', d.milvus_pb2.ListCredUsersRequest(), alice2, None),
        ('alice reads herself', 'SelectUser', d.users('zd_alice'), alice2, None),
        ('alice reads another user', 'SelectUser', d.users('zd_rb'), alice2, None),
        ('alice lists all users', 'SelectUser', d.users(), alice2, None),
        ('alice lists roles', 'SelectRole', d.roles(), alice2, None),
        ('alice reads her role grants', 'SelectGrant', d.grants('zd_r1'), alice2, None),
        ('alice reads other grants', 'SelectGrant', d.grants('zd_r2'), alice2, None),
        ('alice creates a user', 'CreateCredential', d.credential('zd_bob', 'Password-1'), alice2, None),
        ('alice creates a role', 'CreateRole', d.role('zd_r9'), alice2, None),
        ('alice grants', 'OperatePrivilege', d.privilege('zd_r1', 'Global', '*', 'All'), alice2, None),
        ('alice version', 'GetVersion', d.milvus_pb2.GetVersionRequest(), alice2, None),
        ('alice databases', 'ListDatabases', d.milvus_pb2.ListDatabasesRequest(), alice2, None),
        ('alice own password', 'UpdateCredential', d.update('zd_alice', alice2[1], alice[1]), alice2, None),
        ('alice back', 'Connect', d.milvus_pb2.ConnectRequest(), alice, None),
        # Drops.
        ('drop r1 with grants', 'DropRole', d.drop_role('zd_r1'), root, None),
        ('force drop r1', 'DropRole', d.drop_role('zd_r1', True), root, None),
        ('drop r2 grants elsewhere', 'DropRole', d.drop_role('zd_r2'), root, None),
        ('r2 gone from users', 'SelectUser', d.users('zd_rb2'), root, None),
        ('recreate r2', 'CreateRole', d.role('zd_r2'), root, None),
        ('r2 grants come back', 'SelectGrant', d.grants('zd_r2', 'zd_db'), root, None),
        ('drop admin', 'DropRole', d.drop_role('admin'), root, None),
        ('drop public', 'DropRole', d.drop_role('public'), root, None),
        ('drop missing role', 'DropRole', d.drop_role('zd_none'), root, None),
        ('drop database', 'DropDatabase', d.milvus_pb2.DropDatabaseRequest(db_name='zd_db'), root, None),
        ('grants survive the database', 'SelectGrant', d.grants('zd_r1', 'zd_db'), root, None),
        ('databases after drop', 'ListDatabases', d.milvus_pb2.ListDatabasesRequest(), root, None),
        ('revoke in dropped database', 'OperatePrivilege',
         d.privilege('zd_r1', 'Collection', '*', 'Search', 'zd_db', d.REVOKE), root, None),
        ('drop root', 'DeleteCredential', d.milvus_pb2.DeleteCredentialRequest(username='root'), root, None),
        ('drop missing user', 'DeleteCredential', d.milvus_pb2.DeleteCredentialRequest(username='zd_ghost'),
         root, None),
        ('drop prefixed user', 'DeleteCredential', d.milvus_pb2.DeleteCredentialRequest(username='zd_rb2'),
         root, None),
        ('phantom gone', 'SelectUser', d.users('zd_rb'), root, None),
    ]
    # Limits: roles up to the default limit (10, admin and public included), then users (100).
    steps += [('role %d' % i, 'CreateRole', d.role('zd_lim%d' % i), root, None) for i in range(8)]
    steps += [('roles at the limit', 'SelectRole', d.roles(False), root, None)]
    steps += [('user %d' % i, 'CreateCredential', d.credential('zd_u%02d' % i, 'Password-1'), root, None)
              for i in range(100)]
    steps += [('existing user at the limit', 'CreateCredential', d.credential(*alice), root, None),
              ('users at the limit', 'ListCredUsers', d.milvus_pb2.ListCredUsersRequest(), root, None)]
    return steps


def run(uri):
    driver = d.Driver(uri)
    observed = []
    try:
        for label, method, request, caller, db in scenario():
            user, password = caller if caller else (None, None)
            observation, response = driver.call(method, request, user, password, db)
            if method in READS and observation['outcome'] == 'ok':
                observation['data'] = d.read_back(method, response)
            observed.append((label, observation))
    finally:
        driver.close()
    return observed


def _allowlist():
    with open(ALLOWLIST, encoding='utf-8') as stream:
        entries = yaml.safe_load(stream) or []
    for entry in entries:
        assert entry.get('reason'), 'allow-list entry without a reason: %s' % entry
    return dict((entry['step'], entry) for entry in entries)


def test_model_matches_real_milvus_2_3_5():
    with LocalMilvus(root_password=ROOT_PASSWORD) as real:
        real_run = run(real.uri)
    with ModelMilvus('2.3.5', root_password=ROOT_PASSWORD) as model:
        model_run = run(model.uri)
    allowed = _allowlist()
    differences, used = [], set()
    for (label, got_real), (dummy, got_model) in zip(real_run, model_run):
        if got_real == got_model:
            continue
        entry = allowed.get(label)
        if entry:
            used.add(label)
            continue
        differences.append('%s:\n    real:  %s\n    model: %s' % (label, got_real, got_model))
    assert not differences, '%d differences:\n%s' % (len(differences), '\n'.join(differences))
    assert not set(allowed) - used, 'allow-list entries that no longer differ: %s' % sorted(set(allowed) - used)
