"""Milvus's own RBAC tests, ported to the model's newer profiles.

Each test names the test it ports (file on the release branches, read on
bigsheeper/milvus 2.5 and 2.6 and SimFG/milvus 2.4) and keeps its assertions;
what is left out says why. They run against every profile the ported file
exists for (2.4.23, 2.5.27, 2.6.18).
"""

import logging
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import model_driver as d  # noqa: E402  pylint: disable=wrong-import-position
from milvus_model import ModelMilvus  # noqa: E402  pylint: disable=wrong-import-position

pymilvus = pytest.importorskip('pymilvus')
for _name in ('pymilvus', 'pymilvus.decorators'):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

NEWER = ('2.4.23', '2.5.27', '2.6.18')
ROOT_PASSWORD = '123456'    # what the ported Go tests log in with ("root:123456")
BUILTIN_GROUPS = ('ClusterReadOnly', 'ClusterReadWrite', 'ClusterAdmin', 'DatabaseReadOnly', 'DatabaseReadWrite',
                  'DatabaseAdmin', 'CollectionReadOnly', 'CollectionReadWrite', 'CollectionAdmin')


@pytest.fixture(params=NEWER)
def model(request):
    with ModelMilvus(request.param, root_password=ROOT_PASSWORD) as srv:
        yield srv


@pytest.fixture
def proxy(model):
    """What the Go integration tests call s.Cluster.Proxy: raw requests as root."""
    driver = d.Driver(model.uri)

    class Proxy:
        def __getattr__(self, method):
            return lambda request: driver.call(method, request, 'root', ROOT_PASSWORD)[0]

        def raw(self, method, request):
            """(observation, response)"""
            return driver.call(method, request, 'root', ROOT_PASSWORD)

    yield Proxy()
    driver.close()


def ok(observation):
    return observation['outcome'] == 'ok'


def v1(proxy, role, privilege, object_type, op=d.GRANT):
    """operatePrivilege of privilege_group_test.go: object name and database "*"."""
    return proxy.OperatePrivilege(d.privilege(role, object_type, '*', privilege, '*', op))


def v2(proxy, role, privilege, db, collection, op=d.GRANT):
    return proxy.OperatePrivilegeV2(d.privilege_v2(role, privilege, db, collection, op))


def group_op(proxy, name, privileges, op):
    return proxy.OperatePrivilegeGroup(d.milvus_pb2.OperatePrivilegeGroupRequest(
        group_name=name, type=op, privileges=[d.milvus_pb2.PrivilegeEntity(name=p) for p in privileges]))


ADD_TO_GROUP = d.milvus_pb2.OperatePrivilegeGroupType.AddPrivilegesToGroup
REMOVE_FROM_GROUP = d.milvus_pb2.OperatePrivilegeGroupType.RemovePrivilegesFromGroup


# ---------------------------------------------------------------- tests/integration/rbac/privilege_group_test.go
def test_builtin_privilege_group(proxy):
    """Ports TestBuiltinPrivilegeGroup (tests/integration/rbac/privilege_group_test.go). Left out: its
    BackupRBAC check (BackupRBAC is not modelled)."""
    assert ok(proxy.CreateRole(d.role('test_role')))
    assert ok(v1(proxy, 'test_role', 'ReadOnly', 'Collection'))
    assert ok(v1(proxy, 'test_role', 'ReadWrite', 'Collection'))
    assert ok(v1(proxy, 'test_role', 'Admin', 'Global'))
    for group in BUILTIN_GROUPS:
        assert not ok(v1(proxy, 'test_role', group, 'Global')), group


def test_invalid_privilege_group(proxy):
    """Ports TestInvalidPrivilegeGroup (tests/integration/rbac/privilege_group_test.go)."""
    for name in ('', '%$', 'a&', 'a' * 300):
        assert not ok(proxy.CreatePrivilegeGroup(d.milvus_pb2.CreatePrivilegeGroupRequest(group_name=name))), name
    assert not ok(proxy.DropPrivilegeGroup(d.milvus_pb2.DropPrivilegeGroupRequest(group_name='%$')))
    assert ok(proxy.DropPrivilegeGroup(d.milvus_pb2.DropPrivilegeGroupRequest(group_name='group1')))
    assert not ok(proxy.DropPrivilegeGroup(d.milvus_pb2.DropPrivilegeGroupRequest(group_name='')))
    assert not ok(proxy.OperatePrivilegeGroup(d.milvus_pb2.OperatePrivilegeGroupRequest(group_name='')))
    assert not ok(group_op(proxy, 'group1', ['123'], ADD_TO_GROUP))


def test_invalid_grant_v2(proxy):
    """Ports TestInvalidGrantV2 (tests/integration/rbac/privilege_group_test.go)."""
    assert not ok(v2(proxy, 'role', 'Insert', '*', '*', op=-1))
    assert not ok(v2(proxy, 'role', 'Insert', '%$', '*'))
    assert not ok(v2(proxy, 'role', 'Insert', '*', '%$'))


def test_grant_v2_builtin_privilege_group(proxy):
    """Ports TestGrantV2BuiltinPrivilegeGroup (tests/integration/rbac/privilege_group_test.go)."""
    assert ok(proxy.CreateRole(d.role('test_role')))
    for group in BUILTIN_GROUPS:
        assert ok(v2(proxy, 'test_role', group, '*', '*')), group
    expected = [('ClusterAdmin', 'db1', '*', False), ('ClusterAdmin', 'db1', 'col1', False),
                ('ClusterAdmin', '*', 'col1', False), ('DatabaseAdmin', 'db1', '*', True),
                ('DatabaseAdmin', 'db1', 'col1', False), ('DatabaseAdmin', '*', 'col1', False),
                ('CollectionAdmin', 'db1', '*', True), ('CollectionAdmin', 'db1', 'col1', True),
                ('CollectionAdmin', '*', 'col1', False)]
    for group, db, collection, accepted in expected:
        assert ok(v2(proxy, 'test_role', group, db, collection)) is accepted, (group, db, collection)


def test_grant_v2_custom_privilege_group(proxy):
    """Ports TestGrantV2CustomPrivilegeGroup (tests/integration/rbac/privilege_group_test.go)."""
    def group_size(name):
        observation, response = proxy.raw('ListPrivilegeGroups', d.milvus_pb2.ListPrivilegeGroupsRequest())
        assert ok(observation)
        sizes = dict((g.group_name, len(g.privileges)) for g in response.privilege_groups)
        return sizes.get(name), len(sizes)

    def grants_of(role, object_type):
        observation, response = proxy.raw('SelectGrant', d.grants(role, '*', object_type, '*'))
        assert ok(observation)
        return len(response.entities)

    assert ok(proxy.CreatePrivilegeGroup(d.milvus_pb2.CreatePrivilegeGroupRequest(group_name='group1')))
    assert group_size('group1')[0] == 0
    assert ok(group_op(proxy, 'group1', ['Query', 'Search'], ADD_TO_GROUP))
    assert group_size('group1')[0] == 2
    assert ok(proxy.CreateRole(d.role('role1')))
    assert ok(v2(proxy, 'role1', 'Insert', '*', '*'))
    assert grants_of('role1', 'Collection') == 1
    assert ok(v2(proxy, 'role1', 'group1', '*', '*'))
    assert grants_of('role1', 'Global') == 1
    assert ok(proxy.CreatePrivilegeGroup(d.milvus_pb2.CreatePrivilegeGroupRequest(group_name='group2')))
    assert ok(group_op(proxy, 'group2', ['Query', 'Delete'], ADD_TO_GROUP))
    assert group_size('group2')[0] == 2
    assert ok(v2(proxy, 'role1', 'group2', '*', '*'))
    assert grants_of('role1', 'Global') == 2
    assert ok(group_op(proxy, 'group1', ['Query', 'Load'], ADD_TO_GROUP))
    assert group_size('group1')[0] == 3
    assert grants_of('role1', 'Global') == 2
    # A privilege of another level (CreateCollection: Database) does not join a Collection group.
    assert not ok(group_op(proxy, 'group1', ['CreateCollection'], ADD_TO_GROUP))
    assert ok(group_op(proxy, 'group1', ['Query'], REMOVE_FROM_GROUP))
    assert group_size('group1')[0] == 2
    assert grants_of('role1', 'Global') == 2
    # A group in use cannot be dropped.
    assert not ok(proxy.DropPrivilegeGroup(d.milvus_pb2.DropPrivilegeGroupRequest(group_name='group1')))
    for privilege in ('group1', 'group2', 'Insert'):
        assert ok(v2(proxy, 'role1', privilege, '*', '*', d.REVOKE))
    for name in ('group1', 'group2'):
        assert ok(proxy.DropPrivilegeGroup(d.milvus_pb2.DropPrivilegeGroupRequest(group_name=name)))
    assert group_size('group1')[1] == len(BUILTIN_GROUPS)
    assert ok(v2(proxy, 'role1', '*', '*', '*'))
    assert ok(v2(proxy, 'role1', '*', '*', '*', d.REVOKE))
    assert not ok(v2(proxy, 'role1', 'group3', '*', '*', d.REVOKE))
    assert not ok(v2(proxy, 'role1', '%$', '*', '*'))
    assert ok(proxy.DropRole(d.drop_role('role1')))


def test_version_crossed(proxy):
    """Ports TestVersionCrossed (tests/integration/rbac/privilege_group_test.go): a v1 grant revoked
    with the v2 call."""
    assert ok(proxy.CreateRole(d.role('role1')))
    assert ok(proxy.OperatePrivilege(d.privilege('role1', 'Collection', 'collection1', 'Insert', '')))
    observation, response = proxy.raw('SelectGrant', d.grants('role1', ''))
    assert ok(observation) and len(response.entities) == 1
    assert ok(v2(proxy, 'role1', 'Insert', 'default', 'collection1', d.REVOKE))
    observation, response = proxy.raw('SelectGrant', d.grants('role1', ''))
    assert ok(observation) and len(response.entities) == 0


# ---------------------------------------------------------------- tests/python_client/milvus_client/test_milvus_client_rbac.py
@pytest.fixture
def root_client(model):
    client = model.client()
    yield client
    client.close()


def _refused(call, code, text):
    with pytest.raises(pymilvus.MilvusException) as caught:
        call()
    assert text in caught.value.message
    if code is not None:
        assert caught.value.code == code


def test_client_users(model, root_client):
    """Ports test_milvus_client_create_user, _drop_user, _update_password, _list_users, _describe_user
    (TestMilvusClientRbacBase). Left out: list_collections as the new user (collections are not modelled;
    get_server_version proves the login instead)."""
    root_client.create_user('user_a', 'Password-a1')
    root_client.create_user('user_b', 'Password-b1')
    assert {'root', 'user_a', 'user_b'} <= set(root_client.list_users())
    assert root_client.describe_user('root')['user_name'] == 'root'
    assert root_client.describe_user('user_a')['user_name'] == 'user_a'
    assert root_client.describe_user('user_none') == {}
    root_client.update_password('user_a', 'Password-a1', 'Password-a2')
    client = model.client('user_a', 'Password-a2')
    assert client.get_server_version()
    client.close()
    with pytest.raises(pymilvus.MilvusException):
        model.client('user_a', 'Password-a1')
    root_client.drop_user('user_b')
    root_client.drop_user('user_never')


def test_client_roles(root_client):
    """Ports test_milvus_client_create_role, _drop_role, _describe_role, _list_roles, _grant_role,
    _revoke_role (TestMilvusClientRbacBase)."""
    root_client.create_user('user_r', 'Password-r1')
    root_client.create_role('role_a')
    root_client.describe_role('role_a')
    assert 'role_a' in root_client.list_roles()
    root_client.revoke_role('user_r', 'role_a')
    root_client.grant_role('user_r', 'role_a')
    root_client.revoke_role('user_r', 'role_a')
    root_client.drop_role('role_a')


@pytest.mark.parametrize('password', ['', '0', 'p@ss', 'h h', '1+1=2'])
def test_client_invalid_passwords(root_client, password):
    """Ports test_milvus_client_create_user_password_invalid_value and
    test_milvus_client_update_password_new_password_invalid (TestMilvusClientRbacInvalid)."""
    _refused(lambda: root_client.create_user('user_p', password), 1100, 'invalid password')
    root_client.create_user('user_q', 'Password-q1')
    _refused(lambda: root_client.update_password('user_q', 'Password-q1', password), 1100, 'invalid password')


def test_client_refusals(root_client):
    """Ports test_milvus_client_create_user_exist, _update_password_user_not_exist,
    _update_password_password_wrong, _update_password_new_password_same, _create_role_invalid,
    _drop_role_invalid, _describe_role_invalid, _grant_role_user_not_exist, _grant_role_role_not_exist
    (TestMilvusClientRbacInvalid). The Python test expects code 65536 for the two grant_role refusals,
    a value no server source sets (rootcoord answers 65535 there): only their messages are ported."""
    _refused(lambda: root_client.create_user('root', 'Password-1'), 65535, 'user already exists: root')
    _refused(lambda: root_client.update_password('user_none', 'Password-1', 'Password-2'), 1400,
             'old password not correct for user_none: not authenticated')
    root_client.create_user('user_w', 'Password-w1')
    _refused(lambda: root_client.update_password('user_w', 'Password-w1kk', 'Password-w2'), 1400,
             'old password not correct for user_w: not authenticated')
    root_client.update_password('user_w', 'Password-w1', 'Password-w1')
    root_client.create_role('role_x')
    for name in ('admin', 'public', 'role_x'):
        _refused(lambda: root_client.create_role(name), 65535, 'role [name:"%s"] already exists' % name)
    not_found_role = "not found the role, maybe the role isn't existed or internal system error"
    _refused(lambda: root_client.drop_role('role_none'), 65535, not_found_role)
    _refused(lambda: root_client.describe_role('role_none'), 65535, not_found_role)
    _refused(lambda: root_client.grant_role('user_none', 'role_x'), None,
             "not found the user, maybe the user isn't existed or internal system error")
    _refused(lambda: root_client.grant_role('user_w', 'role_none'), None, not_found_role)
