# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The server profile: what the connected server does, decided once per run.

Everything that differs between Milvus versions and Zilliz Cloud is a rule
here, each citing where it was read (a release branch and file, a commit, an
issue, or a measurement against the local Milvus 2.3.5). Nothing else in the
collection compares versions; the refusal texts live in _errors.py.

Release branches read: milvus-io/milvus 2.4 (v2.4.23), 2.5 (v2.5.27),
2.6 (v2.6.18) and master; Zilliz Cloud from its documentation only.

A version this file does not know (newer than the newest rule, or a text it
cannot parse) gets the newest known behaviour, and a warning naming it.

INTERNAL: private to the zilliz.cloud collection. Pure: no request here.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.zilliz.cloud.plugins.module_utils._validation import is_zilliz_cloud_uri

MILVUS = 'milvus'
ZILLIZ_CLOUD = 'zilliz_cloud'

# The newest version whose behaviour was read from its sources.
NEWEST_KNOWN = (2, 6, 18)

# Roles every Milvus has and that cannot be dropped (rootcoord util.IsBuiltinRole: admin, public).
MILVUS_BUILTIN_ROLES = ('admin', 'public')
# Zilliz Cloud's built-in cluster roles (docs "Cluster Roles": Admin, Read-Write, Read-Only), which
# cannot be changed or dropped; on self-hosted Milvus these names are ordinary custom roles.
ZILLIZ_BUILTIN_ROLES = ('db_admin', 'db_rw', 'db_ro')
# Zilliz Cloud limits (docs "Manage Users", "Manage Roles"): 100 users per dedicated cluster
# (db_admin included), 20 custom roles.
ZILLIZ_MAX_USERS = 100
ZILLIZ_MAX_CUSTOM_ROLES = 20

# Privileges newer than Milvus 2.3.5 (which refuses them: "not found the privilege name[BackupRBAC]",
# measured), with the release that brought them: the first pymilvus release whose protocol stubs carry
# the name, released with the Milvus release of the same number (pkg/util/constant.go ObjectPrivileges
# of the 2.4, 2.5 and 2.6 branches lists them).
PRIVILEGES_SINCE = {
    'UpdateResourceGroups': (2, 4, 0),
    'AlterDatabase': (2, 4, 5), 'DescribeDatabase': (2, 4, 5),
    'BackupRBAC': (2, 4, 10), 'RestoreRBAC': (2, 4, 10),
    'ReadOnly': (2, 4, 10), 'ReadWrite': (2, 4, 10), 'Admin': (2, 4, 10),
    'CreatePrivilegeGroup': (2, 4, 10), 'DropPrivilegeGroup': (2, 4, 10),
    'ListPrivilegeGroups': (2, 4, 10), 'OperatePrivilegeGroup': (2, 4, 10),
    'GetImportProgress': (2, 6, 0), 'ListImport': (2, 6, 0), 'AddCollectionField': (2, 6, 0),
    'UpdateReplicateConfiguration': (2, 6, 0),
}

_VERSION_RE = re.compile(r'(\d+)\.(\d+)(?:\.(\d+))?')


def parse_version(text):
    """(major, minor, patch) from a version text: 'v2.3.5-lite' -> (2, 3, 5); a Zilliz Cloud text naming
    the Milvus it is compatible with ('... Compatible with Milvus 2.5') -> (2, 5, 0). None when absent."""
    text = text or ''
    # A Zilliz Cloud text may carry its own release number before the Milvus one it names.
    compatible = re.search(r'milvus\D{0,3}(\d+\.\d+(?:\.\d+)?)', text, re.IGNORECASE)
    match = _VERSION_RE.search(compatible.group(1) if compatible else text)
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())


def is_zilliz_cloud_version(version_text):
    # Zilliz Cloud names itself in GetVersion ("Zilliz Cloud ... Compatible with Milvus 2.x"); open-source
    # Milvus answers a bare build version ("v2.3.5", "2.6.18").
    return 'zilliz' in (version_text or '').lower()


def version_label(version):
    return '.'.join(str(part) for part in version) if version else 'unknown'


class ServerProfile:
    """What one server does. Build it with detect(); every attribute is a plain value, fixed for the run."""

    def __init__(self, flavour, version=None, version_text=''):
        self.flavour = flavour
        self.version_text = version_text or ''
        self.zilliz = flavour == ZILLIZ_CLOUD
        # Unknown: unparseable, or newer than the newest rule read. Behaves as the newest known.
        self.known = version is not None and version[:2] <= NEWEST_KNOWN[:2]
        self.version = version if version is not None else NEWEST_KNOWN
        v = self.version

        # OperatePrivilegeV2 and the built-in privilege groups: Milvus 2.4.18 (2.3.5 answers UNIMPLEMENTED,
        # measured; 2.4 branch internal/proxy/impl.go OperatePrivilegeV2); Zilliz Cloud grants its custom
        # roles built-in groups with the v2 call only (docs "Create Custom Roles").
        self.privilege_groups = self.zilliz or v >= (2, 4, 18)

        # SelectGrant with db_name '*' returns the grants of every database on 2.4 and later (rootcoord
        # catalog ListGrant treats '*' as a wildcard: 2.4 branch internal/metastore/kv/rootcoord/kv_catalog.go);
        # on 2.3.5 only the grants stored under '*' (measured), so 2.3 is read database by database.
        self.lists_grants_of_every_database = self.zilliz or v >= (2, 4, 0)

        # DropRole is refused while the role holds a grant in any database (PR #38369: 2.4 branch before
        # 2.4.18, 2.5; 2.6 internal/rootcoord/meta_table.go CheckIfDropRole lists grants with DbName '*');
        # 2.3.5 refuses only for grants in 'default' or '*' and silently keeps those in other databases
        # (measured). No attribute: either way the collection revokes every grant it read before dropping,
        # and with lists_grants_of_every_database it has read them all.

        # The server adds (and revokes) related privileges with some (Load -> GetLoadState,
        # GetLoadingProgress): 2.3.6 and later (milvus-io/milvus#30154; absent on 2.3.5, measured).
        self.adds_related_privileges = v >= (2, 3, 6)

        # Grants named by a collection alias are stored under the collection's own name: 2.6.12 and later
        # (2.6 branch internal/proxy/impl.go resolveAliasForPrivilege, commit e836a446bb, on by default).
        # Zilliz Cloud names only the minor version it is compatible with: its 2.6 clusters are taken to resolve.
        self.resolves_collection_aliases = v >= (2, 6, 12) or (self.zilliz and v >= (2, 6, 0))

        # User names: a letter, then letters, digits, '_'; 2.6.0 adds '-' and '.' (2.6 branch
        # internal/proxy/util.go ValidateUsername, commit 1bd66b09e3). At most 32 characters
        # (proxy.maxUsernameLength default, pkg/util/paramtable/component_param.go; _validation checks it).
        self.user_name_extra_chars = '-.' if v >= (2, 6, 0) else ''
        # Role names do not differ by version: a letter or '_', then letters, digits, '_' and
        # proxy.roleNameValidation.allowedChars (default '$'; 2.6 internal/proxy/util.go ValidateRoleName,
        # fixed '$' on 2.3 to 2.5): _validation.role_name_problems.
        self.builtin_roles = frozenset(MILVUS_BUILTIN_ROLES + (ZILLIZ_BUILTIN_ROLES if self.zilliz else ()))
        # The roles that let a user manage users and roles.
        self.admin_roles = ('admin', 'db_admin') if self.zilliz else ('admin',)
        # Limits known before the first change. Self-hosted Milvus: proxy.maxUserNum and proxy.maxRoleNum
        # are configurable (defaults 100 and 10), so only the server's refusal tells.
        self.max_users = ZILLIZ_MAX_USERS if self.zilliz else None
        self.max_custom_roles = ZILLIZ_MAX_CUSTOM_ROLES if self.zilliz else None

    @property
    def label(self):
        name = 'Zilliz Cloud' if self.zilliz else 'Milvus'
        return '%s %s' % (name, version_label(self.version) if self.known else '(version %s)' % (
            self.version_text or 'unknown'))

    def warning(self):
        """A warning when the server's version is not one this collection has rules for."""
        if self.known:
            return None
        return ('the server answered version %r, which this collection has no rules for; it behaves as with '
                'the newest it knows (%s). Report it if something misbehaves.'
                % (self.version_text, version_label(NEWEST_KNOWN)))

    def user_name_problem(self, name):
        """Why this server refuses a user name the collection's own check let through, or None."""
        extra = set(name or '') & set('-.') - set(self.user_name_extra_chars)
        if extra:
            return ('user name %s has %s, which %s does not accept in user names (Milvus 2.6 and later do)'
                    % (name, ' and '.join(repr(c) for c in sorted(extra)), self.label))
        return None

    def privilege_since(self, privilege):
        """The release that brought a privilege, when the server is older than that; else None."""
        since = PRIVILEGES_SINCE.get(privilege)
        return since if since and self.version < since else None


def detect(version_text, uri=None):
    """The profile of the server that answered GetVersion with version_text at uri."""
    zilliz = is_zilliz_cloud_uri(uri) or is_zilliz_cloud_version(version_text)
    version = parse_version(version_text)
    if zilliz and version is not None and version < (2, 4, 0):
        version = None     # a Zilliz Cloud release number, not a Milvus one: newest behaviour
    return ServerProfile(ZILLIZ_CLOUD if zilliz else MILVUS, version, version_text)
