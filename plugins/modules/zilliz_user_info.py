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
seealso:
  - module: zilliz.cloud.zilliz_user
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

# Ad hoc: ansible localhost -m zilliz.cloud.zilliz_user_info -a name=reporting
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
  sample: [{name: root, roles: []}, {name: reporting, roles: [db_ro]}]
roles:
  description: Roles that exist on the server, sorted; null when the user may not list them.
  returned: success
  type: list
  elements: str
  sample: [admin, db_ro, public]
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


def main():
    module = ZillizModule(
        argument_spec=dict(name=dict(type='str', aliases=['user'])),
        supports_check_mode=True,
    )
    name = module.params['name']
    users, roles = module.run_reader(lambda conn: read(conn, name),
                                     user_name_problems(name) if name is not None else [])
    result = dict(changed=False, users=users, roles=roles)
    if name:
        result['exists'] = bool(users)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
