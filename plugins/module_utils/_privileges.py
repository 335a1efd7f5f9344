# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Milvus privilege names, privilege groups and grant keys. Pure functions:
nothing here talks to a server.

A privilege item is a dict with the keys zilliz_role takes: ``privilege``,
``object_type`` (``Global``, ``Collection``, ``User``, or None for an item
granted with OperatePrivilegeV2: a privilege group, or any privilege, on a
database and collection), ``object_name`` (default ``*``) and ``db_name``
(default ``default``).

A grant key is the canonical tuple ``(object_type, object_name, db_name,
privilege)`` under which the server stores a grant; desired items and the
SelectGrant entities of a role are compared as keys. How the server stores
each kind of grant (Milvus sources, see docs/development.md "Privileges and
privilege groups"):

- OperatePrivilege (v1) stores the given object type; a Global grant is stored
  with object name ``*`` whatever was given, unless the privilege is a
  built-in privilege group (rootcoord ``broadcastOperatePrivilege``).
- OperatePrivilegeV2 stores the object type the privilege belongs to
  (``util.GetObjectType``: its table, else Global, which is where every
  privilege group lands) and the given collection name as object name,
  without the Global ``*`` rule. SelectGrant returns the API name
  (``CollectionReadOnly``, a custom group's bare name), never the stored
  ``PrivilegeGroup...`` name (``util.PrivilegeNameForAPI``).

INTERNAL: private to the zilliz.cloud collection.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import difflib
import re

GLOBAL = 'Global'
COLLECTION = 'Collection'
USER = 'User'
OBJECT_TYPES = (GLOBAL, COLLECTION, USER)

ANY = '*'
ALL = 'All'
DEFAULT_DB = 'default'
NAME_MAX = 255  # Milvus proxy.maxNameLength, for privilege and privilege group names

# The option of zilliz_role that switches the name table off.
VALIDATE_OPTION = 'validate_privilege_names'

_V2_HINT = 'leave object_type out to grant it per database and collection with OperatePrivilegeV2 (Milvus 2.4.18+, Zilliz Cloud)'
_NEWER_HINT = ('if it is a privilege newer than this collection knows, set %s: false to pass it to the server unchecked'
               % VALIDATE_OPTION)

# The names OperatePrivilege accepts per object type: the union of Milvus 2.3.5 (measured: every name granted
# against the local server) and pkg/util/constant.go ObjectPrivileges of 2.4, 2.5 and 2.6. '*' is accepted on
# every object type and is not listed. "since" = first pymilvus release whose protocol stubs carry the name.
PRIVILEGES = {
    COLLECTION: frozenset((
        'Compaction', 'CreateIndex', 'CreatePartition', 'Delete', 'DropIndex', 'DropPartition', 'Flush',
        'GetFlushState', 'GetLoadState', 'GetLoadingProgress', 'GetStatistics', 'HasPartition', 'Import',
        'IndexDetail', 'Insert', 'Load', 'LoadBalance', 'Query', 'Release', 'Search', 'ShowPartitions', 'Upsert',
        'ReadOnly', 'ReadWrite',                                    # 2.4.10+: the first (v1) privilege groups
        'GetImportProgress', 'ListImport', 'AddCollectionField',    # 2.6
    )),
    GLOBAL: frozenset((
        ALL, 'CreateCollection', 'DropCollection', 'DescribeCollection', 'ShowCollections', 'RenameCollection',
        'CreateOwnership', 'DropOwnership', 'SelectOwnership', 'ManageOwnership',
        'CreateResourceGroup', 'DropResourceGroup', 'DescribeResourceGroup', 'ListResourceGroups',
        'TransferNode', 'TransferReplica', 'FlushAll', 'CreateDatabase', 'DropDatabase', 'ListDatabases',
        'CreateAlias', 'DropAlias', 'DescribeAlias', 'ListAliases',  # in the 2.3.5 server (not in pymilvus 2.3.5)
        'UpdateResourceGroups',                                     # 2.4.0
        'AlterDatabase', 'DescribeDatabase',                        # 2.4.5
        'BackupRBAC', 'RestoreRBAC', 'Admin',                       # 2.4.10+ (Admin: a v1 privilege group)
        'CreatePrivilegeGroup', 'DropPrivilegeGroup', 'ListPrivilegeGroups', 'OperatePrivilegeGroup',  # 2.4.10+
        'UpdateReplicateConfiguration',                             # 2.6
    )),
    USER: frozenset(('UpdateUser', 'SelectUser')),
}

# Known to the server (IsPrivilegeNameDefined) but in no object type's table: OperatePrivilegeV2 grants them
# (on Global), OperatePrivilege refuses them. Milvus 2.6.
V2_ONLY_PRIVILEGES = frozenset(('AddFileResource', 'RemoveFileResource', 'ListFileResources',
                                'GetReplicateConfiguration'))

_COLLECTION_RO = frozenset((
    'Query', 'Search', 'IndexDetail', 'GetFlushState', 'GetLoadState', 'GetLoadingProgress', 'HasPartition',
    'ShowPartitions', 'DescribeCollection', 'DescribeAlias', 'GetStatistics', 'ListAliases',
    'GetImportProgress', 'ListImport',
))
_COLLECTION_RW = _COLLECTION_RO | frozenset((
    'Load', 'Release', 'Insert', 'Delete', 'Upsert', 'Import', 'Flush', 'Compaction', 'LoadBalance',
    'CreateIndex', 'DropIndex', 'CreatePartition', 'DropPartition', 'AddCollectionField',
))
_DATABASE_RO = frozenset(('ShowCollections', 'DescribeDatabase'))
_DATABASE_RW = _DATABASE_RO | frozenset(('AlterDatabase',))
_CLUSTER_RO = frozenset((
    'ListDatabases', 'SelectOwnership', 'SelectUser', 'DescribeResourceGroup', 'ListResourceGroups',
    'ListPrivilegeGroups', 'GetReplicateConfiguration', 'ListFileResources',
))
_CLUSTER_RW = _CLUSTER_RO | frozenset((
    'FlushAll', 'TransferNode', 'TransferReplica', 'UpdateResourceGroups', 'AddFileResource', 'RemoveFileResource',
))

# The built-in privilege groups of OperatePrivilegeV2 (Milvus 2.5, late 2.4; Zilliz Cloud), under the names the
# server takes and returns. Contents: the defaults of common.security.rbac.<level>.<kind>.privileges in the 2.5
# source (pkg/util/constant.go), plus what the 2.6 privileges add; a server may be configured otherwise, so they
# serve only the access-management guard, never validation.
BUILTIN_PRIVILEGE_GROUPS = {
    'CollectionReadOnly': _COLLECTION_RO,
    'CollectionReadWrite': _COLLECTION_RW,
    'CollectionAdmin': _COLLECTION_RW | frozenset(('CreateAlias', 'DropAlias')),
    'DatabaseReadOnly': _DATABASE_RO,
    'DatabaseReadWrite': _DATABASE_RW,
    'DatabaseAdmin': _DATABASE_RW | frozenset(('CreateCollection', 'DropCollection')),
    'ClusterReadOnly': _CLUSTER_RO,
    'ClusterReadWrite': _CLUSTER_RW,
    'ClusterAdmin': _CLUSTER_RW | frozenset((
        'BackupRBAC', 'RestoreRBAC', 'CreateDatabase', 'DropDatabase', 'CreateOwnership', 'DropOwnership',
        'ManageOwnership', 'CreateResourceGroup', 'DropResourceGroup', 'UpdateUser', 'RenameCollection',
        'CreatePrivilegeGroup', 'DropPrivilegeGroup', 'OperatePrivilegeGroup', 'UpdateReplicateConfiguration',
    )),
}

# The level each built-in group is granted at decides which scopes the server accepts
# (rootcoord validatePrivilegeGroupParams).
BUILTIN_GROUP_LEVELS = dict(
    [(name, 'collection') for name in ('CollectionReadOnly', 'CollectionReadWrite', 'CollectionAdmin')]
    + [(name, 'database') for name in ('DatabaseReadOnly', 'DatabaseReadWrite', 'DatabaseAdmin')]
    + [(name, 'cluster') for name in ('ClusterReadOnly', 'ClusterReadWrite', 'ClusterAdmin')])

# The short labels of the Milvus and Zilliz Cloud docs. The server does not know them.
BUILTIN_GROUP_SHORT_NAMES = {
    'COLL_RO': 'CollectionReadOnly', 'COLL_RW': 'CollectionReadWrite', 'COLL_ADMIN': 'CollectionAdmin',
    'DB_RO': 'DatabaseReadOnly', 'DB_RW': 'DatabaseReadWrite', 'DB_Admin': 'DatabaseAdmin',
    'Cluster_RO': 'ClusterReadOnly', 'Cluster_RW': 'ClusterReadWrite', 'Cluster_Admin': 'ClusterAdmin',
}

# Privilege groups whose Global grants keep their object name (util.IsBuiltinPrivilegeGroup).
_GROUPS_KEEPING_OBJECT_NAME = frozenset(BUILTIN_PRIVILEGE_GROUPS) | frozenset(('ReadOnly', 'ReadWrite', 'Admin'))

# Granting (or revoking) the key also grants (revokes) these on the same object, in both APIs
# (proxy OperatePrivilege/OperatePrivilegeV2, util.RelatedPrivileges): Milvus 2.3.6+ and 2.4+, not 2.3.5 (measured).
RELATED_PRIVILEGES = {
    'Load': frozenset(('GetLoadState', 'GetLoadingProgress')),
    'Flush': frozenset(('GetFlushState',)),
}

# What managing users and roles takes (privilege_ext of the requests in milvus.proto): CreateCredential and
# CreateRole need CreateOwnership, DeleteCredential and DropRole DropOwnership, ListCredUsers, SelectRole and
# SelectGrant SelectOwnership, OperateUserRole and OperatePrivilege(V2) ManageOwnership, all on Global;
# UpdateCredential UpdateUser and SelectUser SelectUser on the User object (the user's name, '*' for all).
ACCESS_MANAGEMENT_PRIVILEGES = (
    (GLOBAL, 'CreateOwnership'), (GLOBAL, 'DropOwnership'), (GLOBAL, 'SelectOwnership'),
    (GLOBAL, 'ManageOwnership'), (USER, 'UpdateUser'), (USER, 'SelectUser'),
)

_NAME_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
_KNOWN_PRIVILEGES = frozenset().union(*PRIVILEGES.values())
_V2_KNOWN_NAMES = _KNOWN_PRIVILEGES | V2_ONLY_PRIVILEGES | frozenset(BUILTIN_PRIVILEGE_GROUPS)
_TYPE_OF = dict((name, object_type) for object_type, names in PRIVILEGES.items() for name in names)


def files_under_known_type(privilege):
    """Whether the object type OperatePrivilegeV2 files this privilege under is known here; for a name no table
    has (a privilege newer than this collection, a custom group) only the server's read-back tells."""
    return privilege in _TYPE_OF or privilege in _V2_KNOWN_NAMES or privilege == ANY


def object_type_of(privilege):
    """The object type OperatePrivilegeV2 files a privilege under (util.GetObjectType): its table's, else Global
    (every privilege group, '*', and names the table does not know)."""
    return _TYPE_OF.get(privilege, GLOBAL)


def _suggestion(name, candidates, cutoff=0.75):
    """The candidate the name most likely meant: the same name in another case, else a close spelling."""
    by_lower = dict((candidate.lower(), candidate) for candidate in candidates)
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=cutoff)
    return by_lower[close[0]] if close else None


def _scope_problem(privilege, object_name, db_name):
    level = BUILTIN_GROUP_LEVELS.get(privilege)
    if level == 'cluster' and (object_name != ANY or db_name != ANY):
        return "%s is a cluster-level privilege group: set db_name: '*' and object_name: '*'" % privilege
    if level == 'database' and object_name != ANY:
        return "%s is a database-level privilege group: set object_name: '*' (it covers a whole database)" % privilege
    if level == 'collection' and db_name == ANY and object_name != ANY:
        return ("%s on collection %r needs the collection's database: set db_name to it (or object_name: '*' "
                "for every collection in every database)" % (privilege, object_name))
    return None


def _short_label_problem(label, group):
    return ("%r is the docs' short label of the built-in privilege group %s, a name the server does not know: "
            "write privilege: %s" % (label, group, group))


def _v1_name_problem(privilege, object_type):
    if privilege == ANY or privilege in PRIVILEGES[object_type]:
        return None
    if privilege == ALL:
        return "All exists on Global only: set object_type: Global, or use '*' for every %s privilege" % object_type
    if privilege in BUILTIN_GROUP_SHORT_NAMES:
        return '%s and %s' % (_short_label_problem(privilege, BUILTIN_GROUP_SHORT_NAMES[privilege]), _V2_HINT)
    if privilege in BUILTIN_PRIVILEGE_GROUPS:
        return '%s is a built-in privilege group: %s' % (privilege, _V2_HINT)
    if privilege in V2_ONLY_PRIVILEGES:
        return '%s can only be granted with OperatePrivilegeV2: %s' % (privilege, _V2_HINT)
    if privilege in _TYPE_OF:
        return ('%s is a %s privilege, not a %s one: set object_type: %s'
                % (privilege, _TYPE_OF[privilege], object_type, _TYPE_OF[privilege]))
    guess = _suggestion(privilege, PRIVILEGES[object_type]) or _suggestion(privilege, _KNOWN_PRIVILEGES)
    if guess and _TYPE_OF[guess] == object_type:
        return 'unknown %s privilege %r: did you mean %s? (names are case-sensitive)' % (object_type, privilege, guess)
    if guess:
        return ('unknown %s privilege %r: did you mean %s, a %s privilege (object_type: %s)? '
                '(names are case-sensitive)' % (object_type, privilege, guess, _TYPE_OF[guess], _TYPE_OF[guess]))
    return 'unknown %s privilege %r; %s' % (object_type, privilege, _NEWER_HINT)


def _v2_name_problem(privilege, object_name, db_name):
    if privilege == ANY or privilege in _V2_KNOWN_NAMES:
        return _scope_problem(privilege, object_name, db_name)
    short = BUILTIN_GROUP_SHORT_NAMES.get(privilege) or BUILTIN_GROUP_SHORT_NAMES.get(
        _suggestion(privilege, BUILTIN_GROUP_SHORT_NAMES) or '')
    if short:
        return _short_label_problem(privilege, short)
    # Stricter than for v1: a name nothing matches is taken for a custom group, which may resemble a built-in name.
    guess = _suggestion(privilege, _V2_KNOWN_NAMES, cutoff=0.88)
    if guess:
        return ('unknown privilege or privilege group %r: did you mean %s? (names are case-sensitive; if it is a '
                'custom privilege group of that name, set %s: false)' % (privilege, guess, VALIDATE_OPTION))
    return None  # a custom privilege group: only the server knows which exist


def privilege_item_problems(item, label, check_names=True):
    """Problems with one desired privilege item, each naming the item (label) and the fix. check_names=False
    (validate_privilege_names: false) skips the name table but still refuses empty or malformed values."""
    privilege = item.get('privilege')
    object_type = item.get('object_type')
    object_name = item.get('object_name')
    db_name = item.get('db_name')
    problems = []
    if not privilege:
        problems.append("privilege is empty: name one (for example Search), or '*' for every privilege")
    elif privilege != ANY and (len(privilege) > NAME_MAX or not _NAME_RE.match(privilege)):
        problems.append("privilege %r is not a privilege name: letters, digits and underscores, starting with a "
                        "letter or underscore, at most %d, or '*'" % (privilege, NAME_MAX))
    if object_type is not None and object_type not in OBJECT_TYPES:
        guess = _suggestion(object_type, OBJECT_TYPES)
        if guess:
            problems.append('object_type %r is not an object type: did you mean %s? (names are case-sensitive)'
                            % (object_type, guess))
        else:
            problems.append('object_type %r is not an object type: use Global, Collection or User, or leave '
                            'object_type out for a privilege group granted per database and collection'
                            % object_type)
    if object_name == '':
        problems.append("object_name is empty: leave it out (or '*') for every object, or name the collection "
                        "or user")
    if db_name == '':
        problems.append("db_name is empty: leave it out for the default database, '*' for every database, or name one")
    if check_names and not problems:
        if object_type is None:
            problem = _v2_name_problem(privilege, object_name or ANY, db_name or DEFAULT_DB)
        else:
            problem = _v1_name_problem(privilege, object_type)
        if problem:
            problems.append(problem)
    return ['%s: %s' % (label, problem) for problem in problems]


def grant_key(item):
    """The (object_type, object_name, db_name, privilege) under which the server stores the item's grant."""
    privilege = item['privilege']
    object_type = item.get('object_type')
    object_name = item.get('object_name') or ANY
    db_name = item.get('db_name') or DEFAULT_DB
    if object_type is None:
        object_type = object_type_of(privilege)
    elif object_type == GLOBAL and privilege not in _GROUPS_KEEPING_OBJECT_NAME:
        object_name = ANY
    return (object_type, object_name, db_name, privilege)


def _needs_v2(object_type, object_name, privilege):
    """Whether only OperatePrivilegeV2 makes (and revokes) a grant stored like this: privilege groups, names in
    no table (custom groups, newer privileges) and Global grants on one object (v1 would revoke '*' instead)."""
    if object_type != GLOBAL:
        return False
    if privilege in BUILTIN_PRIVILEGE_GROUPS or (privilege != ANY and privilege not in PRIVILEGES[GLOBAL]):
        return True
    return object_name != ANY and privilege not in _GROUPS_KEEPING_OBJECT_NAME


def grant_from_entity(object_type, object_name, db_name, privilege_name):
    """The item a SelectGrant entity stands for, in the form zilliz_role takes (object_type None for what only
    OperatePrivilegeV2 grants), so that handing it back changes nothing."""
    object_name = object_name or ANY
    db_name = db_name or DEFAULT_DB
    v2 = _needs_v2(object_type, object_name, privilege_name)
    return {'privilege': privilege_name, 'object_type': None if v2 else object_type,
            'object_name': object_name, 'db_name': db_name}


def item_from_key(key):
    object_type, object_name, db_name, privilege = key
    return grant_from_entity(object_type, object_name, db_name, privilege)


def format_grant(key):
    """A short label for actions: 'Collection:orders:Search@default'; what only OperatePrivilegeV2 grants is
    labelled 'v2:<collection>:<privilege>@<database>' ('v2:orders:CollectionReadOnly@default')."""
    item = item_from_key(key)
    return '%s:%s:%s@%s' % (item['object_type'] or 'v2', item['object_name'], item['privilege'], item['db_name'])


def related_grant_keys(key):
    """The grants the server adds with this one (and drops with it) on Milvus 2.3.6+ and 2.4+."""
    object_type, object_name, db_name, privilege = key
    return frozenset((object_type, object_name, db_name, related)
                     for related in RELATED_PRIVILEGES.get(privilege, ()))


def _covers(key, required, db_name, groups):
    """Whether one grant lets its holder do what `required` (object_type, privilege) guards, in db_name, by the
    proxy's casbin matcher (internal/proxy/privilege): glob match on database and object, or PrivilegeAll and the
    v1 Admin group in exactly that database; privilege groups are expanded to single grants by ListPolicy."""
    object_type, object_name, key_db, privilege = key
    required_type, required_privilege = required
    if privilege in (ALL, 'Admin'):
        return key_db == db_name
    if key_db not in (db_name, ANY):
        return False
    members = groups.get(privilege)
    if members is not None:
        # Expanded grants on Global objects get object name '*'; on User objects they keep the grant's.
        return required_privilege in members and (required_type == GLOBAL or object_name == ANY)
    return object_name == ANY and object_type == required_type and privilege in (required_privilege, ANY)


def missing_access_management_privileges(keys):
    """The (object_type, privilege) pairs of ACCESS_MANAGEMENT_PRIVILEGES that none of the grant keys (of a login
    user's roles) gives in the default database. Conservative: a custom privilege group never counts (what it
    holds is not read). The admin role and root are the caller's to recognise."""
    keys = list(keys)
    return [pair for pair in ACCESS_MANAGEMENT_PRIVILEGES
            if not any(_covers(key, pair, DEFAULT_DB, BUILTIN_PRIVILEGE_GROUPS) for key in keys)]


def grants_allow_access_management(keys):
    return not missing_access_management_privileges(keys)
