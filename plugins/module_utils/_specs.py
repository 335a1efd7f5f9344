# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The argument specs of the managing modules, in one place: zilliz_user and
zilliz_role take them, and zilliz_access takes the same list items.

INTERNAL: private to the zilliz.cloud collection.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

USER_STATES = ['present', 'absent', 'password']
UPDATE_PASSWORD_CHOICES = ['always', 'on_create']
ROLES_MODES = ['exact', 'append', 'remove']
ROLE_STATES = ['present', 'absent']
PRIVILEGES_MODES = ['exact', 'append', 'remove']
POLICIES = ['auto', 'milvus', 'zilliz']

# Whether a batch result has an entry for every subject or only for those that change (doc fragment items.report).
REPORT_UNCHANGED = dict(type='bool', default=True)

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


def _items(per_item):
    """The options of a list item: the per-subject options, aliases included, without their defaults
    (what an item leaves out comes from the top level), name required."""
    item = dict((key, dict((k, v) for k, v in spec.items() if k != 'default')) for key, spec in per_item.items())
    item['name']['required'] = True
    return item


def managing_spec(per_subject, items, list_key, protected_key, **extra):
    """The argument spec of a module that manages one kind of subject: the single form's options, the batch
    option, the exclusive clean-up and its guards, then the module's own options."""
    spec = dict(per_subject)
    spec[list_key] = dict(type='list', elements='dict', options=items)
    spec['exclusive'] = dict(type='bool', default=False)
    spec[protected_key] = dict(type='list', elements='str', default=[])
    spec['max_drops'] = dict(type='int')
    spec['report_unchanged'] = dict(REPORT_UNCHANGED)
    spec.update(extra)
    return spec


def user_item_spec():
    """The options of an item of zilliz_user's `users`."""
    return _items(per_user_spec())


def role_item_spec():
    """The options of an item of zilliz_role's `roles`."""
    return _items(per_role_spec())
