# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The argument specs of the managing modules, in one place: zilliz_user and
zilliz_role take them, and zilliz_access takes the same list items.

INTERNAL: private to the zilliz.cloud collection.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.zilliz.cloud.plugins.module_utils._engine import batch_item_spec

USER_STATES = ['present', 'absent', 'password']
UPDATE_PASSWORD_CHOICES = ['always', 'on_create']
ROLES_MODES = ['exact', 'append', 'remove']
ROLE_STATES = ['present', 'absent']
PRIVILEGES_MODES = ['exact', 'append', 'remove']
POLICIES = ['auto', 'milvus', 'zilliz']

PRIVILEGE_ITEM = dict(
    privilege=dict(type='str', required=True),
    object_type=dict(type='str', choices=['Global', 'Collection', 'User']),
    object_name=dict(type='str', default='*'),
    db_name=dict(type='str', default='default'),
)


def per_user_spec():
    return dict(
        name=dict(type='str', aliases=['user']),
        state=dict(type='str', default='present', choices=USER_STATES),
        password=dict(type='str', no_log=True),
        current_password=dict(type='str', no_log=True),
        update_password=dict(type='str', default='on_create', choices=UPDATE_PASSWORD_CHOICES, no_log=False),
        roles=dict(type='list', elements='str'),
        roles_mode=dict(type='str', default='exact', choices=ROLES_MODES),
    )


def per_role_spec():
    return dict(
        name=dict(type='str', aliases=['role']),
        state=dict(type='str', default='present', choices=ROLE_STATES),
        privileges=dict(type='list', elements='dict', options=PRIVILEGE_ITEM),
        privileges_mode=dict(type='str', default='exact', choices=PRIVILEGES_MODES),
    )


def user_item_spec():
    """The options of an item of zilliz_user's `users`."""
    return batch_item_spec(per_user_spec())


def role_item_spec():
    """The options of an item of zilliz_role's `roles`."""
    return batch_item_spec(per_role_spec())
