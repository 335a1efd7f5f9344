"""The planner: desired users + current state -> actions. Pure, no server."""

import pytest

from ansible_collections.zilliz.cloud.plugins.module_utils._users import (
    Action, ClusterState, build_requests, current_password_checks, current_password_problems, diff_entry,
    UserReconciler, ordered_actions, password_checks, plan_users, protected_users, user_result,
    validate_against_state,
    validate_requests,
)


def PLANNED(plan):
    return plan.actions


def summarise(plans, actions_for):
    from ansible_collections.zilliz.cloud.plugins.module_utils._engine import summarise as engine_summarise
    return engine_summarise(plans, actions_for, UserReconciler.summary_rules)


TOP_DEFAULTS = dict(name=None, state='present', password=None, current_password=None,
                    update_password='on_create', roles=None, roles_mode='exact', users=None)


def params(**kwargs):
    merged = dict(TOP_DEFAULTS)
    merged.update(kwargs)
    return merged


def single(**kwargs):
    return build_requests(params(**kwargs))


STATE = ClusterState({'root': set(), 'alice': {'db_ro'}, 'bob': {'db_rw', 'db_ro'}, 'db_admin': {'admin'}},
                     {'admin', 'public', 'db_ro', 'db_rw'})


def actions_of(plans):
    return [(a.subject, str(a)) for plan in plans for a in plan.actions]


def test_create_with_roles():
    plans = plan_users(single(name='carol', password='Secret-1', roles=['db_ro']), STATE, {})
    assert actions_of(plans) == [('carol', 'create_user'), ('carol', 'grant_role:db_ro')]
    assert plans[0].before == {'exists': False, 'roles': []}
    assert plans[0].after == {'exists': True, 'roles': ['db_ro']}


def test_existing_user_without_roles_option_is_untouched():
    assert actions_of(plan_users(single(name='alice', password='x' * 8), STATE, {})) == []


@pytest.mark.parametrize('mode, roles, expected, after', [
    ('exact', ['db_rw'], ['grant_role:db_rw', 'revoke_role:db_ro'], ['db_rw']),
    ('exact', [], ['revoke_role:db_ro'], []),
    ('exact', ['db_ro'], [], ['db_ro']),
    ('append', ['db_rw', 'db_ro'], ['grant_role:db_rw'], ['db_ro', 'db_rw']),
    ('remove', ['db_ro', 'db_rw'], ['revoke_role:db_ro'], []),
    ('remove', ['db_rw'], [], ['db_ro']),
])
def test_roles_modes(mode, roles, expected, after):
    plans = plan_users(single(name='alice', roles=roles, roles_mode=mode), STATE, {})
    assert [str(a) for a in plans[0].actions] == expected
    assert plans[0].after['roles'] == after


def test_password_update_only_when_it_does_not_authenticate():
    requests = single(name='alice', password='New-pass-1', update_password='always')
    assert password_checks(requests, STATE) == [('alice', 'New-pass-1')]
    assert actions_of(plan_users(requests, STATE, {'alice': True})) == []
    assert actions_of(plan_users(requests, STATE, {'alice': False})) == [('alice', 'update_password')]


def test_on_create_never_checks_existing_passwords():
    assert password_checks(single(name='alice', password='New-pass-1'), STATE) == []


def test_state_password():
    requests = single(name='alice', state='password', password='New-pass-1', current_password='Old-pass-1')
    assert password_checks(requests, STATE) == [('alice', 'New-pass-1')]
    assert current_password_checks(requests, {'alice': False}) == [('alice', 'Old-pass-1')]
    assert current_password_checks(requests, {'alice': True}) == []
    problems = current_password_problems([('alice', 'Old-pass-1')], {'alice': False})
    assert problems and 'Old-pass-1' not in problems[0]
    plans = plan_users(requests, STATE, {'alice': False})
    assert user_result(plans[0], plans[0].actions)['password_changed'] is True
    assert diff_entry(plans[0], plans[0].actions)[1]['password'] == 'changed'


def test_absent():
    assert actions_of(plan_users(single(name='bob', state='absent'), STATE, {})) == [('bob', 'drop_user')]
    assert actions_of(plan_users(single(name='nobody', state='absent'), STATE, {})) == []


def test_check_mode_and_real_run_share_the_plan():
    # The same inputs always give the same plan; check mode simply does not apply it.
    requests = single(name='carol', password='Secret-1', roles=['db_ro'])
    assert actions_of(plan_users(requests, STATE, {})) == actions_of(plan_users(requests, STATE, {}))


def test_validation_before_any_rpc():
    batch = build_requests(params(users=[
        {'name': 'good', 'password': 'Secret-1'},
        {'name': '9bad', 'password': 'x'},
        {'name': 'good', 'password': 'Secret-1'},
        {'name': 'root', 'state': 'absent'},
        {'name': 'me', 'state': 'absent'},
        {'name': 'pw', 'state': 'password'},
    ]))
    problems = validate_requests(batch, 'milvus', batch=True, login_user='me')
    text = '\n'.join(problems)
    assert 'users[1] (9bad)' in text and 'start with a letter' in text and 'too short' in text
    assert 'listed twice' in text
    assert 'refusing to drop the built-in user root' in text
    assert 'the user this task is connected as' in text
    assert 'state=password needs password' in text
    assert 'users[0] (good)' not in text


def test_validation_against_state():
    requests = build_requests(params(users=[
        {'name': 'ghost', 'state': 'password', 'password': 'Secret-1'},
        {'name': 'newbie'},
        {'name': 'alice', 'roles': ['db_ro', 'nope', 'nada']},
        {'name': 'bob', 'roles': ['nope'], 'roles_mode': 'remove'},
    ]))
    problems = validate_against_state(requests, STATE, batch=True)
    assert len(problems) == 3
    assert 'ghost' in problems[0] and 'does not exist' in problems[0]
    assert 'no password was given' in problems[1]
    assert 'nada, nope' in problems[2]


def test_batch_items_inherit_top_level_defaults():
    requests = build_requests(params(update_password='always', roles=['db_ro'], users=[
        {'name': 'a1', 'password': 'Secret-1'},
        {'name': 'a2', 'password': 'Secret-2', 'roles': ['db_rw'], 'update_password': 'on_create'},
    ]))
    assert requests[0]['update_password'] == 'always' and requests[0]['roles'] == ['db_ro']
    assert requests[1]['update_password'] == 'on_create' and requests[1]['roles'] == ['db_rw']


def test_exclusive_drops_only_unlisted_unprotected():
    requests = build_requests(params(users=[{'name': 'alice'}]))
    protected = protected_users('admin_login', ['keepme'])
    state = ClusterState(dict(STATE.users, keepme=set(), admin_login=set(), stray=set()), STATE.roles)
    plans = plan_users(requests, state, {}, exclusive=True, protected=protected)
    assert actions_of(plans) == [('bob', 'drop_user'), ('stray', 'drop_user')]
    assert [user_result(p, p.actions).get('unlisted') for p in plans] == [None, True, True]
    assert summarise(plans, PLANNED)['dropped'] == ['bob', 'stray']


def test_ordering_login_user_password_last():
    requests = build_requests(params(update_password='always', users=[
        {'name': 'me', 'password': 'Secret-1'},
        {'name': 'bob', 'state': 'absent'},
        {'name': 'new', 'password': 'Secret-2', 'roles': ['db_ro']},
    ]))
    state = ClusterState(dict(STATE.users, me=set()), STATE.roles)
    plans = plan_users(requests, state, {'me': False})
    order = [(a.subject, a.kind) for a in ordered_actions(plans, login_user='me')]
    assert order == [('bob', 'drop_user'), ('new', 'create_user'), ('new', 'grant_role'), ('me', 'update_password')]


def test_results_hold_no_secrets():
    requests = single(name='carol', password='Top-Secret-9', current_password='Old-Secret-9', roles=['db_ro'])
    plans = plan_users(requests, STATE, {})
    dumped = repr([user_result(p, p.actions) for p in plans]) + repr(diff_entry(plans[0], plans[0].actions)) + repr(summarise(plans, PLANNED))
    assert 'Secret' not in dumped


def test_action_identity():
    assert Action('grant_role', 'a', 'r') == Action('grant_role', 'a', 'r')
    assert len({Action('drop_user', 'a'), Action('drop_user', 'a')}) == 1


def test_execution_phases():
    from ansible_collections.zilliz.cloud.plugins.module_utils._users import execution_phases
    requests = build_requests(params(update_password='always', users=[
        {'name': 'me', 'password': 'Secret-1'},
        {'name': 'bob', 'state': 'absent'},
        {'name': 'new', 'password': 'Secret-2', 'roles': ['db_ro', 'db_rw']},
        {'name': 'alice', 'roles': []},
    ]))
    state = ClusterState(dict(STATE.users, me=set()), STATE.roles)
    plans = plan_users(requests, state, {'me': False})
    phases = execution_phases(ordered_actions(plans, login_user='me'), login_user='me')
    shown = [[[str(a) + '@' + a.subject for a in chain] for chain in phase] for phase in phases]
    assert shown == [
        [['drop_user@bob']],
        [['create_user@new', 'grant_role:db_ro@new', 'grant_role:db_rw@new'], ['revoke_role:db_ro@alice']],
        [['update_password@me']],
    ]


def test_login_user_changes_run_last_and_alone():
    from ansible_collections.zilliz.cloud.plugins.module_utils._users import execution_phases
    requests = build_requests(params(users=[
        {'name': 'bob', 'roles': []},                       # bob is the login user: losing admin comes last
        {'name': 'u1', 'password': 'Secret-1', 'roles': ['db_ro']},
    ]))
    state = ClusterState(dict(STATE.users, bob={'admin'}), STATE.roles)
    phases = execution_phases(ordered_actions(plan_users(requests, state, {}), login_user='bob'), login_user='bob')
    assert [[str(a) + '@' + a.subject for a in chain] for chain in phases[-1]] == [['revoke_role:admin@bob']]
    assert all(a.subject != 'bob' for phase in phases[:-1] for chain in phase for a in chain)


def test_users_after():
    from ansible_collections.zilliz.cloud.plugins.module_utils._users import users_after
    requests = build_requests(params(users=[{'name': 'n1', 'password': 'Secret-1'}, {'name': 'bob', 'state': 'absent'},
                                            {'name': 'n2', 'password': 'Secret-2'}]))
    assert users_after(STATE, plan_users(requests, STATE, {})) == len(STATE.users) + 1


def test_users_see_the_roles_an_earlier_role_plan_creates_and_drops():
    from ansible_collections.zilliz.cloud.plugins.module_utils._engine import Action, Plan, SubjectPlan
    from ansible_collections.zilliz.cloud.plugins.module_utils._roles import RoleReconciler
    from ansible_collections.zilliz.cloud.plugins.module_utils._users import roles_planned
    roles = RoleReconciler(dict(roles=[]))
    created = SubjectPlan('fresh', 'present', [Action('create_role', 'fresh')], {'exists': False}, {'exists': True})
    dropped = SubjectPlan('stale', 'absent', [Action('drop_role', 'stale')], {'exists': True}, {'exists': False})
    kept = SubjectPlan('kept', 'present', [], {'exists': True}, {'exists': True})
    users = {'bob': {'stale', 'kept'}, 'root': set()}
    after_users, after_roles = roles_planned(users, {'admin', 'public', 'stale', 'kept'},
                                             ((roles, Plan([created, dropped, kept])),))
    assert after_roles == {'admin', 'public', 'kept', 'fresh'}
    assert after_users == {'bob': {'kept'}, 'root': set()}
    # Without a role plan (zilliz_user alone) nothing is assumed.
    assert roles_planned(users, {'kept'}, ()) == (users, {'kept'})
