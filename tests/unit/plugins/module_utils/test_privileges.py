"""Privilege names, groups, grant keys and the v2 read-back mapping. The SelectGrant
entities below are what the Milvus sources say the server stores and returns (see
docs/development.md, "Privileges and privilege groups")."""

import pytest
from pymilvus.grpc_gen import milvus_pb2

from ansible_collections.zilliz.cloud.plugins.module_utils._privileges import (
    ACCESS_MANAGEMENT_PRIVILEGES, BUILTIN_GROUP_LEVELS, BUILTIN_GROUP_SHORT_NAMES, BUILTIN_PRIVILEGE_GROUPS,
    OBJECT_TYPES, PRIVILEGES, RELATED_PRIVILEGES, V2_ONLY_PRIVILEGES, format_grant, grant_from_entity, grant_key,
    grants_allow_access_management, item_from_key, missing_access_management_privileges, object_type_of,
    privilege_item_problems, related_grant_keys,
)

# Every name Milvus 2.3.5 accepted per object type (granted one by one against the local server), '*' aside.
MANAGEMENT_NAMES = [name for object_type, name in ACCESS_MANAGEMENT_PRIVILEGES]
MEASURED_2_3_5 = {
    'Global': {
        'All', 'CreateAlias', 'CreateCollection', 'CreateDatabase', 'CreateOwnership', 'CreateResourceGroup',
        'DescribeAlias', 'DescribeCollection', 'DescribeResourceGroup', 'DropAlias', 'DropCollection',
        'DropDatabase', 'DropOwnership', 'DropResourceGroup', 'FlushAll', 'ListAliases', 'ListDatabases',
        'ListResourceGroups', 'ManageOwnership', 'RenameCollection', 'SelectOwnership', 'ShowCollections',
        'TransferNode', 'TransferReplica',
    },
    'Collection': {
        'Compaction', 'CreateIndex', 'CreatePartition', 'Delete', 'DropIndex', 'DropPartition', 'Flush',
        'GetFlushState', 'GetLoadState', 'GetLoadingProgress', 'GetStatistics', 'HasPartition', 'Import',
        'IndexDetail', 'Insert', 'Load', 'LoadBalance', 'Query', 'Release', 'Search', 'ShowPartitions', 'Upsert',
    },
    'User': {'SelectUser', 'UpdateUser'},
}


def item(privilege, object_type=None, object_name='*', db_name='default'):
    return {'privilege': privilege, 'object_type': object_type, 'object_name': object_name, 'db_name': db_name}


def problems(entry, check_names=True):
    return privilege_item_problems(entry, 'privileges[3]', check_names=check_names)


def only_problem(entry, check_names=True):
    found = problems(entry, check_names)
    assert len(found) == 1, found
    assert found[0].startswith('privileges[3]: ')
    return found[0]


# ---------------------------------------------------------------- tables

def test_tables_cover_what_2_3_5_accepts():
    assert OBJECT_TYPES == ('Global', 'Collection', 'User')
    for object_type, names in MEASURED_2_3_5.items():
        assert names <= PRIVILEGES[object_type]


def test_each_name_belongs_to_one_object_type():
    assert not PRIVILEGES['Global'] & PRIVILEGES['Collection']
    assert not PRIVILEGES['Global'] & PRIVILEGES['User']
    assert not PRIVILEGES['Collection'] & PRIVILEGES['User']
    assert all('*' not in names for names in PRIVILEGES.values())
    assert 'All' in PRIVILEGES['Global'] and 'All' not in PRIVILEGES['Collection'] | PRIVILEGES['User']


def test_builtin_groups():
    assert set(BUILTIN_PRIVILEGE_GROUPS) == set(BUILTIN_GROUP_LEVELS) == set(BUILTIN_GROUP_SHORT_NAMES.values())
    assert set(BUILTIN_GROUP_SHORT_NAMES) == {'COLL_RO', 'COLL_RW', 'COLL_ADMIN', 'DB_RO', 'DB_RW', 'DB_Admin',
                                              'Cluster_RO', 'Cluster_RW', 'Cluster_Admin'}
    known = set().union(*PRIVILEGES.values()) | V2_ONLY_PRIVILEGES
    for level in ('Collection', 'Database', 'Cluster'):
        read_only, read_write, admin = (BUILTIN_PRIVILEGE_GROUPS[level + kind]
                                        for kind in ('ReadOnly', 'ReadWrite', 'Admin'))
        assert read_only < read_write < admin
        assert admin <= known
    # OperatePrivilege refuses the built-in groups: they are not in its tables.
    assert not set(BUILTIN_PRIVILEGE_GROUPS) & set().union(*PRIVILEGES.values())
    assert BUILTIN_PRIVILEGE_GROUPS['ClusterAdmin'] >= set(MANAGEMENT_NAMES)
    assert BUILTIN_PRIVILEGE_GROUPS['ClusterReadOnly'] & {'CreateOwnership', 'ManageOwnership'} == set()


@pytest.mark.parametrize('privilege, object_type', [
    ('Search', 'Collection'), ('ReadOnly', 'Collection'), ('UpdateUser', 'User'), ('ShowCollections', 'Global'),
    ('CollectionReadOnly', 'Global'), ('ClusterAdmin', 'Global'), ('my_group', 'Global'), ('*', 'Global'),
    ('AddFileResource', 'Global'),
])
def test_object_type_of_follows_get_object_type(privilege, object_type):
    assert object_type_of(privilege) == object_type


def test_related_privileges():
    assert RELATED_PRIVILEGES == {'Load': {'GetLoadState', 'GetLoadingProgress'}, 'Flush': {'GetFlushState'}}


# ---------------------------------------------------------------- validation of one item

@pytest.mark.parametrize('entry', [
    item('Search', 'Collection', 'orders'),
    item('*', 'Collection'), item('*', 'Global'), item('*', 'User'),
    item('All', 'Global'), item('CreateOwnership', 'Global', db_name='*'),
    item('UpdateUser', 'User', 'alice'), item('ReadWrite', 'Collection'), item('Admin', 'Global'),
    {'privilege': 'Query', 'object_type': 'Collection'},  # object_name and db_name left out
    item('CollectionReadOnly', None, 'orders', 'analytics'), item('CollectionAdmin'),
    item('CollectionReadWrite', None, '*', '*'),
    item('DatabaseReadOnly', None, '*', 'analytics'), item('DatabaseAdmin', None, '*', '*'),
    item('ClusterReadOnly', None, '*', '*'),
    item('my_readers', None, 'orders'), item('_group_2', None),  # custom groups: only the server knows them
    item('Search', None, 'orders'), item('ShowCollections', None), item('All', None), item('*', None, '*', '*'),
    item('ListFileResources', None, '*', '*'),
    item('Searcher', None),  # not close enough to Search to be taken for a typo
])
def test_valid_items(entry):
    assert problems(entry) == []


@pytest.mark.parametrize('entry, fragment', [
    (item('search', 'Collection'), "unknown Collection privilege 'search': did you mean Search?"),
    (item('Serch', 'Collection'), "'Serch': did you mean Search?"),
    (item('createcollection', 'Global'), 'did you mean CreateCollection?'),
    (item('Serch', 'Global'), 'did you mean Search, a Collection privilege (object_type: Collection)?'),
    (item('Search', 'Global'), 'Search is a Collection privilege, not a Global one: set object_type: Collection'),
    (item('CreateOwnership', 'User'), 'CreateOwnership is a Global privilege, not a User one: set object_type: Global'),
    (item('UpdateUser', 'Global'), 'set object_type: User'),
    (item('All', 'Collection'), 'All exists on Global only: set object_type: Global'),
    (item('All', 'User'), 'All exists on Global only'),
    (item('CollectionReadOnly', 'Collection'),
     'CollectionReadOnly is a built-in privilege group: leave object_type out'),
    (item('ClusterAdmin', 'Global'), 'leave object_type out'),
    (item('COLL_RO', 'Collection'), "'COLL_RO' is the docs' short label of the built-in privilege group "
                                    "CollectionReadOnly, a name the server does not know: write privilege: "
                                    "CollectionReadOnly and leave object_type out"),
    (item('AddFileResource', 'Global'), 'AddFileResource can only be granted with OperatePrivilegeV2'),
    (item('Frobnicate', 'Collection'), 'set validate_privilege_names: false to pass it to the server unchecked'),
])
def test_v1_names_are_checked(entry, fragment):
    assert fragment in only_problem(entry)


@pytest.mark.parametrize('entry, fragment', [
    (item('COLL_RO'), "'COLL_RO' is the docs' short label of the built-in privilege group CollectionReadOnly"),
    (item('Cluster_Admin', None, '*', '*'), 'write privilege: ClusterAdmin'),
    (item('db_admin'), 'write privilege: DatabaseAdmin'),
    (item('collectionreadonly'), 'did you mean CollectionReadOnly?'),
    (item('CollectionReadOnyl'), 'did you mean CollectionReadOnly?'),
    (item('Querry'), "'Querry': did you mean Query? (names are case-sensitive; if it is a custom privilege group "
                     "of that name, set validate_privilege_names: false)"),
    (item('ClusterAdmin'), "ClusterAdmin is a cluster-level privilege group: set db_name: '*' and object_name: '*'"),
    (item('ClusterReadOnly', None, '*', 'analytics'), 'cluster-level'),
    (item('ClusterReadWrite', None, 'orders', '*'), 'cluster-level'),
    (item('DatabaseReadWrite', None, 'orders'), "database-level privilege group: set object_name: '*'"),
    (item('CollectionReadWrite', None, 'orders', '*'), "CollectionReadWrite on collection 'orders' needs the "
                                                       "collection's database"),
])
def test_v2_names_and_scopes_are_checked(entry, fragment):
    assert fragment in only_problem(entry)


@pytest.mark.parametrize('entry, fragment', [
    (item(''), 'privilege is empty'),
    (item(None, 'Collection'), 'privilege is empty'),
    (item('Search now', 'Collection'), "privilege 'Search now' is not a privilege name"),
    (item('1group'), "privilege '1group' is not a privilege name"),
    (item('a' * 256), 'at most 255'),
    (item('Search', 'collection'), "object_type 'collection' is not an object type: did you mean Collection?"),
    (item('Search', 'Table'), "object_type 'Table' is not an object type: use Global, Collection or User, or "
                              "leave object_type out"),
    (item('Search', 'Collection', ''), 'object_name is empty'),
    (item('Search', 'Collection', 'orders', ''), 'db_name is empty'),
])
def test_malformed_items_are_refused_even_without_the_name_table(entry, fragment):
    assert fragment in only_problem(entry)
    assert fragment in only_problem(entry, check_names=False)


@pytest.mark.parametrize('entry', [
    item('Frobnicate', 'Collection'), item('search', 'Collection'), item('All', 'Collection'),
    item('CollectionReadOnly', 'Global'), item('COLL_RO'), item('ClusterAdmin'), item('Querry'),
])
def test_check_names_off_passes_names_to_the_server(entry):
    assert problems(entry)
    assert problems(entry, check_names=False) == []


def test_every_problem_of_an_item_is_named():
    found = problems(item('', 'global', ''))
    assert len(found) == 3
    assert all(problem.startswith('privileges[3]: ') for problem in found)


# ---------------------------------------------------------------- grant keys

def test_defaults_and_global_object_names():
    assert grant_key({'privilege': 'Search', 'object_type': 'Collection'}) == ('Collection', '*', 'default', 'Search')
    assert grant_key(item('Search', 'Collection', None, None)) == ('Collection', '*', 'default', 'Search')
    assert grant_key(item('Search', 'Collection', 'orders', 'db1')) == ('Collection', 'orders', 'db1', 'Search')
    # OperatePrivilege stores Global grants under '*' whatever object name was given (measured on 2.3.5) ...
    assert grant_key(item('CreateCollection', 'Global', 'orders')) == ('Global', '*', 'default', 'CreateCollection')
    assert grant_key(item('*', 'Global', 'x', '*')) == ('Global', '*', '*', '*')
    # ... except for privilege groups (util.IsBuiltinPrivilegeGroup).
    assert grant_key(item('Admin', 'Global', 'x')) == ('Global', 'x', 'default', 'Admin')
    assert grant_key(item('UpdateUser', 'User', 'alice')) == ('User', 'alice', 'default', 'UpdateUser')


def test_v2_keys_take_the_object_type_of_the_privilege_and_keep_the_object_name():
    assert grant_key(item('Search', None, 'orders')) == ('Collection', 'orders', 'default', 'Search')
    assert grant_key(item('UpdateUser', None, 'alice')) == ('User', 'alice', 'default', 'UpdateUser')
    assert grant_key(item('CollectionReadOnly', None, 'orders')) == ('Global', 'orders', 'default',
                                                                     'CollectionReadOnly')
    assert grant_key(item('my_group', None, 'orders', 'db1')) == ('Global', 'orders', 'db1', 'my_group')
    assert grant_key(item('ShowCollections', None, 'orders')) == ('Global', 'orders', 'default', 'ShowCollections')
    assert grant_key(item('*', None, 'orders')) == ('Global', 'orders', 'default', '*')


def test_the_same_server_state_has_one_key():
    assert grant_key(item('Search', None, 'orders')) == grant_key(item('Search', 'Collection', 'orders'))
    assert grant_key(item('ShowCollections')) == grant_key(item('ShowCollections', 'Global', 'anything'))
    assert grant_key(item('*', 'Collection')) != grant_key(item('*'))


# What SelectGrant returns for each grant, per the Milvus sources: (desired item, entity
# (object_type, object_name, db_name, privilege_name), the item the entity reads back as).
READ_BACK = [
    # v1 grants come back as granted; Global ones with object name '*'.
    (item('Search', 'Collection', 'orders'), ('Collection', 'orders', 'default', 'Search'),
     item('Search', 'Collection', 'orders')),
    (item('CreateCollection', 'Global', 'orders', 'db1'), ('Global', '*', 'db1', 'CreateCollection'),
     item('CreateCollection', 'Global', '*', 'db1')),
    (item('UpdateUser', 'User', 'alice'), ('User', 'alice', 'default', 'UpdateUser'),
     item('UpdateUser', 'User', 'alice')),
    (item('ReadOnly', 'Collection'), ('Collection', '*', 'default', 'ReadOnly'), item('ReadOnly', 'Collection')),
    (item('Admin', 'Global'), ('Global', '*', 'default', 'Admin'), item('Admin', 'Global')),
    # OperatePrivilegeV2 files a built-in group under Global with the collection as object name,
    # and SelectGrant names it without its PrivilegeGroup prefix.
    (item('CollectionReadOnly', None, 'orders'), ('Global', 'orders', 'default', 'CollectionReadOnly'),
     item('CollectionReadOnly', None, 'orders')),
    (item('ClusterAdmin', None, '*', '*'), ('Global', '*', '*', 'ClusterAdmin'), item('ClusterAdmin', None, '*', '*')),
    (item('DatabaseReadOnly', None, '*', 'db1'), ('Global', '*', 'db1', 'DatabaseReadOnly'),
     item('DatabaseReadOnly', None, '*', 'db1')),
    # A custom group likewise (tests/integration/rbac/privilege_group_test.go reads it under Global).
    (item('my_group', None, 'orders', 'db1'), ('Global', 'orders', 'db1', 'my_group'),
     item('my_group', None, 'orders', 'db1')),
    # A plain privilege granted with v2 is stored as v1 stores it (the test reads Insert under Collection).
    (item('Search', None, 'orders'), ('Collection', 'orders', 'default', 'Search'),
     item('Search', 'Collection', 'orders')),
    (item('UpdateUser', None, 'alice'), ('User', 'alice', 'default', 'UpdateUser'),
     item('UpdateUser', 'User', 'alice')),
    # ... but a Global one keeps its object name, which only v2 can grant and revoke.
    (item('ShowCollections', None, 'orders'), ('Global', 'orders', 'default', 'ShowCollections'),
     item('ShowCollections', None, 'orders')),
    (item('ShowCollections'), ('Global', '*', 'default', 'ShowCollections'), item('ShowCollections', 'Global')),
    (item('*', None, 'orders'), ('Global', 'orders', 'default', '*'), item('*', None, 'orders')),
    (item('*', None, '*', '*'), ('Global', '*', '*', '*'), item('*', 'Global', '*', '*')),
    (item('AddFileResource', None, '*', '*'), ('Global', '*', '*', 'AddFileResource'),
     item('AddFileResource', None, '*', '*')),
]


@pytest.mark.parametrize('desired, entity, read_back', READ_BACK)
def test_read_back_maps_onto_the_desired_item(desired, entity, read_back):
    assert grant_key(desired) == entity
    assert grant_from_entity(*entity) == read_back
    assert grant_key(read_back) == grant_key(desired)
    assert item_from_key(grant_key(desired)) == read_back
    # What zilliz_role_info returns is valid input for zilliz_role.
    assert problems(read_back) == []


def test_read_back_of_an_empty_database_is_the_default_one():
    assert grant_from_entity('Collection', 'orders', '', 'Search') == item('Search', 'Collection', 'orders')


@pytest.mark.parametrize('key, label', [
    (('Collection', 'orders', 'default', 'Search'), 'Collection:orders:Search@default'),
    (('Global', '*', 'db1', 'CreateCollection'), 'Global:*:CreateCollection@db1'),
    (('User', 'alice', 'default', 'UpdateUser'), 'User:alice:UpdateUser@default'),
    (('Global', 'orders', 'default', 'CollectionReadOnly'), 'v2:orders:CollectionReadOnly@default'),
    (('Global', '*', '*', 'ClusterAdmin'), 'v2:*:ClusterAdmin@*'),
    (('Global', 'orders', 'db1', 'my_group'), 'v2:orders:my_group@db1'),
])
def test_format_grant(key, label):
    assert format_grant(key) == label


def test_related_grant_keys():
    assert related_grant_keys(('Collection', 'orders', 'db1', 'Load')) == {
        ('Collection', 'orders', 'db1', 'GetLoadState'), ('Collection', 'orders', 'db1', 'GetLoadingProgress')}
    assert related_grant_keys(('Collection', '*', 'default', 'Flush')) == {
        ('Collection', '*', 'default', 'GetFlushState')}
    assert related_grant_keys(('Collection', '*', 'default', 'Search')) == frozenset()


# ---------------------------------------------------------------- access management

MANAGERS = [('Global', '*', 'default', name) for name in
            ('CreateOwnership', 'DropOwnership', 'SelectOwnership', 'ManageOwnership')] + [
    ('User', '*', 'default', 'UpdateUser'), ('User', '*', 'default', 'SelectUser')]


@pytest.mark.parametrize('keys', [
    MANAGERS,
    [('Global', '*', 'default', '*'), ('User', '*', 'default', '*')],
    [('Global', '*', '*', '*'), ('User', '*', '*', '*')],
    [('Global', '*', 'default', 'All')],
    [('Global', '*', 'default', 'Admin')],
    [('Global', '*', '*', 'ClusterAdmin')],
    [('Global', '*', '*', 'ClusterReadOnly'), ('Global', '*', 'default', 'CreateOwnership'),
     ('Global', '*', 'default', 'DropOwnership'), ('Global', '*', 'default', 'ManageOwnership'),
     ('User', '*', '*', 'UpdateUser')],
])
def test_grants_that_manage_users_and_roles(keys):
    assert grants_allow_access_management(keys)
    assert missing_access_management_privileges(keys) == []


@pytest.mark.parametrize('keys, missing', [
    ([], list(ACCESS_MANAGEMENT_PRIVILEGES)),
    (MANAGERS[1:], [('Global', 'CreateOwnership')]),
    ([('Global', '*', 'default', '*')], [('User', 'UpdateUser'), ('User', 'SelectUser')]),
    ([('Collection', '*', 'default', '*'), ('User', '*', 'default', '*')],
     [(object_type, name) for object_type, name in ACCESS_MANAGEMENT_PRIVILEGES if object_type == 'Global']),
    # Grants in another database do not count; nor does All outside the login database (exact match).
    ([key[:2] + ('db1',) + key[3:] for key in MANAGERS], list(ACCESS_MANAGEMENT_PRIVILEGES)),
    ([('Global', '*', 'db1', 'All')], list(ACCESS_MANAGEMENT_PRIVILEGES)),
    ([('Global', '*', '*', 'All')], list(ACCESS_MANAGEMENT_PRIVILEGES)),
    # A grant on one user covers only that user.
    (MANAGERS[:4] + [('User', 'alice', 'default', 'UpdateUser'), ('User', '*', 'default', 'SelectUser')],
     [('User', 'UpdateUser')]),
    ([('Global', '*', '*', 'ClusterReadWrite')],
     [pair for pair in ACCESS_MANAGEMENT_PRIVILEGES
      if pair not in (('Global', 'SelectOwnership'), ('User', 'SelectUser'))]),
    ([('Global', '*', 'default', 'DatabaseAdmin'), ('Global', 'orders', 'default', 'CollectionAdmin')],
     list(ACCESS_MANAGEMENT_PRIVILEGES)),
    # Only the server knows what a custom group holds, unless the caller says.
    ([('Global', '*', '*', 'rbac_admins')], list(ACCESS_MANAGEMENT_PRIVILEGES)),
    # A Global privilege granted with v2 on one collection guards that collection only.
    ([('Global', 'orders', 'default', 'CreateOwnership')] + MANAGERS[1:], [('Global', 'CreateOwnership')]),
])
def test_grants_that_do_not(keys, missing):
    assert missing_access_management_privileges(keys) == missing
    assert not grants_allow_access_management(keys)


def test_custom_groups_never_count():
    """What a custom group holds is not read: it never counts as management rights."""
    assert not grants_allow_access_management([('Global', '*', '*', 'rbac_admins')])


def test_grants_in_another_database_do_not_count():
    keys = [key[:2] + ('db1',) + key[3:] for key in MANAGERS]
    assert not grants_allow_access_management(keys)
    assert not grants_allow_access_management(MANAGERS[:4])


# ---------------------------------------------------------------- the protocol the module builds on

@pytest.mark.parametrize('message, fields', [
    ('OperatePrivilegeV2Request', ['base', 'role', 'grantor', 'type', 'db_name', 'collection_name']),
    ('OperatePrivilegeRequest', ['base', 'entity', 'type', 'version']),
    ('SelectGrantRequest', ['base', 'entity']),
    ('SelectGrantResponse', ['status', 'entities']),
    ('GrantEntity', ['role', 'object', 'object_name', 'grantor', 'db_name']),
    ('GrantorEntity', ['user', 'privilege']),
    ('ListDatabasesRequest', ['base']),
    ('SelectRoleRequest', ['base', 'role', 'include_user_info']),
    ('RoleResult', ['role', 'users']),
])
def test_protocol_fields(message, fields):
    descriptor = milvus_pb2.DESCRIPTOR.message_types_by_name[message]
    assert [field.name for field in descriptor.fields] == fields


def test_protocol_has_the_v2_rpcs():
    service = milvus_pb2.DESCRIPTOR.services_by_name['MilvusService']
    for rpc in ('OperatePrivilegeV2', 'OperatePrivilege', 'SelectGrant', 'ListPrivilegeGroups', 'ListDatabases'):
        assert service.methods_by_name[rpc]
    assert dict(milvus_pb2.OperatePrivilegeType.items()) == {'Grant': 0, 'Revoke': 1}
