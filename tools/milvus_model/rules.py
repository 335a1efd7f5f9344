"""Every behaviour that differs between the modelled servers, one rule per
entry, each with what it was read from.

Sources are named by fork, branch and file (the release branches of
milvus-io/milvus are read on SimFG/milvus `2.3`, `2.4` and bigsheeper/milvus
`2.5`, `2.6`), by commit or by milvus-io/milvus issue/PR number, or as
"measured" (the real Milvus 2.3.5 that tools/milvus_local.py runs; the
differential test in tests/support_tests keeps those honest).

A profile's value GAP means nobody here knows what that server does: the
model answers with a clear "model gap" error instead of guessing.
"""

GAP = object()

PROFILES = ('2.3.5', '2.4.23', '2.5.27', '2.6.18', 'zilliz-cloud')
MILVUS = ('2.3.5', '2.4.23', '2.5.27', '2.6.18')


class Rule:
    def __init__(self, text, source, values):
        self.text = text
        self.source = source
        self.values = values


def _all(value):
    return dict((p, value) for p in PROFILES)


def _since(first, value, before):
    """value on `first` and the profiles after it, `before` on the ones before."""
    index = PROFILES.index(first)
    return dict((p, value if i >= index else before) for i, p in enumerate(PROFILES))


# Zilliz Cloud: the docs say "Compatible with Milvus 2.5" for current clusters;
# where its docs are silent its protocol behaviour is taken from 2.5 ONLY when
# marked so below, otherwise GAP.
RULES = {
    'version_text': Rule(
        'What GetVersion answers.',
        'measured on 2.3.5 (the PyPI embedded build answers "v2.3.5-lite"); release tags v2.4.23 / v2.5.27 / '
        'v2.6.18. Zilliz Cloud: no documented GetVersion text was found '
        '(docs.zilliz.com get_server_version pages show no example value); the text here is a CHOICE that '
        'contains "Zilliz Cloud" and "Compatible with Milvus 2.5".',
        {'2.3.5': 'v2.3.5-lite', '2.4.23': 'v2.4.23', '2.5.27': 'v2.5.27', '2.6.18': 'v2.6.18',
         'zilliz-cloud': 'Zilliz Cloud (Compatible with Milvus 2.5)'}),
    'v2_api': Rule(
        'OperatePrivilegeV2 and Create/Drop/List/OperatePrivilegeGroup exist (else gRPC UNIMPLEMENTED).',
        'measured on 2.3.5 (UNIMPLEMENTED); added in 2.4.18 (SimFG/milvus 2.4 internal/proxy/impl.go '
        'OperatePrivilegeV2); Zilliz Cloud docs grant built-in groups with the v2 call.',
        _since('2.4.23', True, False)),
    'privilege_tables': Rule(
        'Which privileges each object type takes (ObjectPrivileges) and so util.GetObjectType.',
        'pkg/util/constant.go ObjectPrivileges on SimFG/milvus 2.3, 2.4 and bigsheeper/milvus 2.5, 2.6',
        {'2.3.5': '2.3', '2.4.23': '2.4', '2.5.27': '2.4', '2.6.18': '2.6', 'zilliz-cloud': '2.4'}),
    'unknown_privilege_text': Rule(
        'Text of the v1 refusal of a privilege the object type does not take.',
        'measured on 2.3.5 ("not found the privilege name[Serch]"); 2.4+ internal/rootcoord/root_coord.go '
        'isValidPrivilege ("... in object[%s]")',
        _since('2.4.23', 'not found the privilege name[{priv}] in object[{obj}]', 'not found the privilege name[{priv}]')),
    'select_grant_star_all_dbs': Rule(
        'SelectGrant with db_name "*" returns the grants of every database (2.3.5: only those stored under "*").',
        'measured on 2.3.5; 2.4+ internal/metastore/kv/rootcoord/kv_catalog.go ListGrant (NOTES)',
        _since('2.4.23', True, False)),
    'drop_role_checks_all_dbs': Rule(
        'DropRole is refused while the role holds a grant in ANY database (ListGrant DbName "*"); '
        '2.3.5 only looks at the default database and "*".',
        'milvus PR #38369; SimFG/milvus 2.4 internal/rootcoord/root_coord.go DropRole; bigsheeper/milvus 2.6 '
        'internal/rootcoord/meta_table.go CheckIfDropRole; measured on 2.3.5',
        _since('2.4.23', True, False)),
    'force_drop': Rule(
        'DropRole honours force_drop (drops the grants too).',
        'measured on 2.3.5 (ignored); SimFG/milvus 2.4 root_coord.go DropRole (ForceDrop)',
        _since('2.4.23', True, False)),
    'resolve_alias': Rule(
        'OperatePrivilege/OperatePrivilegeV2/SelectGrant resolve a collection alias to the collection '
        '(proxy.resolveAliasForPrivilege, default on).',
        'commit e836a446bb (2.6.12); bigsheeper/milvus 2.6 internal/proxy/impl.go OperatePrivilegeV2',
        {'2.3.5': False, '2.4.23': False, '2.5.27': False, '2.6.18': True, 'zilliz-cloud': GAP}),
    'username_extra_chars': Rule(
        'Characters besides letters, digits and "_" allowed after the first letter of a user name.',
        'internal/proxy/util.go ValidateUsername: 2.3/2.4/2.5 "_" only; 2.6 adds "-" and "." (commit 1bd66b09e3)',
        {'2.3.5': '', '2.4.23': '', '2.5.27': '', '2.6.18': '-.', 'zilliz-cloud': ''}),
    'user_limit_before_existence': Rule(
        'CreateCredential checks the user limit before "already exists".',
        'SimFG/milvus 2.3 and 2.4 internal/rootcoord/meta_table.go AddCredential; bigsheeper/milvus 2.6 '
        'meta_table.go CheckIfAddCredential (existence first)',
        {'2.3.5': True, '2.4.23': True, '2.5.27': True, '2.6.18': False, 'zilliz-cloud': GAP}),
    'phantom_empty_role': Rule(
        'SelectUser lists a role "" for a user whose name is a prefix of another user who holds a role.',
        'measured on 2.3.5; milvus-io/milvus#46676 (2.5.23); fixed by #46708 + #48133 in 2.6.13',
        {'2.3.5': True, '2.4.23': True, '2.5.27': True, '2.6.18': False, 'zilliz-cloud': GAP}),
    'refusal_code': Rule(
        'Code of the rootcoord refusals made with errors.New (already exists, not found, has privileges, limits).',
        'measured on 2.3.5 (65535); 1100 only after commit 39c9b039d2 on 2.6 (after 2.6.18)',
        _all(65535)),
    'role_limit_code': Rule(
        'Code of the role limit refusal.',
        'SimFG/milvus 2.4 meta_table.go CreateRole (errors.New: 65535); code 9 only after 39c9b039d2 (after 2.6.18)',
        _all(65535)),
    'permission_denied_text': Rule(
        'gRPC PERMISSION_DENIED details.',
        'internal/proxy/privilege_interceptor.go: SimFG/milvus 2.3 "%s: permission deny to %s"; '
        '2.4+ adds " in the `%s` database"',
        _since('2.4.23', '{priv}: permission deny to {user} in the `{db}` database', '{priv}: permission deny to {user}')),
    'max_user_num': Rule(
        'Default user limit (root included).',
        'measured on 2.3.5 (proxy.maxUserNum 100); Zilliz Cloud docs: up to 100 users',
        _all(100)),
    'max_role_num': Rule(
        'Default role limit (built-in roles included).',
        'measured on 2.3.5 (proxy.maxRoleNum 10, admin and public included); Zilliz Cloud docs: 20 custom roles '
        '(the three built-in roles are not counted here: 23 in all)',
        {'2.3.5': 10, '2.4.23': 10, '2.5.27': 10, '2.6.18': 10, 'zilliz-cloud': 23}),
    'builtin_roles': Rule(
        'Roles that exist from the start and cannot be dropped.',
        'Milvus: util.DefaultRoles admin, public; Zilliz Cloud docs: db_admin, db_rw, db_ro (built in, cannot '
        'be changed or dropped)',
        {'2.3.5': ('admin', 'public'), '2.4.23': ('admin', 'public'), '2.5.27': ('admin', 'public'),
         '2.6.18': ('admin', 'public'), 'zilliz-cloud': ('db_admin', 'db_rw', 'db_ro')}),
    'admin_roles': Rule(
        'Roles that hold every privilege.',
        'Milvus casbin model: role admin; Zilliz Cloud docs: db_admin is the Admin role',
        {'2.3.5': ('admin',), '2.4.23': ('admin',), '2.5.27': ('admin',), '2.6.18': ('admin',),
         'zilliz-cloud': ('db_admin',)}),
    'login_user': Rule(
        'The user that exists from the start (and cannot be dropped).',
        'Milvus: root (util.UserRoot); Zilliz Cloud docs: default user db_admin, cannot be dropped',
        {'2.3.5': 'root', '2.4.23': 'root', '2.5.27': 'root', '2.6.18': 'root', 'zilliz-cloud': 'db_admin'}),
    'builtin_role_grants_frozen': Rule(
        'Grants of the built-in roles cannot be changed.',
        'measured on 2.3.5 (admin and public accept grants); Zilliz Cloud docs (built-in roles cannot be changed)',
        {'2.3.5': False, '2.4.23': False, '2.5.27': False, '2.6.18': False, 'zilliz-cloud': True}),
    'custom_roles_groups_only': Rule(
        'Custom roles take built-in privilege groups only, with the v2 call.',
        'Zilliz Cloud docs (other privileges and custom groups: "contact us"); the refusal text is not documented',
        {'2.3.5': False, '2.4.23': False, '2.5.27': False, '2.6.18': False, 'zilliz-cloud': True}),
    'related_privileges': Rule(
        'Granting Load also grants GetLoadState and GetLoadingProgress; Flush also GetFlushState.',
        'milvus PR #30153 (after 2.3.5: measured, the real 2.3.5 grants Load alone); internal/proxy/impl.go '
        'OperatePrivilege RelatedPrivileges on SimFG/milvus 2.4 and bigsheeper/milvus 2.5, 2.6',
        {'2.3.5': False, '2.4.23': True, '2.5.27': True, '2.6.18': True, 'zilliz-cloud': GAP}),
    'operate_user_role_needs_user': Rule(
        'Granting a role to a user that does not exist is refused ("not found the user ...").',
        'internal/rootcoord/root_coord.go OperateUserRole (2.3 to 2.5); 2.6 meta_table.go CheckIfOperateUserRole',
        _all(True)),
    'api_key_token': Rule(
        'A token that is not user:password (an API key).',
        'Milvus: not an API key server (UNAUTHENTICATED); Zilliz Cloud API keys: not modelled',
        {'2.3.5': 'refuse', '2.4.23': 'refuse', '2.5.27': 'refuse', '2.6.18': 'refuse', 'zilliz-cloud': GAP}),
    'list_databases_filtered': Rule(
        'ListDatabases for a caller that is neither root nor admin.',
        '2.4+ internal/proxy/task_database.go filters by the caller\'s grants; not modelled',
        {'2.3.5': False, '2.4.23': GAP, '2.5.27': GAP, '2.6.18': GAP, 'zilliz-cloud': GAP}),
}

# ---------------------------------------------------------------- privilege tables
# pkg/util/constant.go ObjectPrivileges (API names: MetaStore2API strips
# "Privilege"/"PrivilegeGroup"), per branch.
_COLLECTION_23 = ('Load Release Compaction Insert Delete Upsert GetStatistics CreateIndex IndexDetail DropIndex '
                  'Search Flush Query LoadBalance Import GetLoadingProgress GetLoadState CreatePartition '
                  'DropPartition ShowPartitions HasPartition GetFlushState').split()
_GLOBAL_23 = ('All CreateCollection DropCollection DescribeCollection ShowCollections RenameCollection '
              'CreateOwnership DropOwnership SelectOwnership ManageOwnership CreateResourceGroup DropResourceGroup '
              'DescribeResourceGroup ListResourceGroups TransferReplica TransferNode FlushAll CreateDatabase '
              'DropDatabase ListDatabases CreateAlias DropAlias DescribeAlias ListAliases').split()
_GROUPS = ('ClusterReadOnly ClusterReadWrite ClusterAdmin DatabaseReadOnly DatabaseReadWrite DatabaseAdmin '
           'CollectionReadOnly CollectionReadWrite CollectionAdmin').split()
_COLLECTION_24 = _COLLECTION_23 + ['ReadOnly', 'ReadWrite']
_GLOBAL_24 = (_GLOBAL_23 + 'BackupRBAC RestoreRBAC UpdateResourceGroups AlterDatabase DescribeDatabase Admin '
              'CreatePrivilegeGroup DropPrivilegeGroup ListPrivilegeGroups OperatePrivilegeGroup'.split() + _GROUPS)
OBJECT_PRIVILEGES = {
    '2.3': {'Collection': _COLLECTION_23, 'Global': _GLOBAL_23, 'User': ['UpdateUser', 'SelectUser']},
    '2.4': {'Collection': _COLLECTION_24, 'Global': _GLOBAL_24, 'User': ['UpdateUser', 'SelectUser']},
    '2.6': {'Collection': _COLLECTION_24 + ['GetImportProgress', 'ListImport', 'AddCollectionField'],
            'Global': _GLOBAL_24 + ['UpdateReplicateConfiguration'], 'User': ['UpdateUser', 'SelectUser']},
}
OBJECT_TYPES = ('Collection', 'Global', 'User')

# The nine built-in privilege groups (2.4.18+): names and contents from
# bigsheeper/milvus 2.5 pkg/util/constant.go (each level adds to the one below)
# and pkg/util/paramtable/rbac_param.go.
_LEVELS = {
    'Collection': (('ReadOnly', 'Query Search IndexDetail GetFlushState GetLoadState GetLoadingProgress HasPartition '
                                'ShowPartitions DescribeCollection DescribeAlias GetStatistics ListAliases'),
                   ('ReadWrite', 'Load Release Insert Delete Upsert Import Flush Compaction LoadBalance CreateIndex '
                                 'DropIndex CreatePartition DropPartition'),
                   ('Admin', 'CreateAlias DropAlias')),
    'Database': (('ReadOnly', 'ShowCollections DescribeDatabase'), ('ReadWrite', 'AlterDatabase'),
                 ('Admin', 'CreateCollection DropCollection')),
    'Cluster': (('ReadOnly', 'ListDatabases SelectOwnership SelectUser DescribeResourceGroup ListResourceGroups '
                             'ListPrivilegeGroups'),
                ('ReadWrite', 'FlushAll TransferNode TransferReplica UpdateResourceGroups'),
                ('Admin', 'BackupRBAC RestoreRBAC CreateDatabase DropDatabase CreateOwnership DropOwnership '
                          'ManageOwnership CreateResourceGroup DropResourceGroup UpdateUser RenameCollection '
                          'CreatePrivilegeGroup DropPrivilegeGroup OperatePrivilegeGroup')),
}
BUILTIN_GROUPS = {}
GROUP_LEVEL = {}
PRIVILEGE_LEVEL = {}
for _level, _steps in _LEVELS.items():
    _acc = []
    for _suffix, _names in _steps:
        _acc = _acc + _names.split()
        BUILTIN_GROUPS[_level + _suffix] = list(_acc)
        GROUP_LEVEL[_level + _suffix] = _level
# util.GetPrivilegeLevel: Cluster first, then Database, then Collection.
for _level in ('Collection', 'Database', 'Cluster'):
    for _name in BUILTIN_GROUPS[_level + 'Admin']:
        PRIVILEGE_LEVEL[_name] = _level
# Legacy v1 groups (ReadOnly, ReadWrite on Collection; Admin on Global): what they
# expand to is only used for permission checks, which these tests do not need.
V1_GROUPS = ('ReadOnly', 'ReadWrite', 'Admin')
# Proxy RelatedPrivileges (constant.go).
RELATED = {'Load': ['GetLoadState', 'GetLoadingProgress'], 'Flush': ['GetFlushState']}
