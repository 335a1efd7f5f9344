"""The cluster_summary filter the cluster_users role prints. Pure."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.zilliz.cloud.plugins.filter.cluster_summary import FilterModule, cluster_summary


def users_result(changed=True, **summary):
    full = dict(created=[], password_changed=[], roles_changed=[], dropped=[], unchanged=[])
    full.update(summary)
    users = [dict(name='etl', changed=True, actions=['create_user', 'grant_role:db_rw']),
             dict(name='dash', changed=True, actions=['grant_role:db_ro', 'revoke_role:db_rw']),
             dict(name='old', changed=True, actions=['drop_user'], unlisted=True)]
    return dict(changed=changed, summary=full, users=users)


def test_lines_for_users():
    lines = cluster_summary(users_result(created=['etl'], roles_changed=['etl', 'dash'], dropped=['old']),
                            host='prod', uri='https://x:19530', exclusive=True)
    assert lines[0] == 'prod (https://x:19530): changed, 2 user(s) listed, exclusive'
    assert lines[1].split() == ['created', '1', 'etl']
    assert lines[3] == '  %-19s %4d  %s' % ('roles changed', 2, 'etl +db_rw, dash +db_ro -db_rw')
    assert lines[4].split() == ['dropped', '1', 'old']
    assert lines[-1].split() == ['unchanged', '0']


def test_check_mode_and_no_change():
    assert cluster_summary(users_result(changed=False), host='h', check_mode=True)[0] == \
        'h: no change (check mode), 2 user(s) listed'
    assert 'would change (check mode: nothing was changed)' in cluster_summary(users_result(), check_mode=True)[0]


def test_unchanged_users_count_with_or_without_their_entries():
    # report_unchanged=false leaves the unchanged users out of `users`; the summary still names them.
    full = users_result(created=['etl'], roles_changed=['etl', 'dash'], dropped=['old'], unchanged=['keep', 'ro'])
    full['users'] += [dict(name='keep', changed=False, actions=[]), dict(name='ro', changed=False, actions=[])]
    compact = dict(full, users=[u for u in full['users'] if u['changed']])
    assert cluster_summary(full, host='h') == cluster_summary(compact, host='h')
    assert cluster_summary(compact, host='h')[0] == 'h: changed, 4 user(s) listed'
    assert cluster_summary(compact, host='h')[-1].split() == ['unchanged', '2']


def test_long_lists_are_cut():
    names = ['u%02d' % i for i in range(15)]
    line = cluster_summary(users_result(created=names), max_names=3)[1]
    assert line.endswith('u00, u01, u02 ... and 12 more')


def test_roles_lines_come_first_when_roles_ran():
    roles = dict(changed=True, summary=dict(created=['reader'], privileges_changed=['writer'], dropped=[],
                                            unchanged=[]),
                 roles=[dict(name='writer', actions=['grant:Collection:*:Insert@default',
                                                     'revoke:Global:*:All@default'])])
    lines = cluster_summary(users_result(changed=False), roles, host='h')
    assert lines[0] == 'h: changed, 2 user(s) listed'
    assert lines[1].split() == ['roles', 'created', '1', 'reader']
    assert lines[2].endswith('writer +Collection:*:Insert@default -Global:*:All@default')
    assert lines[3].split() == ['roles', 'dropped', '0', '-']


def test_not_a_result():
    with pytest.raises(AnsibleFilterError):
        cluster_summary({'msg': 'failed'})
    assert FilterModule().filters()['cluster_summary'] is cluster_summary
