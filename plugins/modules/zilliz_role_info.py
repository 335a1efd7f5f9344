#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: zilliz_role_info
short_description: Read the roles of a Zilliz Cloud cluster or Milvus server, with their members and privileges
version_added: 1.0.0
description:
  - Lists every role (or the one named by O(name)) with its members and its privileges in every database.
  - Read-only. One listing of roles, one of databases, and one request per role and database, made concurrently.
  - Each privilege is a dict with exactly the keys that M(zilliz.cloud.zilliz_role) takes, and RV(custom_roles)
    is ready to be passed as its O(zilliz.cloud.zilliz_role#module:roles) option, which then changes nothing.
author:
  - zilliz.cloud contributors (@zilliz)
extends_documentation_fragment:
  - zilliz.cloud.connection
  - zilliz.cloud.attributes.read_only
options:
  name:
    description:
      - Only this role.
    type: str
    aliases: [role]
seealso:
  - module: zilliz.cloud.zilliz_role
  - module: zilliz.cloud.zilliz_user_info
'''

EXAMPLES = r'''
- name: Read every role
  zilliz.cloud.zilliz_role_info:
  register: info

- name: Who holds orders_reader, and what may it do
  ansible.builtin.debug:
    msg: "{{ info.roles | selectattr('name', 'equalto', 'orders_reader') | first }}"

- name: Bring the custom roles under Ansible as they are
  zilliz.cloud.zilliz_role:
    roles: "{{ info.custom_roles }}"
'''

RETURN = r'''
roles:
  description: Roles sorted by name. Empty when O(name) does not exist.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: Role name.
      type: str
    builtin:
      description:
        - Whether it is a built-in role (C(admin), C(public); on Zilliz Cloud hosts also C(db_admin), C(db_rw),
          C(db_ro)), which M(zilliz.cloud.zilliz_role) does not change.
      type: bool
    users:
      description: The role's members, sorted.
      type: list
      elements: str
    privileges:
      description:
        - The role's privileges in every database, sorted, each with the keys C(privilege), C(object_type),
          C(object_name) and C(db_name) (no C(object_type) for a privilege-group grant, as M(zilliz.cloud.zilliz_role)
          takes it).
        - Grants stored for every database (C(db_name=*)), such as the built-in ones of C(public), are listed once.
        - Not read for C(admin), which holds every privilege (empty list).
      type: list
      elements: dict
  sample:
    - name: orders_reader
      builtin: false
      users: [reporting]
      privileges:
        - {privilege: Search, object_type: Collection, object_name: orders, db_name: default}
custom_roles:
  description: The custom roles as M(zilliz.cloud.zilliz_role) takes them in O(zilliz.cloud.zilliz_role#module:roles)
    (C(name) and C(privileges)).
  returned: success
  type: list
  elements: dict
  sample: [{name: orders_reader, privileges: [{privilege: Search, object_type: Collection, object_name: orders,
                                               db_name: default}]}]
databases:
  description: The databases the server lists.
  returned: success
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

from ansible_collections.zilliz.cloud.plugins.module_utils._module import ZillizModule
from ansible_collections.zilliz.cloud.plugins.module_utils._roles import read_roles
from ansible_collections.zilliz.cloud.plugins.module_utils._validation import role_name_problems


def main():
    module = ZillizModule(
        argument_spec=dict(name=dict(type='str', aliases=['role'])),
        supports_check_mode=True,
    )
    name = module.params['name']
    roles, databases = module.run_reader(lambda conn: read_roles(conn, name),
                                         role_name_problems(name) if name is not None else [])
    custom = [dict(name=r['name'], privileges=r['privileges']) for r in roles if not r['builtin']]
    result = dict(changed=False, roles=roles, custom_roles=custom, databases=databases)
    if name is not None:
        result['exists'] = bool(roles)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
