#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: zilliz_role
short_description: Manage custom roles and their privileges on a Zilliz Cloud dedicated cluster or a Milvus server
version_added: 1.0.0
description:
  - Creates and drops custom roles, and grants or revokes their privileges on the cluster (V(Global)), on
    collections (V(Collection)) and on users (V(User)), in any database; and, on servers that have them
    (Milvus 2.4.18 and later, Zilliz Cloud), privilege groups such as C(CollectionReadOnly) or C(DatabaseReadWrite).
  - Manages one role (O(name)) or a list in one task (O(roles)), with one connection, one listing of roles,
    one listing of databases, and the grants of the roles concerned read concurrently.
  - Idempotent, with check mode and diff through the same plan as a real run. Grants are made before revokes,
    so a role never loses for a moment the access it keeps. After a change the grants are read back.
  - Everything that can be checked without the server is checked before the first request (role names,
    object types, privilege names with a did-you-mean), the rest (databases, server version) before the first
    change. A batch with bad items fails with every problem named and nothing changed.
  - Never changes C(admin) (it holds every privilege), never drops C(public), and on Zilliz Cloud never changes
    or drops its built-in C(db_admin), C(db_rw) and C(db_ro). Refuses a change that would take from the
    connecting user the privileges it needs to manage users and roles.
  - Users are bound to roles with M(zilliz.cloud.zilliz_user).
author:
  - zilliz.cloud contributors (@zilliz)
extends_documentation_fragment:
  - zilliz.cloud.connection
  - zilliz.cloud.attributes.changes
  - zilliz.cloud.items.roles
  - zilliz.cloud.items.report
options:
  name:
    description:
      - Name of the role. Milvus - first character a letter or an underscore, then letters, digits, V(_) or
        V($), at most 255 characters. Zilliz Cloud - a letter first, then letters, digits and underscores
        (see O(name_policy)).
      - Exactly one of O(name) and O(roles) is required.
    type: str
    aliases: [role]
  state:
    description:
      - V(present) creates the role if needed and manages its privileges as O(privileges) says.
      - V(absent) revokes every privilege the role holds, in every database, and drops it. Its members simply
        lose the role. (Milvus refuses to drop a role that holds privileges in C(default), and drops one whose
        grants are elsewhere while keeping those grants for a role created later under the same name, so the
        grants are always revoked first.)
      - With O(roles), the default for items that do not set it.
    type: str
    choices: [present, absent]
    default: present
  privileges:
    description:
      - The privileges the role should hold. Left out, the role's privileges are not touched.
      - With O(roles), give each item its own O(roles[].privileges) (mutually exclusive with O(roles)).
      - An item with O(privileges[].object_type) is a classic grant of one privilege on one object. An item
        without it is a privilege-group grant (OperatePrivilegeV2) on a database and collection; such items
        need Milvus 2.4.18 or later, or Zilliz Cloud, and are refused before any change on older servers.
      - The items returned by M(zilliz.cloud.zilliz_role_info) have exactly these keys and can be passed back.
    type: list
    elements: dict
    suboptions:
      privilege:
        description:
          - A privilege name as Milvus spells it (case-sensitive), for example V(Search), V(Query),
            V(CreateCollection), V(*) (every privilege of the object type) or V(All) (V(Global) only).
          - Without O(privileges[].object_type), a privilege group, for example V(CollectionReadOnly),
            V(CollectionReadWrite), V(DatabaseReadOnly), V(ClusterAdmin), or a custom group. The docs' short
            labels (C(COLL_RO), C(DB_RW), ...) are not names the server knows; the module names the right one.
          - Checked against the privileges that Milvus 2.3 to 2.6 define; see O(validate_privilege_names).
        type: str
        required: true
      object_type:
        description:
          - V(Global) (the cluster), V(Collection) or V(User).
          - Leave it out for a privilege-group grant.
        type: str
        choices: [Global, Collection, User]
      object_name:
        description:
          - The collection (or user) the privilege is on; V(*) for all. Global grants always read back as
            V(*), so any name given for them is stored as V(*).
          - For a privilege-group grant, the collection (V(*) for all).
        type: str
        default: '*'
      db_name:
        description:
          - The database. It must exist (the server accepts grants in a database that does not exist, and they
            would read as a change on every run). V(*) is every database.
        type: str
        default: default
  privileges_mode:
    description:
      - V(exact) - the role ends with exactly O(privileges), in every database; other grants are revoked.
      - V(append) - grants O(privileges) the role lacks; revokes nothing.
      - V(remove) - revokes O(privileges) the role holds; grants nothing.
      - With O(roles), the default for items that do not set it.
    type: str
    choices: [exact, append, remove]
    default: exact
  exclusive:
    description:
      - With O(roles), drop every custom role that is not listed (its privileges revoked first). Built-in roles
        and O(protected_roles) are never dropped.
    type: bool
    default: false
  protected_roles:
    description:
      - Roles that O(exclusive) never drops, in addition to the built-in ones.
    type: list
    elements: str
    default: []
  max_drops:
    description:
      - The most roles that O(exclusive) may drop in one run. When a run would drop more, it fails before any
        change and names the roles it would have dropped. Unset means no limit.
    type: int
  validate_privilege_names:
    description:
      - Check privilege names against the ones Milvus 2.3 to 2.6 define, with a did-you-mean, before the first
        request.
      - Set to V(false) to pass a privilege newer than this collection to the server unchecked (object types
        and the other rules are still checked; the server still refuses names it does not know).
    type: bool
    default: true
  name_policy:
    description:
      - Which role name rules to check before connecting. V(auto) applies the Zilliz Cloud rule on Zilliz Cloud
        hosts and the Milvus rule elsewhere.
    type: str
    choices: [auto, milvus, zilliz]
    default: auto
notes:
  - Milvus limits the number of roles (C(proxy.maxRoleNum), 10 by default, C(admin) and C(public) included);
    Zilliz Cloud allows 20 custom roles per cluster, which is checked before any change on Zilliz Cloud hosts.
  - See the collection's docs/roles_and_privileges.md for what each server has.
seealso:
  - module: zilliz.cloud.zilliz_role_info
  - module: zilliz.cloud.zilliz_user
  - name: Milvus RBAC
    description: Users, roles and privileges in Milvus.
    link: https://milvus.io/docs/rbac.md
'''

EXAMPLES = r'''
- name: A read-only role for one collection (classic privileges, any Milvus)
  zilliz.cloud.zilliz_role:
    name: orders_reader
    privileges:
      - {object_type: Collection, object_name: orders, privilege: Search}
      - {object_type: Collection, object_name: orders, privilege: Query}
      - {object_type: Global, privilege: DescribeCollection}

# Zilliz Cloud only (or Milvus 2.4.18+: built-in privilege groups)
- name: A read-only role for a database on Zilliz Cloud or Milvus 2.4.18+ (built-in privilege groups)
  zilliz.cloud.zilliz_role:
    name: analytics_ro
    privileges:
      - {privilege: DatabaseReadOnly, object_name: '*', db_name: analytics}
      - {privilege: CollectionReadOnly, object_name: '*', db_name: analytics}

- name: Grant one more privilege, keep the others
  zilliz.cloud.zilliz_role:
    name: orders_reader
    privileges:
      - {object_type: Collection, object_name: orders, privilege: GetLoadState}
    privileges_mode: append

- name: Every custom role of the cluster; drop the ones not listed (at most two per run)
  zilliz.cloud.zilliz_role:
    roles:
      - name: orders_reader
        privileges:
          - {object_type: Collection, object_name: orders, privilege: Search}
      - name: etl_writer
        privileges:
          - {object_type: Collection, object_name: '*', privilege: Insert, db_name: analytics}
          - {object_type: Collection, object_name: '*', privilege: Upsert, db_name: analytics}
    exclusive: true
    protected_roles: [monitoring]
    max_drops: 2

- name: Adopt a cluster set up by hand - what zilliz_role_info reads, given back, changes nothing
  block:
    - name: Read the custom roles
      zilliz.cloud.zilliz_role_info:
      register: current
    - name: The same roles, now managed by Ansible
      zilliz.cloud.zilliz_role:
        roles: "{{ current.custom_roles }}"

- name: Drop a role (its privileges are revoked first; its members lose it)
  zilliz.cloud.zilliz_role:
    name: old_reporting
    state: absent

# Ad hoc, with the connection from the environment (ZILLIZ_URI, ZILLIZ_USER, ZILLIZ_PASSWORD):
#   ansible localhost -m zilliz.cloud.zilliz_role -a "name=old_reporting state=absent" --check --diff
'''

RETURN = r'''
role:
  description: The role after the task (single-role form only).
  returned: when O(name) is used
  type: dict
  contains:
    name:
      description: Role name.
      type: str
      sample: orders_reader
    exists:
      description: Whether the role exists after the task (in check mode, would exist).
      type: bool
      sample: true
    privileges:
      description: The role's privileges after the task, in every database, sorted; each in the form O(privileges) takes.
      type: list
      elements: dict
      sample: [{privilege: Search, object_type: Collection, object_name: orders, db_name: default}]
roles:
  description:
    - One result per item of O(roles), in order, then one per role dropped by O(exclusive).
    - With O(report_unchanged=false), only the roles that change (or in check mode would change).
  returned: when O(roles) is used
  type: list
  elements: dict
  contains:
    name:
      description: Role name.
      type: str
    state:
      description: The requested state (V(absent) for roles dropped by O(exclusive)).
      type: str
    changed:
      description: Whether this role changed.
      type: bool
    exists:
      description: Whether the role exists after the task.
      type: bool
    privileges:
      description: Privileges after the task.
      type: list
      elements: dict
    actions:
      description: Actions for this role.
      type: list
      elements: str
    unlisted:
      description: Present and true for roles dropped because O(exclusive) is set.
      type: bool
actions:
  description:
    - What was done, or in check mode what would be done. V(create_role), V(drop_role),
      V(grant:<object type>:<object name>:<privilege>@<database>) and V(revoke:...); a grant that only
      OperatePrivilegeV2 makes (a privilege group) shows V(v2) as its object type.
    - With O(roles), each entry is prefixed with the role name, for example C(orders_reader:create_role).
    - On a failure after changes began, what was done before the failure.
  returned: success, and on failures after the first change
  type: list
  elements: str
  sample: [create_role, "grant:Collection:orders:Search@default"]
summary:
  description: Role names by outcome.
  returned: success
  type: dict
  contains:
    created:
      description: Roles created.
      type: list
      elements: str
    privileges_changed:
      description: Existing roles whose privileges were granted or revoked.
      type: list
      elements: str
    dropped:
      description: Roles dropped.
      type: list
      elements: str
    unchanged:
      description: Roles left as they were.
      type: list
      elements: str
  sample: {created: [orders_reader], privileges_changed: [], dropped: [], unchanged: [etl_writer]}
error_category:
  description: Why the task failed.
  returned: failure
  type: str
  sample: invalid_input
'''

from ansible_collections.zilliz.cloud.plugins.module_utils._module import ZillizModule
from ansible_collections.zilliz.cloud.plugins.module_utils._roles import RoleReconciler
from ansible_collections.zilliz.cloud.plugins.module_utils._specs import (
    POLICIES, managing_spec, per_role_spec, role_item_spec,
)


def argument_spec():
    return managing_spec(
        per_role_spec(), role_item_spec(), 'roles', 'protected_roles',
        validate_privilege_names=dict(type='bool', default=True),
        name_policy=dict(type='str', default='auto', choices=POLICIES),
    )


def main():
    ZillizModule.manage(RoleReconciler, argument_spec(), single_only=('name', 'privileges'))


if __name__ == '__main__':
    main()
