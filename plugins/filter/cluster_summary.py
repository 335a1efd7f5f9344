# -*- coding: utf-8 -*-
# Copyright (c) 2026, zilliz.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The cluster_summary filter: the readable per-cluster summary that the
cluster_users role prints, built from the results of zilliz_user and
zilliz_role (their `summary` and per-item `actions`). Pure; unit-tested."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError


def _names(names, shown, max_names):
    text = ', '.join(shown[:max_names]) or '-'
    if len(names) > max_names:
        text += ' ... and %d more' % (len(names) - max_names)
    return text


def _changes(items, wanted, max_names, prefixes):
    """'etl +db_rw -db_ro' for the first max_names of `wanted`, from the per-item actions."""
    wanted = set(wanted[:max_names])
    lines = []
    for item in items or ():
        if item.get('name') in wanted:
            marks = []
            for action in item.get('actions') or ():
                for prefix, mark in prefixes:
                    if action.startswith(prefix):
                        marks.append(mark + action[len(prefix):])
            lines.append(' '.join([item['name']] + marks))
    return lines


def _row(label, names, shown, max_names):
    return '  %-19s %4d  %s' % (label, len(names), _names(names, shown, max_names))


def cluster_summary(users_result, roles_result=None, host='', uri=None, check_mode=False, max_names=10,
                    exclusive=False):
    """Lines that say what one cluster_users run did on one cluster."""
    if not isinstance(users_result, dict) or 'summary' not in users_result:
        raise AnsibleFilterError('cluster_summary expects the registered result of zilliz.cloud.zilliz_user')
    max_names = int(max_names)
    results = [users_result] + ([roles_result] if isinstance(roles_result, dict) and 'summary' in roles_result
                                else [])
    changed = any(r.get('changed') for r in results)
    if check_mode:
        verb = 'would change (check mode: nothing was changed)' if changed else 'no change (check mode)'
    else:
        verb = 'changed' if changed else 'no change'
    where = host + (' (%s)' % uri if uri and uri != host else '')
    users = users_result['summary']
    # The listed users that changed have an entry; the unchanged ones may not (report_unchanged), but are named.
    listed = len([u for u in users_result.get('users') or () if u.get('changed') and not u.get('unlisted')]) \
        + len(users['unchanged'])
    lines = ['%s: %s, %d user(s) listed%s' % (where, verb, listed, ', exclusive' if exclusive else '')]
    if len(results) > 1:
        roles = roles_result['summary']
        privilege_changes = _changes(roles_result.get('roles'), roles['privileges_changed'], max_names,
                                     (('grant:', '+'), ('revoke:', '-')))
        lines += [_row('roles created', roles['created'], roles['created'], max_names),
                  _row('privileges changed', roles['privileges_changed'], privilege_changes, max_names),
                  _row('roles dropped', roles['dropped'], roles['dropped'], max_names)]
    role_changes = _changes(users_result.get('users'), users['roles_changed'], max_names,
                            (('grant_role:', '+'), ('revoke_role:', '-')))
    lines += [_row('created', users['created'], users['created'], max_names),
              _row('password rotated', users['password_changed'], users['password_changed'], max_names),
              _row('roles changed', users['roles_changed'], role_changes, max_names),
              _row('dropped', users['dropped'], users['dropped'], max_names),
              '  %-19s %4d' % ('unchanged', len(users['unchanged']))]
    return lines


class FilterModule(object):
    def filters(self):
        return {'cluster_summary': cluster_summary}
