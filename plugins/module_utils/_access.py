# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Effective access: what each user may do, through each of its roles and
through public (which every user holds), per database and object, with
flags on the sweeping grants. Pure functions over users, roles and grant
keys; read_access() makes the reads (one per kind, grants once per role and
database, shared by every user).

INTERNAL: private to the zilliz.cloud collection.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.zilliz.cloud.plugins.module_utils._engine import concurrently
from ansible_collections.zilliz.cloud.plugins.module_utils._privileges import (
    ALL, ANY, BUILTIN_GROUP_LEVELS, BUILTIN_PRIVILEGE_GROUPS, GLOBAL,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._roles import read_grants

PUBLIC = 'public'
ADMIN = 'admin'
DB_ADMIN = 'db_admin'
ROOT = 'root'

# Flags of a sweeping grant or user.
SUPERUSER = 'superuser'            # root: the server skips every privilege check for it
ADMIN_ROLE = 'admin_role'          # every privilege everywhere
DB_ADMIN_ROLE = 'db_admin_role'    # Zilliz Cloud's administrator role (on Milvus, a role of that name)
CLUSTER_GROUP = 'cluster_group'    # ClusterReadOnly / ClusterReadWrite / ClusterAdmin
ANY_PRIVILEGE = 'any_privilege'    # '*', All, or the v1 Admin group
ANY_OBJECT = 'any_object'          # every collection (or every user) of the database
ANY_DATABASE = 'any_database'      # every database
MANAGES_ACCESS = 'manages_access'  # may create, drop or grant users and roles

# The flags that make a user privileged (the others say only how wide a grant reaches).
PRIVILEGED_FLAGS = frozenset((SUPERUSER, ADMIN_ROLE, DB_ADMIN_ROLE, CLUSTER_GROUP, ANY_PRIVILEGE, MANAGES_ACCESS))

# Privileges that change who may do what (CreateCredential, DropRole, OperateUserRole, OperatePrivilege, ...).
_ACCESS_WRITES = frozenset(('CreateOwnership', 'DropOwnership', 'ManageOwnership', 'UpdateUser'))

# Stands for "everything" in the rows of admin and root, which no SelectGrant lists.
EVERYTHING = (ANY, ANY, ANY, ANY)


def grant_flags(key):
    """The sweeping flags of one grant key (object_type, object_name, db_name, privilege), sorted."""
    object_type, object_name, db_name, privilege = key
    flags = set()
    if privilege in (ANY, ALL, 'Admin'):
        flags.add(ANY_PRIVILEGE)
    if BUILTIN_GROUP_LEVELS.get(privilege) == 'cluster':
        flags.add(CLUSTER_GROUP)
    # Global grants are stored with object name '*' whatever was asked: that says nothing about their reach.
    if object_name == ANY and object_type != GLOBAL:
        flags.add(ANY_OBJECT)
    if db_name == ANY:
        flags.add(ANY_DATABASE)
    members = BUILTIN_PRIVILEGE_GROUPS.get(privilege, frozenset((privilege,)))
    if (ANY_PRIVILEGE in flags and object_type in (GLOBAL, 'User', ANY)) or members & _ACCESS_WRITES:
        flags.add(MANAGES_ACCESS)
    return sorted(flags)


def _entry(role, key, flags=None):
    object_type, object_name, db_name, privilege = key
    return dict(role=role, privilege=privilege, object_type=object_type, object_name=object_name, db_name=db_name,
                sweeping=sorted(flags) if flags is not None else grant_flags(key))


def _order(entry):
    return (entry['db_name'], entry['object_type'], entry['object_name'], entry['privilege'], entry['role'] or '')


def role_entries(role, keys):
    """A role's grants as access entries, sorted. The admin role's grants are
    not read: it holds everything, shown as one entry of '*'."""
    if role == ADMIN:
        return [_entry(ADMIN, EVERYTHING, (ADMIN_ROLE, ANY_PRIVILEGE, ANY_OBJECT, ANY_DATABASE, MANAGES_ACCESS))]
    entries = [_entry(role, key) for key in keys]
    if role == DB_ADMIN:
        for entry in entries:
            entry['sweeping'] = sorted(set(entry['sweeping']) | set((DB_ADMIN_ROLE,)))
    return sorted(entries, key=_order)


def _user_flags(entries, roles):
    flags = set(flag for entry in entries for flag in entry['sweeping'])
    if DB_ADMIN in roles:
        flags.add(DB_ADMIN_ROLE)      # even when its grants could not be read (a built-in role of Zilliz Cloud)
    return sorted(flags)


def user_access(name, roles, grants):
    """One user's effective access: its roles (public included: every user
    holds it), every grant with the role it comes from, the sweeping flags
    and whether it is privileged. grants: {role: grant keys}."""
    held = sorted(set(r for r in roles if r) | set((PUBLIC,)))
    entries = []
    if name == ROOT:
        entries.append(_entry(None, EVERYTHING, (SUPERUSER, ANY_PRIVILEGE, ANY_OBJECT, ANY_DATABASE, MANAGES_ACCESS)))
    for role in held:
        entries.extend(role_entries(role, grants.get(role, ())))
    flags = _user_flags(entries, held)
    return dict(name=name, roles=sorted(r for r in roles if r), privileges=sorted(entries, key=_order),
                sweeping=flags, privileged=bool(PRIVILEGED_FLAGS & set(flags)))


def effective_access(users, grants):
    """Every user's access, sorted by name. users: {user: roles}; grants: {role: grant keys}."""
    return [user_access(name, roles, grants) for name, roles in sorted(users.items())]


def role_access(users, roles, grants):
    """Every role with its members, grants and flags, sorted. users: {user: roles}; roles: role names."""
    members = dict((role, []) for role in roles if role)
    for user, held in users.items():
        for role in held:
            if role in members:
                members[role].append(user)
    result = []
    for role in sorted(members):
        entries = role_entries(role, grants.get(role, ()))
        flags = set(flag for entry in entries for flag in entry['sweeping'])
        # public's members are every user; the server lists none.
        result.append(dict(name=role, users=sorted(members[role]) if role != PUBLIC else sorted(users),
                           privileges=entries, sweeping=sorted(flags),
                           privileged=bool(PRIVILEGED_FLAGS & flags)))
    return result


def roles_to_read(users, roles):
    """The roles whose grants are read: every role (one read serves every
    user and the roles' own listing), public always, admin never (it holds
    everything)."""
    wanted = set(r for r in roles if r) | set(r for held in users.values() for r in held if r) | set((PUBLIC,))
    return sorted(wanted - set((ADMIN,)))


def read_access(conn, only=None):
    """(users with roles, every role name, the roles to show, databases,
    {role: grant keys}) in one listing per kind and one SelectGrant per role
    (per role and database where the server cannot list every database at
    once). With `only`, that user's roles and public are shown and read."""
    users, roles, databases, profile = concurrently(conn, lambda: conn.users_with_roles(only=only), conn.list_roles,
                                                    conn.list_databases, conn.profile)
    roles = sorted(r for r in roles if r)
    shown = roles
    if only is not None:
        held = set(r for granted in users.values() for r in granted) | set((PUBLIC,))
        shown = [r for r in roles if r in held]
    grants = read_grants(conn, roles_to_read(users, shown), databases, profile)
    return users, roles, shown, list(databases), grants
