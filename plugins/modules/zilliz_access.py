#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: zilliz_access
short_description: Manage the custom roles and the users of a Zilliz Cloud dedicated cluster or a Milvus server in one task
version_added: 1.0.0
description:
  - Brings a cluster's custom roles to O(roles) and its users to O(users) in one module run, on one connection,
    roles first, so that users can hold roles the same run creates. It does what M(zilliz.cloud.zilliz_role) with
    O(zilliz.cloud.zilliz_role#module:roles) and then M(zilliz.cloud.zilliz_user) with
    O(zilliz.cloud.zilliz_user#module:users) do, with the same item options and checks, in one module process
    instead of two.
  - Its result is what M(zilliz.cloud.zilliz_user) returns for the users, with what M(zilliz.cloud.zilliz_role)
    returns for the roles under RV(roles_result).
  - Both lists are planned before the first change. A bad item in either list (an invalid name, a role no list
    creates, a wrong current password) fails the task with every problem named, and nothing changes.
  - Check mode and diff see the whole run, users holding roles that would be created included; roles that would
    be dropped are no longer held by anyone.
  - A list left out is not managed - O(roles) left out, no role is read or changed beyond what O(users) needs.
  - The role P(zilliz.cloud.cluster_users#role) runs this module, one task per cluster.
author:
  - zilliz.cloud contributors (@zilliz)
extends_documentation_fragment:
  - zilliz.cloud.connection
  - zilliz.cloud.attributes.changes
  - zilliz.cloud.items.users
  - zilliz.cloud.items.roles
  - zilliz.cloud.items.report
options:
  roles_exclusive:
    description:
      - With O(roles), drop every custom role that is not listed, as O(zilliz.cloud.zilliz_role#module:exclusive).
    type: bool
    default: false
  protected_roles:
    description: Roles that O(roles_exclusive) never drops, in addition to the built-in ones.
    type: list
    elements: str
    default: []
  users_exclusive:
    description:
      - With O(users), drop every user that is not listed, except C(root), C(db_admin), the connecting user and
        O(protected_users), as O(zilliz.cloud.zilliz_user#module:exclusive).
    type: bool
    default: false
  protected_users:
    description: Users that O(users_exclusive) never drops, in addition to C(root), C(db_admin) and the connecting user.
    type: list
    elements: str
    default: []
  max_drops:
    description:
      - The most roles that O(roles_exclusive), and the most users that O(users_exclusive), may drop in one run.
        When a run would drop more, it fails before any change. Unset means no limit.
    type: int
  login_superuser:
    description: As O(zilliz.cloud.zilliz_user#module:login_superuser).
    type: bool
    default: false
  password_policy:
    description: As O(zilliz.cloud.zilliz_user#module:password_policy).
    type: str
    choices: [auto, milvus, zilliz]
    default: auto
  name_policy:
    description: As O(zilliz.cloud.zilliz_role#module:name_policy).
    type: str
    choices: [auto, milvus, zilliz]
    default: auto
  validate_privilege_names:
    description: As O(zilliz.cloud.zilliz_role#module:validate_privilege_names).
    type: bool
    default: true
notes:
  - Passwords are marked C(no_log) and never appear in the results.
seealso:
  - module: zilliz.cloud.zilliz_role
  - module: zilliz.cloud.zilliz_user
'''

EXAMPLES = r'''
# Secrets live in a vaulted vars file, never inline next to tasks.
- name: The roles and the users of a cluster, in one module run
  zilliz.cloud.zilliz_access:
    uri: "{{ zilliz_uri }}"
    login_user: db_admin
    login_password: "{{ vault_db_admin_password }}"
    roles:
      - name: orders_reader
        privileges:
          - {object_type: Collection, object_name: orders, privilege: Search}
    users:
      - name: dashboard
        password: "{{ vault_dashboard_password }}"
        roles: [orders_reader]       # created above in the same run; check mode knows it too
      - name: intern2025
        state: absent
  register: access

- name: Users created, roles created
  ansible.builtin.debug:
    msg: "{{ access.summary.created }}, {{ access.roles_result.summary.created }}"
'''

RETURN = r'''
changed:
  description: Whether anything changed (or in check mode would change), roles or users.
  returned: always
  type: bool
summary:
  description: User names by outcome, as M(zilliz.cloud.zilliz_user) returns them for O(users).
  returned: when O(users) is given
  type: dict
  sample: {created: [dashboard], password_changed: [], roles_changed: [dashboard], dropped: [], unchanged: []}
users:
  description:
    - One result per item of O(users), then one per user dropped by O(users_exclusive), as
      M(zilliz.cloud.zilliz_user) returns them.
    - With O(report_unchanged=false), only the users that change (or in check mode would change); the same goes
      for the roles under RV(roles_result).
  returned: when O(users) is given
  type: list
  elements: dict
actions:
  description:
    - What was done to users, or in check mode what would be done, as M(zilliz.cloud.zilliz_user) returns it
      (for example C(dashboard:grant_role:orders_reader)). Never contains a secret.
    - On a failure after changes began, what was done before the failure.
  returned: when O(users) is given, and on failures after the first change
  type: list
  elements: str
roles_result:
  description:
    - What M(zilliz.cloud.zilliz_role) returns for O(roles) - C(changed), C(summary), C(roles), C(actions) - in
      the same shape.
    - On a failure after changes began, C(changed) and C(actions) say what was done.
  returned: when O(roles) is given
  type: dict
  sample: {changed: true, summary: {created: [orders_reader], privileges_changed: [], dropped: [], unchanged: []},
           roles: [], actions: ["orders_reader:create_role"]}
error_category:
  description: Why the task failed.
  returned: failure
  type: str
  sample: invalid_input
'''

from ansible_collections.zilliz.cloud.plugins.module_utils._module import ZillizModule
from ansible_collections.zilliz.cloud.plugins.module_utils._roles import RoleReconciler
from ansible_collections.zilliz.cloud.plugins.module_utils._specs import (
    POLICIES, REPORT_UNCHANGED, role_item_spec, user_item_spec,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._users import UserReconciler


def argument_spec():
    return dict(
        roles=dict(type='list', elements='dict', options=role_item_spec()),
        users=dict(type='list', elements='dict', options=user_item_spec()),
        roles_exclusive=dict(type='bool', default=False),
        protected_roles=dict(type='list', elements='str', default=[]),
        users_exclusive=dict(type='bool', default=False),
        protected_users=dict(type='list', elements='str', default=[]),
        max_drops=dict(type='int'),
        login_superuser=dict(type='bool', default=False),
        password_policy=dict(type='str', default='auto', choices=POLICIES, no_log=False),
        name_policy=dict(type='str', default='auto', choices=POLICIES),
        validate_privilege_names=dict(type='bool', default=True),
        report_unchanged=dict(REPORT_UNCHANGED),
    )


def reconcilers(params, check_mode):
    """(result key, reconciler) for each list given, roles first: the roles' result
    goes under roles_result, the users' is the result itself (None). Each
    reconciler gets the options of its own module: `exclusive` is its kind's,
    and the users do not inherit the role list as their top-level `roles`."""
    kinds = []
    if params.get('roles') is not None:
        kinds.append(('roles_result', RoleReconciler(dict(params, exclusive=params['roles_exclusive']), check_mode)))
    if params.get('users') is not None:
        kinds.append((None, UserReconciler(dict(params, roles=None, exclusive=params['users_exclusive']), check_mode)))
    return kinds


def combined(kinds, build):
    """One result from each kind's: the users' at the top level, the roles' under roles_result;
    with --diff, Ansible's list of diffs (the roles', then the users')."""
    def result(*outcomes):
        out, diffs, changed = {}, [], False
        for (key, reconciler), outcome in zip(kinds, outcomes):
            part = build(reconciler, outcome)
            if 'diff' in part:
                header = 'roles' if key else 'users'
                diffs.append(dict(part.pop('diff'), before_header=header, after_header=header))
            out.update({key: part} if key else part)
            changed = changed or part['changed']
        out['changed'] = changed
        if diffs:
            out['diff'] = diffs
        return out
    return result


def main():
    module = ZillizModule(
        argument_spec=argument_spec(),
        required_one_of=[('roles', 'users')],
        supports_check_mode=True,
        manages_access=True,
    )
    kinds = reconcilers(module.params, module.check_mode)
    module.exit_json(**module.run_reconcilers(
        [reconciler for dummy, reconciler in kinds],
        combined(kinds, lambda reconciler, outcome: reconciler.changes(outcome)),
        combined(kinds, lambda reconciler, outcome: reconciler.result(outcome, diff=module._diff))))


if __name__ == '__main__':
    main()
