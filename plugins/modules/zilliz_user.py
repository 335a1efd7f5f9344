#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: zilliz_user
short_description: Manage users of a Zilliz Cloud dedicated cluster or a Milvus server
version_added: 1.0.0
description:
  - Creates, drops and rotates the password of users, and grants or revokes their roles, on a Zilliz Cloud
    dedicated cluster or a self-hosted Milvus server with authentication enabled.
  - Manages one user (O(name)) or a whole list in one task (O(users)), with one connection, one listing of
    users and roles, and only the requests that are needed. Provisioning 100 users in one task costs
    about as much as a hand-written pymilvus script.
  - Idempotent. A password cannot be read back, so the module checks whether the requested password already
    authenticates as the user (a login test, read-only) and changes nothing when it does. After any change it
    checks that the new password works.
  - Never drops and re-creates a user to change its password (that would lose its role grants).
  - Refuses to drop C(root), C(db_admin) and the user it is connected as.
  - Refuses to revoke C(admin) (on Zilliz Cloud also C(db_admin)) from the user it is connected as, in any
    O(roles_mode); that user would lose the right to manage users. Run such a task as another admin user.
  - Refuses Zilliz Cloud serverless endpoints before connecting; Zilliz Cloud manages users on Dedicated
    clusters only.
  - Everything that can be checked without the server is checked before the first request, and a batch with
    one bad item fails with every problem named and nothing changed.
author:
  - zilliz.cloud contributors (@zilliz)
extends_documentation_fragment:
  - zilliz.cloud.connection
  - zilliz.cloud.attributes.changes
  - zilliz.cloud.items.users
  - zilliz.cloud.items.report
options:
  name:
    description:
      - Name of the user. Starts with a letter; letters, digits and underscores; 1 to 32 characters.
      - Exactly one of O(name) and O(users) is required.
    type: str
    aliases: [user]
  state:
    description:
      - V(present) creates the user if needed and manages its roles; with O(update_password=always) also
        brings its password to O(password).
      - V(absent) drops the user (irreversible).
      - V(password) rotates the password of an existing user to O(password); fails, creating nothing,
        when the user does not exist.
      - With O(users), the default for items that do not set their own.
    type: str
    choices: [present, absent, password]
    default: present
  password:
    description:
      - The password to create the user with, or with O(state=password) / O(update_password=always) the password
        the user must end up with.
      - Milvus accepts 6 to 72 bytes (UTF-8). Zilliz Cloud asks for 8 to 64 characters using at least three of
        upper case, lower case, digits and special characters; see O(password_policy).
    type: str
  current_password:
    description:
      - The user's current password. Milvus and Zilliz Cloud require it to change a password unless the connecting
        user is listed in the server's C(common.security.superUsers) (say so with O(login_superuser)).
      - Used only when the password must change (O(state=password), or O(update_password=always) with a password
        that does not authenticate); then it is checked before anything changes, and a wrong one fails the task.
      - For the user the task is connected as, O(login_password) is used when this is not set.
    type: str
  update_password:
    description:
      - V(on_create) sets O(password) only when the user is created.
      - V(always) also changes an existing user's password when O(password) does not authenticate as that user.
      - With O(users), the default for items that do not set their own.
    type: str
    choices: [always, on_create]
    default: on_create
  roles:
    description:
      - Roles for the user, handled according to O(roles_mode). Omit to leave role grants alone.
      - Every role must exist; a missing one fails the task, naming it, before anything changes.
      - With O(users), the default for items that do not set their own.
    type: list
    elements: str
  roles_mode:
    description:
      - V(exact) the user ends with exactly O(roles) (an empty list revokes every role).
      - V(append) grants O(roles) and keeps other grants.
      - V(remove) revokes O(roles) and keeps other grants.
      - With O(users), the default for items that do not set their own.
    type: str
    choices: [exact, append, remove]
    default: exact
  exclusive:
    description:
      - With O(users), drop every user on the server that is not in the list, except C(root), C(db_admin),
        the connecting user and O(protected_users).
      - Refused with an empty O(users) list, which would drop every other user.
    type: bool
    default: false
  protected_users:
    description:
      - Users that O(exclusive) never drops, in addition to C(root), C(db_admin) and the connecting user.
    type: list
    elements: str
    default: []
  login_superuser:
    description:
      - Whether the login user is listed in the server's C(common.security.superUsers), which lets it change
        another user's password without its current password (O(update_password=always) or O(state=password)
        without O(current_password)).
      - The server's configuration cannot be read, so such a change is refused before any change (in check
        mode too) unless this is V(true). The login user's own password never needs it.
    type: bool
    default: false
  check_mode_roles:
    description:
      - Deprecated, to be removed in 2.0.0. Use M(zilliz.cloud.zilliz_access), which plans the roles and the users
        of a cluster in one run, so that check mode sees the roles it would create; the role
        P(zilliz.cloud.cluster_users#role) does.
      - Roles that an earlier task of the same run creates (M(zilliz.cloud.zilliz_role)), so that in check mode,
        where that task created nothing, they do not exist yet. In check mode they are treated as existing;
        otherwise this option is ignored.
    type: list
    elements: str
  max_drops:
    description:
      - The most users that O(exclusive) may drop in one run. When a run would drop more, it fails before any
        change and names the users it would have dropped.
      - A guard for lists that come from a dynamic source (an inventory, a lookup) and may come back short.
      - Unset means no limit. Users dropped with O(state=absent) items do not count.
    type: int
  password_policy:
    description:
      - Which password rules to check before connecting.
      - V(milvus) 6 to 72 bytes.
      - V(zilliz) the Zilliz Cloud policy as well (8 to 64 characters, three character classes), and the
        Zilliz Cloud limit of 100 users per cluster, checked before any change.
      - V(auto) Zilliz Cloud rules when O(uri) is a Zilliz Cloud host (C(*.zillizcloud.com), C(*.cloud.zilliz.com)),
        Milvus rules otherwise.
    type: str
    choices: [auto, milvus, zilliz]
    default: auto
notes:
  - On a server with authentication disabled every password "works", so passwords cannot be verified; the
    module warns instead of claiming they were.
  - To provision the users of many clusters from an inventory, see the role C(zilliz.cloud.cluster_users).
  - When two runs create the same user at once, the one that loses the race reports the user as already
    present instead of failing.
seealso:
  - module: zilliz.cloud.zilliz_user_info
  - module: zilliz.cloud.zilliz_connection_check
'''

EXAMPLES = r'''
# Secrets live in a vaulted vars file (ansible-vault create vars/zilliz.yml),
# never inline next to tasks: a failing task's source lines are shown on error.
- name: Create a read-only user on a Zilliz Cloud dedicated cluster
  zilliz.cloud.zilliz_user:
    uri: https://in01-abc123.aws-us-west-2.vectordb.zillizcloud.com:19530
    login_user: db_admin
    login_password: "{{ vault_db_admin_password }}"
    name: reporting
    password: "{{ vault_reporting_password }}"
    roles: [db_ro]

- name: Rotate a password (the current one is required unless connecting as a superuser)
  zilliz.cloud.zilliz_user:
    name: reporting
    state: password
    current_password: "{{ vault_reporting_old_password }}"
    password: "{{ vault_reporting_password }}"

- name: Reset passwords as a user listed in the server's common.security.superUsers (self-hosted Milvus)
  zilliz.cloud.zilliz_user:
    users:
      - {name: etl, password: "{{ vault_etl_password }}"}
    update_password: always
    login_superuser: true

- name: Provision many users in one task, with connection options set once for the group
  module_defaults:
    group/zilliz.cloud.zilliz:
      uri: "{{ zilliz_uri }}"
      login_user: db_admin
      login_password: "{{ vault_db_admin_password }}"
  block:
    - name: Users of the analytics team
      zilliz.cloud.zilliz_user:
        users:
          - name: etl
            password: "{{ vault_etl_password }}"
            roles: [db_rw]
          - name: dashboard
            password: "{{ vault_dashboard_password }}"
            roles: [db_ro]
          - name: intern2025
            state: absent
      register: provisioned

- name: Drop every user that is not listed (root, db_admin and the login user are always kept)
  zilliz.cloud.zilliz_user:
    users: "{{ cluster_accounts }}"
    exclusive: true
    protected_users: [monitoring]

# Ad hoc, with the connection from the environment (ZILLIZ_URI, ZILLIZ_USER, ZILLIZ_PASSWORD):
#   ansible localhost -m zilliz.cloud.zilliz_user -a "name=old_service state=absent"
#   ansible localhost -m zilliz.cloud.zilliz_user -a "name=reader roles=db_ro roles_mode=append" --check --diff
'''

RETURN = r'''
user:
  description: The user after the task (single-user form only).
  returned: when O(name) is used
  type: dict
  contains:
    name:
      description: User name.
      type: str
      sample: reporting
    exists:
      description: Whether the user exists after the task (in check mode, would exist).
      type: bool
      sample: true
    roles:
      description: Roles granted to the user after the task, sorted.
      type: list
      elements: str
      sample: [db_ro]
password_changed:
  description: Whether the password of an existing user was (or in check mode would be) changed.
  returned: when O(name) is used
  type: bool
  sample: false
actions:
  description:
    - What was done, or in check mode what would be done. Never contains a secret.
    - With O(users), each entry is prefixed with the user name, for example C(etl:grant_role:db_rw).
    - On a failure after changes began, what was done before the failure.
  returned: success, and on failures after the first change
  type: list
  elements: str
  sample: [create_user, "grant_role:db_ro"]
users:
  description:
    - One result per item of O(users), in order, then one per user dropped by O(exclusive).
    - With O(report_unchanged=false), only the users that change (or in check mode would change).
  returned: when O(users) is used
  type: list
  elements: dict
  contains:
    name:
      description: User name.
      type: str
    state:
      description: The requested state (V(absent) for users dropped by O(exclusive)).
      type: str
    changed:
      description: Whether this user changed.
      type: bool
    exists:
      description: Whether the user exists after the task.
      type: bool
    roles:
      description: Roles after the task.
      type: list
      elements: str
    password_changed:
      description: Whether the password of an existing user was changed.
      type: bool
    actions:
      description: Actions for this user.
      type: list
      elements: str
    unlisted:
      description: Present and true for users dropped because O(exclusive) is set.
      type: bool
  sample:
    - {name: etl, state: present, changed: true, exists: true, roles: [db_rw], password_changed: false,
       actions: [create_user, "grant_role:db_rw"]}
summary:
  description: User names by outcome, for readable job output.
  returned: success
  type: dict
  contains:
    created:
      description: Users created.
      type: list
      elements: str
    password_changed:
      description: Existing users whose password was changed.
      type: list
      elements: str
    roles_changed:
      description: Users with roles granted or revoked.
      type: list
      elements: str
    dropped:
      description: Users dropped.
      type: list
      elements: str
    unchanged:
      description: Users left as they were.
      type: list
      elements: str
  sample: {created: [etl], password_changed: [], roles_changed: [etl], dropped: [], unchanged: [dashboard]}
error_category:
  description: Why the task failed.
  returned: failure
  type: str
  sample: invalid_input
'''

from ansible_collections.zilliz.cloud.plugins.module_utils._module import ZillizModule
from ansible_collections.zilliz.cloud.plugins.module_utils._specs import (
    POLICIES, managing_spec, per_user_spec, user_item_spec,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._users import UserReconciler


def argument_spec():
    return managing_spec(
        per_user_spec(), user_item_spec(), 'users', 'protected_users',
        check_mode_roles=dict(type='list', elements='str', removed_in_version='2.0.0',
                              removed_from_collection='zilliz.cloud'),
        login_superuser=dict(type='bool', default=False),
        password_policy=dict(type='str', default='auto', choices=POLICIES, no_log=False),
    )


def main():
    ZillizModule.manage(UserReconciler, argument_spec(), single_only=('name', 'password', 'current_password'))


if __name__ == '__main__':
    main()
