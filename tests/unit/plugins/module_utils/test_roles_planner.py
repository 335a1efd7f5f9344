"""The role planner: desired roles and privileges + what the server holds -> actions. Pure, no server."""

import pytest

from ansible_collections.zilliz.cloud.plugins.module_utils._privileges import grant_key
from ansible_collections.zilliz.cloud.plugins.module_utils._roles import (
    RoleState, build_requests, lockout_problems, parse_version, plan_roles, supports_privilege_groups,
    validate_against_state, validate_requests,
)

TOP = dict(name=None, state='present', privileges=None, privileges_mode='exact', roles=None)


def item(privilege, object_type='Collection', object_name='*', db_name='default'):
    return dict(privilege=privilege, object_type=object_type, object_name=object_name, db_name=db_name)


def key(*args):
    return grant_key(item(*args))


def requests(**kwargs):
    params = dict(TOP)
    params.update(kwargs)
    return build_requests(params)


STATE = RoleState(
    members={'admin': {'boss'}, 'public': set(), 'reader': {'ann'}, 'writer': set(), 'stray': {'bob'}},
    databases=['default', 'analytics'],
    grants={'reader': {key('Search', 'Collection', 'orders'), key('Query', 'Collection', 'orders', 'analytics')},
            'writer': {key('Insert')}, 'stray': {key('Search')},
            'public': {key('IndexDetail', 'Collection', '*', '*')}},
    version='v2.3.5-lite')


def actions_of(plans):
    return [(p.name, str(a)) for p in plans for a in p.actions]


def test_create_with_privileges_in_two_databases():
    plans = plan_roles(requests(name='new', privileges=[item('Search', 'Collection', 'o'),
                                                        item('Query', 'Collection', 'o', 'analytics')]), STATE)
    assert actions_of(plans) == [('new', 'create_role'), ('new', 'grant:Collection:o:Query@analytics'),
                                 ('new', 'grant:Collection:o:Search@default')]
    assert plans[0].before == dict(exists=False, privileges=[])
    assert len(plans[0].after['privileges']) == 2


@pytest.mark.parametrize('mode, expected', [
    ('exact', [('reader', 'grant:Collection:orders:Insert@default'),
               ('reader', 'revoke:Collection:orders:Query@analytics')]),
    ('append', [('reader', 'grant:Collection:orders:Insert@default')]),
    ('remove', [('reader', 'revoke:Collection:orders:Search@default')]),
])
def test_modes_across_databases(mode, expected):
    wanted = [item('Search', 'Collection', 'orders'), item('Insert', 'Collection', 'orders')]
    plans = plan_roles(requests(name='reader', privileges=wanted, privileges_mode=mode), STATE)
    assert actions_of(plans) == expected


def test_privileges_left_out_touch_nothing():
    assert actions_of(plan_roles(requests(name='reader'), STATE)) == []


def test_identical_request_is_unchanged_and_global_object_names_fold_to_star():
    state = RoleState({'g': set()}, ['default'], {'g': {key('CreateCollection', 'Global', '*')}})
    plans = plan_roles(requests(name='g', privileges=[item('CreateCollection', 'Global', 'anything')]), state)
    assert actions_of(plans) == []


def test_absent_revokes_everything_then_drops():
    plans = plan_roles(requests(name='reader', state='absent'), STATE)
    assert [str(a) for a in plans[0].actions] == ['revoke:Collection:orders:Query@analytics',
                                                  'revoke:Collection:orders:Search@default', 'drop_role']
    assert plan_roles(requests(name='ghost', state='absent'), STATE)[0].actions == ()


def test_exclusive_spares_builtin_and_protected():
    plans = plan_roles(requests(roles=[{'name': 'reader'}]), STATE, exclusive=True, protected=['writer'],
                       builtin=['admin', 'public'])
    dropped = [p.name for p in plans if not p.listed]
    assert dropped == ['stray']
    assert [str(a) for a in plans[-1].actions] == ['revoke:Collection:*:Search@default', 'drop_role']


def test_validation_names_every_problem():
    reqs = requests(roles=[{'name': '1bad'}, {'name': 'admin', 'privileges': [item('All', 'Global')]},
                           {'name': 'public', 'state': 'absent'}, {'name': 'ok', 'privileges': [item('Serch')]},
                           {'name': 'ok'}])
    problems = validate_requests(reqs, True, False, 'milvus')
    text = '; '.join(problems)
    for expected in ('roles[0] (1bad)', 'roles[1] (admin)', 'roles[2] (public)', 'Serch', 'listed twice'):
        assert expected in text


def test_zilliz_builtin_roles_are_protected_on_zilliz_hosts_only():
    reqs = requests(name='db_ro', privileges=[item('Search')])
    assert validate_requests(reqs, False, True, 'zilliz')
    assert not validate_requests(reqs, False, False, 'milvus')


def test_zilliz_name_rule():
    assert validate_requests(requests(name='a$b'), False, True, 'zilliz')
    assert not validate_requests(requests(name='a$b'), False, False, 'milvus')


def test_databases_and_v2_are_checked_against_the_server():
    reqs = requests(name='r', privileges=[item('Search', 'Collection', '*', 'nowhere'),
                                          dict(privilege='CollectionReadOnly', object_type=None, object_name='*',
                                               db_name='default')])
    problems = validate_against_state(reqs, STATE, False, supports_privilege_groups(STATE.version))
    assert len(problems) == 2 and 'nowhere' in problems[0] and 'v2.3.5-lite' in problems[1]
    assert not validate_against_state(requests(name='r', privileges=[item('Search', db_name='*')]), STATE, False, True)


def test_versions():
    assert parse_version('v2.3.5-lite') == (2, 3, 5)
    assert not supports_privilege_groups('v2.4.17')
    assert supports_privilege_groups('v2.4.18') and supports_privilege_groups('2.6.0')
    assert supports_privilege_groups('Zilliz Cloud')      # unknown: the server decides


def test_lockout_of_the_login_user_through_its_own_role():
    manager = RoleState({'manager': {'ops'}, 'admin': set()}, ['default'],
                        {'manager': {key('All', 'Global', '*'), key('Search')}})
    keep = plan_roles(requests(name='manager', privileges=[item('All', 'Global', '*')]), manager)
    assert lockout_problems(keep, manager, 'ops') == []
    lose = plan_roles(requests(name='manager', privileges=[item('Search')]), manager)
    problems = lockout_problems(lose, manager, 'ops')
    assert problems and 'ops' in problems[0] and 'another admin' in problems[0]
    drop = plan_roles(requests(name='manager', state='absent'), manager)
    assert lockout_problems(drop, manager, 'ops')
    assert lockout_problems(lose, manager, 'root') == []
    assert lockout_problems(lose, manager, 'someone_else') == []


def test_related_privileges_on_newer_servers_read_as_no_change():
    """From 2.3.6 granting Load also grants GetLoadState and GetLoadingProgress;
    exact mode must not revoke them, and the plan predicts what the server holds."""
    load = [item('Load', 'Collection', 'orders')]
    fresh = RoleState({'loader': set()}, ['default'], {'loader': set()}, version='v2.4.20')
    plan = plan_roles(requests(name='loader', privileges=load), fresh)[0]
    assert [str(a) for a in plan.actions] == ['grant:Collection:orders:Load@default']
    assert sorted(p['privilege'] for p in plan.after['privileges']) == ['GetLoadState', 'GetLoadingProgress', 'Load']
    held = RoleState({'loader': set()}, ['default'], {'loader': set(grant_key(p) for p in plan.after['privileges'])},
                     version='v2.4.20')
    assert plan_roles(requests(name='loader', privileges=load), held)[0].actions == ()
    removed = plan_roles(requests(name='loader', privileges=load, privileges_mode='remove'), held)[0]
    assert [str(a) for a in removed.actions] == ['revoke:Collection:orders:Load@default']
    assert removed.after['privileges'] == []
    old = RoleState({'loader': set()}, ['default'], {'loader': set()}, version='v2.3.5-lite')
    assert len(plan_roles(requests(name='loader', privileges=load), old)[0].after['privileges']) == 1


def test_a_wanted_grant_that_a_revoke_takes_along_is_granted_again():
    held = RoleState({'r': set()}, ['default'], {'r': {key('Load'), key('GetLoadState'), key('GetLoadingProgress')}},
                     version='v2.4.20')
    plan = plan_roles(requests(name='r', privileges=[item('GetLoadState')]), held)[0]
    assert [str(a) for a in plan.actions] == ['revoke:Collection:*:GetLoadingProgress@default',
                                              'revoke:Collection:*:Load@default',
                                              'grant:Collection:*:GetLoadState@default']
    assert [a.kind for a in plan.actions][-1] == 'regrant'
    assert [p['privilege'] for p in plan.after['privileges']] == ['GetLoadState']


def test_summary_counts_created_roles_once():
    from ansible_collections.zilliz.cloud.plugins.module_utils._engine import summarise
    from ansible_collections.zilliz.cloud.plugins.module_utils._roles import RoleReconciler
    plans = plan_roles(requests(roles=[{'name': 'n', 'privileges': [item('Search')]},
                                       {'name': 'reader', 'privileges': [item('Search', 'Collection', 'orders')]}]),
                       STATE)
    summary = summarise(plans, lambda p: p.actions, RoleReconciler.summary_rules)
    assert summary['created'] == ['n'] and summary['privileges_changed'] == ['reader']


def test_lockout_through_public():
    state = RoleState({'public': set(), 'admin': set(), 'other': {'ops'}}, ['default'],
                      {'public': {key('All', 'Global', '*')}, 'other': {key('Search')}})
    plans = plan_roles(requests(name='public', privileges=[item('Search')]), state)
    assert lockout_problems(plans, state, 'ops')
