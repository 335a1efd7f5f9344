# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The list of roles of zilliz_role and zilliz_access (_specs.role_item_spec).
    ROLES = r'''
options:
  roles:
    description:
      - Many roles in one task, one item per role, with one connection, one listing of roles and one of databases.
      - An item leaving out O(roles[].state) or O(roles[].privileges_mode) takes the option of the same name of
        M(zilliz.cloud.zilliz_role); in M(zilliz.cloud.zilliz_access), V(present) and V(exact).
      - The items returned by M(zilliz.cloud.zilliz_role_info) can be passed back as they are.
      - In M(zilliz.cloud.zilliz_role), mutually exclusive with its O(zilliz.cloud.zilliz_role#module:name) and
        O(zilliz.cloud.zilliz_role#module:privileges).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the role, as O(zilliz.cloud.zilliz_role#module:name).
        type: str
        required: true
        aliases: [role]
      state:
        description: V(present) or V(absent), as O(zilliz.cloud.zilliz_role#module:state).
        type: str
        choices: [present, absent]
      privileges:
        description:
          - The privileges the role should hold, as O(zilliz.cloud.zilliz_role#module:privileges); left out, they
            are not touched.
        type: list
        elements: dict
        suboptions:
          privilege:
            description:
              - A privilege name as Milvus spells it, or without O(roles[].privileges[].object_type) a privilege
                group, as O(zilliz.cloud.zilliz_role#module:privileges[].privilege).
            type: str
            required: true
          object_type:
            description: V(Global), V(Collection) or V(User); left out for a privilege-group grant.
            type: str
            choices: [Global, Collection, User]
          object_name:
            description: The collection or user; V(*) for all.
            type: str
            default: '*'
          db_name:
            description: The database (it must exist); V(*) for every database.
            type: str
            default: default
      privileges_mode:
        description: V(exact), V(append) or V(remove), as O(zilliz.cloud.zilliz_role#module:privileges_mode).
        type: str
        choices: [exact, append, remove]
'''

    # The list of users of zilliz_user and zilliz_access (_specs.user_item_spec).
    USERS = r'''
options:
  users:
    description:
      - Many users in one task, one item per user, with one connection and one listing of users.
      - An item leaving out an option takes the option of the same name of M(zilliz.cloud.zilliz_user) (O(users[].state),
        O(users[].update_password), O(users[].roles), O(users[].roles_mode)); in M(zilliz.cloud.zilliz_access), that
        option's default there.
      - A role an item names must exist, or, in M(zilliz.cloud.zilliz_access), be created by its O(roles).
      - The items returned by M(zilliz.cloud.zilliz_user_info) can be passed back as they are.
      - In M(zilliz.cloud.zilliz_user), mutually exclusive with its O(zilliz.cloud.zilliz_user#module:name),
        O(zilliz.cloud.zilliz_user#module:password) and O(zilliz.cloud.zilliz_user#module:current_password).
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the user, as O(zilliz.cloud.zilliz_user#module:name).
        type: str
        required: true
        aliases: [user]
      state:
        description: V(present), V(absent) or V(password), as O(zilliz.cloud.zilliz_user#module:state).
        type: str
        choices: [present, absent, password]
      password:
        description:
          - The password to create the user with, or the one it must end up with, as
            O(zilliz.cloud.zilliz_user#module:password).
        type: str
      current_password:
        description:
          - The user's current password, when its password must change, as
            O(zilliz.cloud.zilliz_user#module:current_password).
        type: str
      update_password:
        description: V(on_create) or V(always), as O(zilliz.cloud.zilliz_user#module:update_password).
        type: str
        choices: [always, on_create]
      roles:
        description: Roles of the user; left out, its grants are not touched.
        type: list
        elements: str
      roles_mode:
        description: V(exact), V(append) or V(remove), as O(zilliz.cloud.zilliz_user#module:roles_mode).
        type: str
        choices: [exact, append, remove]
'''

    # report_unchanged of zilliz_user, zilliz_role and zilliz_access (_specs.REPORT_UNCHANGED).
    REPORT = r'''
options:
  report_unchanged:
    description:
      - With a list of items (C(users) of M(zilliz.cloud.zilliz_user), C(roles) of M(zilliz.cloud.zilliz_role),
        both in M(zilliz.cloud.zilliz_access)), whether the result has an entry for every item (V(true)) or only
        for those that change, or in check mode would change (V(false)).
      - The summary names every subject either way, the unchanged ones under C(unchanged). V(false) keeps the
        result of a large list that changes little small, which saves time on the controller and the module
        side alike (P(zilliz.cloud.cluster_users#role) uses it by default).
    type: bool
    default: true
'''
