"""The planner: desired users + current state -> actions. Pure, no server."""

import pytest

from ansible_collections.zilliz.cloud.plugins.module_utils._server import detect
from ansible_collections.zilliz.cloud.plugins.module_utils._users import (
    Action, ClusterState, UserState, build_requests, current_password_checks, current_password_problems,
    diff_entry, UserReconciler, ordered_actions, password_checks, plan_users, protected_users, user_result,
    validate_against_state, validate_requests,
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


def user_state(version='v2.4.23', uri='http://localhost:19530', users=None, **kwargs):
    return UserState(STATE.users if users is None else users, STATE.roles, detect(version, uri), **kwargs)


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


def test_validation_before_any_rpc():
    # UserReconciler.validate: the per-item checks and the ones every kind shares (listed twice).
    problems = UserReconciler(params(login_user='me', login_password='Me-secret-1', password_policy='milvus',
                                     uri='http://localhost:19530', users=[
                                         {'name': 'good', 'password': 'Secret-1'},
                                         {'name': '9bad', 'password': 'x'},
                                         {'name': 'good', 'password': 'Secret-1'},
                                         {'name': 'root', 'state': 'absent'},
                                         {'name': 'me', 'state': 'absent'},
                                         {'name': 'pw', 'state': 'password'},
                                     ])).validate()
    text = '\n'.join(problems)
    assert 'users[1] (9bad)' in text and 'start with a letter' in text and 'too short' in text
    assert 'listed twice' in text
    assert 'refusing to drop the built-in user root' in text
    assert 'the user this task is connected as' in text
    assert 'state=password needs password' in text
    assert 'users[0] (good)' not in text
    assert 'users[2] (good): user good is listed twice (also users[0])' in text


def test_validate_requests_alone_checks_each_item():
    batch = build_requests(params(users=[{'name': '9bad', 'password': 'x'}, {'name': 'me', 'state': 'absent'}]))
    text = '\n'.join(validate_requests(batch, 'milvus', batch=True, login_user='me'))
    assert 'users[0] (9bad)' in text and 'the user this task is connected as' in text


def test_validation_against_state():
    requests = build_requests(params(users=[
        {'name': 'ghost', 'state': 'password', 'password': 'Secret-1'},
        {'name': 'newbie'},
        {'name': 'alice', 'roles': ['db_ro', 'nope', 'nada']},
        {'name': 'bob', 'roles': ['nope'], 'roles_mode': 'remove'},
    ]))
    problems = validate_against_state(requests, user_state(), batch=True)
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
    dumped = repr([user_result(p, p.actions) for p in plans]) + repr(diff_entry(plans[0], plans[0].actions)) + \
        repr(summarise(plans, PLANNED))
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


# ----- a whole run against a fake server ------------------------------------------------

import threading  # noqa: E402

from ansible_collections.zilliz.cloud.plugins.module_utils import _errors as E  # noqa: E402
from ansible_collections.zilliz.cloud.plugins.module_utils._connection import Connection  # noqa: E402
from ansible_collections.zilliz.cloud.plugins.module_utils._engine import (  # noqa: E402
    CONVERGED, DONE, reconcile,
)

LOCAL = 'http://localhost:19530'
ZILLIZ = 'https://in01-abc123.aws-us-west-2.vectordb.zillizcloud.com:19530'


class UserServer:
    """The requests UserReconciler makes, answered from memory; every write is recorded. `refuse` maps
    (kind, user) to the refusal (kind) the server answers with."""

    def __init__(self, users, roles=('admin', 'public', 'db_ro'), version='v2.4.23', uri=LOCAL, user='root',
                 auth=True, passwords=None, refuse=None):
        self.users = dict((name, set(granted)) for name, granted in users.items())
        self.roles = set(roles)
        self.version, self.uri, self.user, self.auth = version, uri, user, auth
        self.login_password = 'R00t-secret'
        self.passwords = dict(passwords or {})
        self.refuse = dict(refuse or {})
        self.writes = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def map(self, call, items):
        return [call(item) for item in items]

    def profile(self):
        return detect(self.version, self.uri)

    def users_with_roles(self, only=None):
        return dict((n, set(r)) for n, r in self.users.items() if only is None or n == only)

    def list_roles(self):
        return set(self.roles)

    def list_databases(self):
        return ['default']

    def role_grants(self, role, db_name):
        return []

    def auth_enabled(self):
        return self.auth

    def authenticates(self, user, password):
        return not self.auth or self.passwords.get(user) == password

    def check_passwords(self, pairs):
        return dict((user, self.authenticates(user, password)) for user, password in pairs)

    def _write(self, kind, name, *rest):
        refusal = self.refuse.get((kind, name))
        if refusal:
            error = E.ZillizError(E._REFUSAL_CATEGORIES[refusal], '%s %s refused (%s).' % (kind, name, refusal),
                                  refusal=refusal, server_detail=refusal)
            error.after_retry = False
            raise error
        self.writes.append((kind, name) + rest)

    def create_user(self, name, password):
        self._write('create_user', name)
        self.users[name], self.passwords[name] = set(), password

    def update_password(self, name, old, new):
        self._write('update_password', name)
        self.passwords[name] = new

    def grant_role(self, name, role):
        self._write('grant_role', name, role)
        self.users[name].add(role)

    def revoke_role(self, name, role):
        self._write('revoke_role', name, role)
        self.users[name].discard(role)

    def drop_user(self, name):
        self._write('drop_user', name)
        del self.users[name]


from engine_fakes import Module  # noqa: E402  same directory  pylint: disable=wrong-import-position


def run(server, check_mode=False, **kwargs):
    options = dict(uri=server.uri, login_user=server.user, login_password=server.login_password,
                   password_policy='milvus')
    options.update(kwargs)
    merged = params(**options)
    rec = UserReconciler(merged, check_mode)
    outcome = reconcile(Module(server, check_mode), rec)
    return rec.result(outcome), outcome


BATCH = [{'name': 'carol', 'password': 'Secret-1', 'roles': ['db_ro']}, {'name': 'alice', 'roles': []},
         {'name': 'bob', 'state': 'absent'}]
EXISTING = {'root': set(), 'alice': {'db_ro'}, 'bob': set()}


def test_check_mode_reports_the_plan_and_writes_nothing_and_a_real_run_does_the_same():
    checked = UserServer(EXISTING)
    result, dummy = run(checked, check_mode=True, users=BATCH)
    assert checked.writes == [] and result['changed']
    real = UserServer(EXISTING)
    done, dummy = run(real, users=BATCH)
    assert done['actions'] == result['actions'] == [
        'carol:create_user', 'carol:grant_role:db_ro', 'alice:revoke_role:db_ro', 'bob:drop_user']
    assert done['summary'] == result['summary']
    assert real.writes == [('drop_user', 'bob'), ('create_user', 'carol'), ('grant_role', 'carol', 'db_ro'),
                           ('revoke_role', 'alice', 'db_ro')]
    again, dummy = run(real, users=BATCH)
    assert not again['changed'] and again['actions'] == []


# ----- user names by version -------------------------------------------------------------------

@pytest.mark.parametrize('version, refused', [('2.5.27', True), ('v2.4.23', True), ('2.3.5', True),
                                              ('2.6.0', False), ('v2.6.18', False)])
def test_a_user_name_with_a_dash_is_refused_before_2_6(version, refused):
    requests = single(name='etl-bot', password='Secret-1')
    problems = validate_against_state(requests, user_state(version))
    assert bool(problems) is refused
    if refused:
        assert "user etl-bot: user name etl-bot has '-'" in problems[0] and 'servers 2.6' in problems[0]


def test_an_existing_user_name_with_a_dash_is_not_refused():
    state = user_state('2.5.27', users=dict(STATE.users, **{'etl-bot': set()}))
    assert validate_against_state(single(name='etl-bot', roles=['db_ro']), state) == []


def test_a_dashed_name_is_refused_by_the_run_before_any_change():
    server = UserServer(EXISTING, version='2.5.27')
    with pytest.raises(E.ZillizError) as info:
        run(server, users=[{'name': 'carol', 'password': 'Secret-1'}, {'name': 'etl-bot', 'password': 'Secret-2'}])
    assert info.value.category == E.INVALID_INPUT and 'etl-bot' in info.value.msg and server.writes == []
    run(UserServer(EXISTING, version='2.6.11'), name='etl-bot', password='Secret-2')


# ----- the user limit --------------------------------------------------------------------------

def many(count):
    return dict(('u%03d' % i, set()) for i in range(count))


def test_the_user_limit_of_zilliz_cloud_is_counted_before_any_change():
    server = UserServer(dict(many(98), db_admin={'admin'}), uri=ZILLIZ, user='db_admin')
    with pytest.raises(E.ZillizError) as info:
        run(server, users=[{'name': 'n1', 'password': 'Secret-1'}, {'name': 'n2', 'password': 'Secret-2'}])
    assert info.value.category == E.INVALID_INPUT and server.writes == []
    assert 'the cluster would hold 101 users' in info.value.msg and 'at most 100' in info.value.msg


def test_drops_in_the_same_task_make_room_under_the_user_limit():
    server = UserServer(dict(many(98), db_admin={'admin'}), uri=ZILLIZ, user='db_admin')
    run(server, users=[{'name': 'n1', 'password': 'Secret-1'}, {'name': 'u000', 'state': 'absent'},
                       {'name': 'n2', 'password': 'Secret-2'}])
    assert server.writes[0] == ('drop_user', 'u000') and len(server.users) == 100


def test_a_cluster_already_over_the_limit_may_still_be_changed_without_growing():
    server = UserServer(dict(many(120), db_admin={'admin'}), uri=ZILLIZ, user='db_admin')
    run(server, users=[{'name': 'u001', 'roles': ['db_ro']}])
    assert server.writes == [('grant_role', 'u001', 'db_ro')]


def test_self_hosted_milvus_leaves_the_user_limit_to_the_server():
    server = UserServer(many(150))
    run(server, name='n1', password='Secret-1')
    assert server.writes == [('create_user', 'n1')]


class ConcurrentServer(UserServer):
    """Creations wait for each other, as when the executor sends them at once."""
    workers = 4
    map = Connection.map

    def __init__(self, *args, **kwargs):
        super(ConcurrentServer, self).__init__(*args, **kwargs)
        self.barrier = threading.Barrier(3, timeout=5)

    def create_user(self, name, password):
        self.barrier.wait()
        super(ConcurrentServer, self).create_user(name, password)


def test_every_user_the_limit_refused_is_named():
    refuse = dict((('create_user', n), E.USER_LIMIT) for n in ('n2', 'n3'))
    server = ConcurrentServer(many(3), refuse=refuse)
    with pytest.raises(E.ZillizError) as info:
        run(server, users=[{'name': n, 'password': 'Secret-1'} for n in ('n1', 'n2', 'n3')])
    assert info.value.category == E.LIMIT_EXCEEDED and info.value.details['refused'] == ['n2', 'n3']
    assert 'n2' in info.value.msg and 'n3' in info.value.msg and 'proxy.maxUserNum' in info.value.msg
    assert info.value.details['result']['actions'] == ['n1:create_user']


# ----- refusals that may mean "already done" are settled by looking --------------------------------

class Refusing(UserServer):
    """Refuses the one write with `refusal`, as after a retry when after_retry."""

    def __init__(self, refusal, after_retry=False, **kwargs):
        super(Refusing, self).__init__(EXISTING, **kwargs)
        self.refusal, self.after_retry = refusal, after_retry

    def _write(self, kind, name, *rest):
        error = E.ZillizError(E._REFUSAL_CATEGORIES.get(self.refusal, E.SERVER_ERROR), 'refused', refusal=self.refusal)
        error.after_retry = self.after_retry
        raise error


def apply_one(conn, kind, **request):
    request = dict(dict(name='bob', password='B0b-new-1', current_password=None), **request)
    rec = UserReconciler(params(users=[request], update_password='always', password_policy='milvus'))
    return rec.apply(conn, Action(kind, request['name']))


@pytest.mark.parametrize('refusal, after_retry, works, settled', [
    (E.ALREADY_EXISTS, True, True, DONE),           # this run's lost write
    (E.ALREADY_EXISTS, False, True, CONVERGED),      # another run, with the same password
    (E.ALREADY_EXISTS, False, False, CONVERGED),     # another run, with its own password
    # 2.4 and 2.5 check the limit before existence: a retried creation that went through reads as the limit.
    (E.USER_LIMIT, True, True, DONE),
])
def test_a_refused_creation_is_settled_by_looking(refusal, after_retry, works, settled):
    conn = Refusing(refusal, after_retry, passwords={'bob': 'B0b-new-1' if works else 'other'})
    assert apply_one(conn, 'create_user') == settled


def test_the_user_limit_is_an_error_when_the_password_does_not_work():
    with pytest.raises(E.ZillizError) as info:
        apply_one(Refusing(E.USER_LIMIT), 'create_user')
    assert info.value.category == E.LIMIT_EXCEEDED and info.value.details['refusal'] == E.USER_LIMIT
    assert 'refused to create user bob' in info.value.msg


@pytest.mark.parametrize('current, fragment', [('B0b-old-1', 'current_password is not the current password'),
                                               (None, 'common.security.superUsers')])
def test_a_wrong_old_password_is_an_auth_failure_worded_for_the_request(current, fragment):
    with pytest.raises(E.ZillizError) as info:
        apply_one(Refusing(E.OLD_PASSWORD_WRONG), 'update_password', current_password=current)
    assert info.value.category == E.AUTH_FAILED and fragment in info.value.msg


def test_a_wrong_old_password_whose_new_password_works_is_settled():
    conn = Refusing(E.OLD_PASSWORD_WRONG, True, passwords={'bob': 'B0b-new-1'})
    assert apply_one(conn, 'update_password') == DONE


def test_other_refusals_pass_through_unchanged():
    with pytest.raises(E.ZillizError) as info:
        apply_one(Refusing(E.ROLE_NOT_FOUND), 'grant_role')
    assert info.value.details['refusal'] == E.ROLE_NOT_FOUND and info.value.msg == 'refused'


# ----- settle: what a race made necessary ----------------------------------------------------------

def test_a_user_another_run_created_gets_this_runs_password_when_always():
    server = UserServer(EXISTING, refuse={('create_user', 'carol'): E.ALREADY_EXISTS})
    server.users['carol'], server.passwords['carol'] = set(), 'the-other-run'
    # observe saw no carol: pretend the other run created it in between.
    server.users_with_roles = lambda only=None: dict(EXISTING)
    result, outcome = run(server, name='carol', password='Secret-1', update_password='always')
    assert server.writes == [('update_password', 'carol')] and server.passwords['carol'] == 'Secret-1'
    assert result['actions'] == ['update_password'] and result['password_changed']


def test_on_create_leaves_a_raced_users_password_alone():
    server = UserServer(EXISTING, refuse={('create_user', 'carol'): E.ALREADY_EXISTS})
    server.users['carol'], server.passwords['carol'] = set(), 'the-other-run'
    server.users_with_roles = lambda only=None: dict(EXISTING)
    result, dummy = run(server, name='carol', password='Secret-1')
    assert server.writes == [] and not result['changed']


def test_verify_fails_when_a_set_password_does_not_authenticate():
    server = UserServer(EXISTING)
    server.update_password = lambda name, old, new: server.writes.append(('update_password', name))
    server.passwords['alice'] = 'Old-pass-1'
    with pytest.raises(E.ZillizError) as info:
        run(server, name='alice', password='Secret-1', current_password='Old-pass-1', update_password='always')
    assert 'alice' in info.value.msg and 'does not authenticate' in info.value.msg
    assert info.value.details['result'] == dict(changed=True, actions=['update_password'])


def test_verify_logs_in_as_the_users_whose_password_changed_not_as_the_users_it_created():
    server = UserServer(EXISTING, passwords={'alice': 'Old-pass-1'})
    checked = []
    server.check_passwords = lambda pairs: checked.extend((name, len(server.writes)) for name, dummy in pairs) or \
        dict((name, server.authenticates(name, password)) for name, password in pairs)
    run(server, users=[{'name': 'carol', 'password': 'Secret-1'},
                       {'name': 'alice', 'password': 'Secret-2', 'update_password': 'always',
                        'current_password': 'Old-pass-1'}])
    assert server.writes == [('create_user', 'carol'), ('update_password', 'alice')]
    # alice's password is checked before the writes and again after them; carol's never.
    assert [name for name, writes in checked if writes == 2] == ['alice']
    assert 'carol' not in [name for name, dummy in checked]


# ----- warnings ----------------------------------------------------------------------------------

def test_warnings_of_the_plan():
    dummy, outcome = run(UserServer(EXISTING, version='9.1.0'), name='carol', password='Secret-1')
    assert any('9.1.0' in w for w in outcome.warnings)
    dummy, outcome = run(UserServer(EXISTING, auth=False), name='carol', password='Secret-1')
    assert any('Authentication is disabled' in w and 'carol' in w for w in outcome.warnings)
    dummy, outcome = run(UserServer(EXISTING), name='carol', password='Secret-1')
    assert outcome.warnings == []


# ----- password changes without current_password need a superuser -------------------------------

def test_a_password_change_without_current_password_is_refused_unless_login_superuser():
    server = UserServer(EXISTING, passwords={'alice': 'Old-pass-1'})
    with pytest.raises(E.ZillizError) as info:
        run(server, name='alice', password='Secret-1', update_password='always')
    assert info.value.category == E.INVALID_INPUT and server.writes == []
    assert 'user alice: the password would change without current_password' in info.value.msg
    assert 'login_superuser: true if root is such a user' in info.value.msg
    run(server, name='alice', password='Secret-1', update_password='always', login_superuser=True)
    assert server.writes == [('update_password', 'alice')]


def test_check_mode_refuses_a_rotation_without_current_password_too():
    server = UserServer(EXISTING, passwords={'alice': 'Old-pass-1'})
    with pytest.raises(E.ZillizError):
        run(server, check_mode=True, name='alice', password='Secret-1', update_password='always')


def test_the_login_user_rotates_its_own_password_with_the_login_password():
    server = UserServer(dict(EXISTING, me={'admin'}), user='me', passwords={'me': 'R00t-secret'})
    run(server, name='me', password='Secret-1', update_password='always')
    assert server.writes == [('update_password', 'me')] and server.passwords['me'] == 'Secret-1'


def test_an_unchanged_password_needs_no_superuser():
    server = UserServer(EXISTING, passwords={'alice': 'Secret-1'})
    result, dummy = run(server, name='alice', password='Secret-1', update_password='always')
    assert not result['changed'] and server.writes == []


# ----- Zilliz Cloud known by its answer: its password rules before the first change ---------------------

def test_zilliz_password_rules_apply_when_only_the_answer_says_zilliz_cloud():
    server = UserServer(EXISTING, version='Zilliz Cloud (Compatible with Milvus 2.5)')
    with pytest.raises(E.ZillizError) as info:
        run(server, name='carol', password='abcdefgh', password_policy='auto')
    assert info.value.category == E.INVALID_INPUT and 'Zilliz Cloud' in info.value.msg and server.writes == []
    run(UserServer(EXISTING), name='carol', password='abcdefgh', password_policy='auto')


# ----- a login user that may not list users manages itself --------------------------------------------

class Forbidden(UserServer):
    def users_with_roles(self, only=None):
        if only is None:
            raise E.ZillizError(E.FORBIDDEN, 'permission denied to list users')
        return super(Forbidden, self).users_with_roles(only)


def test_a_login_user_without_the_right_to_list_users_rotates_its_own_password():
    server = Forbidden(dict(EXISTING, me=set()), user='me', passwords={'me': 'R00t-secret'})
    result, dummy = run(server, name='me', password='Secret-1', update_password='always')
    assert server.writes == [('update_password', 'me')] and result['password_changed']


def test_a_login_user_without_the_right_to_list_users_cannot_manage_others():
    server = Forbidden(dict(EXISTING, me=set()), user='me')
    with pytest.raises(E.ZillizError) as info:
        run(server, name='alice', roles=[])
    assert info.value.category == E.FORBIDDEN and server.writes == []


# ----- current_password is checked before anything changes ------------------------------------------

def test_a_wrong_current_password_fails_before_any_change():
    server = UserServer(EXISTING, passwords={'alice': 'Real-old-1'})
    with pytest.raises(E.ZillizError) as info:
        run(server, users=[{'name': 'carol', 'password': 'Secret-1'},
                           {'name': 'alice', 'password': 'Secret-2', 'current_password': 'Wrong-old-1',
                            'state': 'password'}])
    assert info.value.category == E.AUTH_FAILED and 'alice' in info.value.msg and server.writes == []
    assert 'Wrong-old-1' not in info.value.msg


def test_a_rotation_another_run_finished_between_the_checks_has_converged():
    server = UserServer(EXISTING, passwords={'alice': 'Real-old-1'})
    real = server.authenticates
    seen = []

    def authenticates(user, password):
        # The first check of the new password fails; then another run sets it.
        seen.append((user, password))
        if (user, password) == ('alice', 'Wrong-old-1'):
            server.passwords['alice'] = 'Secret-2'
        return real(user, password)
    server.authenticates = authenticates
    result, dummy = run(server, name='alice', password='Secret-2', current_password='Wrong-old-1', state='password')
    assert not result['changed'] and server.writes == []
    assert seen[-1] == ('alice', 'Secret-2')


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
