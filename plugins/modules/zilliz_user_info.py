#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: zilliz_user_info
short_description: List the users and roles of a Zilliz Cloud cluster or Milvus server
version_added: 1.0.0
description:
  - Lists the cluster's users with their roles (or one user with O(name)), and the roles that exist.
  - Read-only. Two requests, whatever the number of users.
  - With O(privileges=true), also what each user may do (its effective access), that is every grant it holds through
    each of its roles and through C(public), with the role it comes from, per database and object, and flags
    on the sweeping ones. The roles' grants are read once for all users (one request per role and database,
    made concurrently).
author:
  - zilliz.cloud contributors (@zilliz)
extends_documentation_fragment:
  - zilliz.cloud.connection
  - zilliz.cloud.attributes.read_only
options:
  name:
    description:
      - Only this user. A user without the privilege to list users may still read itself.
    type: str
    aliases: [user]
  privileges:
    description:
      - Also return each user's effective access (RV(users[].privileges), RV(users[].sweeping),
        RV(users[].privileged)), every role's grants (RV(role_grants)) and the databases (RV(databases)).
      - Needs the privilege to read roles and grants (C(SelectOwnership) on C(Global); C(admin) has it).
      - Grants are read in every database the server lists; those of a database that was dropped are not shown.
    type: bool
    default: false
seealso:
  - module: zilliz.cloud.zilliz_user
  - module: zilliz.cloud.zilliz_role_info
'''

EXAMPLES = r'''
- name: Read all users and roles
  zilliz.cloud.zilliz_user_info:
    uri: "{{ zilliz_uri }}"
    login_user: db_admin
    login_password: "{{ vault_db_admin_password }}"
  register: info

- name: Show who has the admin role
  ansible.builtin.debug:
    msg: "{{ info.users | selectattr('roles', 'contains', 'admin') | map(attribute='name') | list }}"

- name: What each user may do, through which role
  zilliz.cloud.zilliz_user_info:
    privileges: true
  register: access

- name: Users with sweeping access (admin, db_admin, cluster-level groups, '*' privileges, managing users and roles)
  ansible.builtin.debug:
    msg: "{{ access.users | selectattr('privileged') | map(attribute='name') | list }}"

# Ad hoc: ansible localhost -m zilliz.cloud.zilliz_user_info -a name=reporting
# Ad hoc: ansible localhost -m zilliz.cloud.zilliz_user_info -a "name=reporting privileges=true"
'''

RETURN = r'''
users:
  description: Users, sorted by name, with their roles. Empty when O(name) does not exist.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: User name.
      type: str
    roles:
      description: Roles granted to the user, sorted.
      type: list
      elements: str
    privileges:
      description:
        - What the user may do, sorted by database, object type, object name, privilege and role; one entry per
          grant and role it comes from. C(public)'s grants are included (every user holds that role).
        - C(object_type) is the type the server stores the grant under (C(Global) for a privilege group).
        - C(db_name=*) is a grant for every database; C(object_name=*) on C(Collection) every collection of the
          database. Global grants are always stored with C(object_name=*).
        - The C(admin) role (and the superuser C(root), with C(role=null)) is one entry with every field C(*),
          since the server checks nothing for them.
      returned: when O(privileges=true)
      type: list
      elements: dict
      contains:
        role:
          description: The role the grant comes from; null for the superuser entry of C(root).
          type: str
        privilege:
          description: Privilege or privilege group name, C(*) for every privilege.
          type: str
        object_type:
          description: C(Global), C(Collection) or C(User); C(*) in the admin and root entries.
          type: str
        object_name:
          description: Collection or user name, C(*) for every one.
          type: str
        db_name:
          description: Database, C(*) for every database.
          type: str
        sweeping:
          description:
            - Why the grant reaches far, sorted; empty for a narrow grant. V(superuser) (C(root)), V(admin_role),
              V(db_admin_role), V(cluster_group) (C(ClusterReadOnly), C(ClusterReadWrite), C(ClusterAdmin)),
              V(any_privilege) (C(*), C(All), C(Admin)), V(any_object), V(any_database), V(manages_access) (may
              create, drop or grant users and roles).
          type: list
          elements: str
    sweeping:
      description: The flags of all its grants, sorted (also V(db_admin_role) when it holds C(db_admin)).
      returned: when O(privileges=true)
      type: list
      elements: str
    privileged:
      description:
        - Whether it holds a sweeping grant beyond a wide reach, that is any flag but V(any_object) and
          V(any_database) (which C(public)'s built-in grants have).
      returned: when O(privileges=true)
      type: bool
  sample:
    - {name: root, roles: []}
    - name: reporting
      roles: [db_ro]
      privileges:
        - {role: public, privilege: DescribeCollection, object_type: Global, object_name: '*', db_name: '*',
           sweeping: [any_database]}
        - {role: db_ro, privilege: Search, object_type: Collection, object_name: orders, db_name: default,
           sweeping: []}
      sweeping: [any_database]
      privileged: false
roles:
  description: Roles that exist on the server, sorted; null when the user may not list them.
  returned: success
  type: list
  elements: str
  sample: [admin, db_ro, public]
role_grants:
  description:
    - Every role (with O(name), that user's roles and C(public)) with its members and grants, in the form of
      RV(users[].privileges). C(public) lists every user as a member.
  returned: when O(privileges=true)
  type: list
  elements: dict
  contains:
    name:
      description: Role name.
      type: str
    users:
      description: Its members, sorted.
      type: list
      elements: str
    privileges:
      description: Its grants, as in RV(users[].privileges).
      type: list
      elements: dict
    sweeping:
      description: The flags of its grants, sorted.
      type: list
      elements: str
    privileged:
      description: Whether a member is privileged through it.
      type: bool
  sample:
    - {name: db_ro, users: [reporting], sweeping: [], privileged: false,
       privileges: [{role: db_ro, privilege: Search, object_type: Collection, object_name: orders,
                     db_name: default, sweeping: []}]}
databases:
  description: The databases the server lists (the grants were read in each).
  returned: when O(privileges=true)
  type: list
  elements: str
  sample: [default, analytics]
exists:
  description: Whether O(name) exists.
  returned: when O(name) is given
  type: bool
  sample: true
error_category:
  description: Why the task failed.
  returned: failure
  type: str
  sample: forbidden
'''

from ansible_collections.zilliz.cloud.plugins.module_utils._access import effective_access, read_access, role_access
from ansible_collections.zilliz.cloud.plugins.module_utils._errors import FORBIDDEN, ZillizError
from ansible_collections.zilliz.cloud.plugins.module_utils._module import ZillizModule
from ansible_collections.zilliz.cloud.plugins.module_utils._validation import user_name_problems


def read(conn, name):
    """Users with roles (only `name` when given: one RPC, which a user may make
    for itself), and the roles that exist, or None when they may not be listed."""
    users = conn.users_with_roles(only=name)
    try:
        roles = sorted(conn.list_roles())
    except ZillizError as error:
        if error.category != FORBIDDEN:
            raise
        roles = None
    return [dict(name=n, roles=sorted(r)) for n, r in sorted(users.items())], roles


def read_with_access(conn, name):
    """The same, each user with its effective access, plus every role's grants and the databases."""
    users, roles, shown, databases, grants = read_access(conn, only=name)
    return effective_access(users, grants), roles, dict(role_grants=role_access(users, shown, grants),
                                                        databases=databases)


def main():
    module = ZillizModule(
        argument_spec=dict(name=dict(type='str', aliases=['user']), privileges=dict(type='bool', default=False)),
        supports_check_mode=True,
    )
    name = module.params['name']
    problems = user_name_problems(name) if name is not None else []
    extra = {}
    if module.params['privileges']:
        users, roles, extra = module.run_reader(lambda conn: read_with_access(conn, name), problems)
    else:
        users, roles = module.run_reader(lambda conn: read(conn, name), problems)
    result = dict(changed=False, users=users, roles=roles, **extra)
    if name:
        result['exists'] = bool(users)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
