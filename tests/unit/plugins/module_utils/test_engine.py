"""The reconcile engine with a fake connection and a fake module: pure logic."""

import threading

import pytest

from ansible_collections.zilliz.cloud.plugins.module_utils import _connection
from ansible_collections.zilliz.cloud.plugins.module_utils._engine import (
    CONVERGED, DONE, Action, Outcome, Plan, Reconciler, SubjectPlan, chains, combined_failure, execute, reconcile,
    reconcile_all,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._errors import (
    LIMIT_EXCEEDED, SERVER_ERROR, USER_LIMIT, ZillizError,
)


class FakeConnection:
    """The engine's view of a connection: a login user, and the real
    Connection.map (concurrent up to `workers`)."""
    user = 'me'
    workers = 4
    map = _connection.Connection.map

    def __init__(self):
        self.calls = []
        self.lock = threading.Lock()
        self.closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.closed = True


class FakeModule:
    def __init__(self, check_mode=False):
        self.check_mode = check_mode
        self.conn = FakeConnection()

    def connection_problems(self):
        return []

    def connect(self, validated=False):
        # reconcile() validates before connecting and says so.
        assert validated
        self.connections = getattr(self, 'connections', 0) + 1
        return self.conn


def plan(name, *kinds):
    return SubjectPlan(name, 'present', [Action(kind, name) for kind in kinds], {}, {})


class ListReconciler(Reconciler):
    """Plans fixed in advance; apply records the call, fails or converges on demand; settle returns
    `extra` once; verify records what it saw."""

    list_key = 'users'
    noun = 'user'

    def __init__(self, plans, fail=(), converge=(), problems=(), warnings=(), extra=(), verify_fails=False):
        super(ListReconciler, self).__init__({})
        self.plans, self.fail, self.converge, self.problems = plans, fail, converge, list(problems)
        self.warnings, self.extra, self.verify_fails = list(warnings), list(extra), verify_fails
        self.observed = False
        self.steps = []

    def validate(self):
        return self.problems

    def observe(self, conn):
        self.observed = True
        self.steps.append('observe')
        return 'state'

    def plan(self, state):
        assert state == 'state'
        self.steps.append('plan')
        return Plan(self.plans, self.warnings)

    def phases(self, plans, state):
        assert state == 'state'
        return [chains(a for p in plans for a in p.actions)]

    def apply(self, conn, action):
        with conn.lock:
            conn.calls.append(action)
        if action in self.fail:
            raise ZillizError(SERVER_ERROR, 'failed %s' % action)
        return CONVERGED if action in self.converge else DONE

    def settle(self, conn, state, outcome):
        self.steps.append('settle')
        extra, self.extra = self.extra, []
        return extra

    def verify(self, conn, state, outcome):
        self.steps.append(('verify', [str(a) + '@' + a.subject for a in outcome.done]))
        if self.verify_fails:
            raise ZillizError(SERVER_ERROR, 'does not read back')


def test_action_labels_and_identity():
    assert str(Action('create_user', 'u')) == 'create_user'
    assert str(Action('grant_role', 'u', 'r')) == 'grant_role:r'
    assert str(Action('grant', 'r', ('Global', '*', 'default', 'All'), 'grant:Global:*:All@default')) \
        == 'grant:Global:*:All@default'
    assert len({Action('drop_user', 'a'), Action('drop_user', 'a')}) == 1


def test_plans_are_immutable():
    p = plan('a', 'create_user')
    assert isinstance(p.actions, tuple)
    with pytest.raises(AttributeError):
        p.actions = ()


def test_chains_keep_order_per_subject():
    actions = [Action('x', 'a'), Action('y', 'b'), Action('z', 'a')]
    assert chains(actions) == [[Action('x', 'a'), Action('z', 'a')], [Action('y', 'b')]]


def test_check_mode_observes_plans_and_never_applies():
    module = FakeModule(check_mode=True)
    rec = ListReconciler([plan('a', 'create_user', 'grant_role')])
    outcome = reconcile(module, rec)
    assert rec.observed and module.conn.calls == []
    assert outcome.changed and [str(a) for a in outcome.actions_for(rec.plans[0])] == ['create_user', 'grant_role']


def test_real_run_reports_done_and_not_converged():
    module = FakeModule()
    plans = [plan('a', 'create_user', 'grant_role'), plan('b', 'create_user')]
    rec = ListReconciler(plans, converge=[Action('create_user', 'b')])
    outcome = reconcile(module, rec)
    assert [str(a) for a in outcome.actions_for(plans[0])] == ['create_user', 'grant_role']
    assert outcome.actions_for(plans[1]) == [] and not outcome.changed_for(plans[1])
    assert outcome.converged == [Action('create_user', 'b')]
    assert module.conn.closed


def test_invalid_input_stops_before_connecting():
    module = FakeModule()
    rec = ListReconciler([plan('a', 'create_user')], problems=['users[0]: bad', 'users[1]: worse'])
    with pytest.raises(ZillizError) as info:
        reconcile(module, rec)
    assert info.value.category == 'invalid_input'
    assert 'users[0]: bad; users[1]: worse' in info.value.msg
    assert not rec.observed and module.conn.calls == []


def test_failure_stops_the_chain_and_reports_what_was_done():
    module = FakeModule()
    plans = [plan('a', 'create_user', 'grant_role', 'revoke_role')]
    rec = ListReconciler(plans, fail=[Action('grant_role', 'a')])
    with pytest.raises(ZillizError) as info:
        reconcile(module, rec)
    assert module.conn.calls == [Action('create_user', 'a'), Action('grant_role', 'a')]
    # Reconciler.changes() itself (not overridden here) reports what was done.
    assert info.value.details['result'] == dict(changed=True, actions=['create_user'])
    assert 'settle' not in rec.steps                      # nothing after a failed phase


def test_phases_run_in_order_and_a_failed_phase_stops_the_next():
    conn = FakeConnection()
    order = []

    def apply_one(conn, action):
        order.append(action.kind)
        if action.kind == 'boom':
            raise ZillizError(SERVER_ERROR, 'boom')
        return DONE
    outcome = Outcome([])
    phases = [[[Action('first', 'a')], [Action('first', 'b')]], [[Action('boom', 'a')]], [[Action('never', 'a')]]]
    with pytest.raises(ZillizError):
        execute(conn, phases, apply_one, outcome)
    assert sorted(order) == ['boom', 'first', 'first']
    assert [a.kind for a in outcome.done] == ['first', 'first']


def test_chains_run_concurrently():
    """Two chains that each wait for the other can only finish when run at once."""
    barrier = threading.Barrier(2, timeout=5)

    def apply_one(conn, action):
        barrier.wait()
        return DONE
    outcome = Outcome([])
    execute(FakeConnection(), [[[Action('x', 'a')], [Action('x', 'b')]]], apply_one, outcome)
    assert len(outcome.done) == 2


def test_extra_actions_done_for_a_subject_are_reported_after_its_plan():
    plans = [plan('a', 'create_user')]
    outcome = Outcome(plans)
    outcome.record(Action('create_user', 'a'), CONVERGED)
    outcome.record(Action('update_password', 'a'), DONE)
    assert [str(a) for a in outcome.actions_for(plans[0])] == ['update_password']


def test_actions_are_immutable_and_format_as_text():
    action = Action('grant_role', 'u', 'r')
    with pytest.raises(AttributeError):
        action.kind = 'drop_user'
    assert 'did %s' % action == 'did grant_role:r'


def test_concurrently_returns_in_order_and_raises_the_first_failure():
    from ansible_collections.zilliz.cloud.plugins.module_utils._engine import concurrently
    barrier = threading.Barrier(2, timeout=5)

    def first():
        barrier.wait()
        return 1

    def second():
        barrier.wait()
        return 2
    conn = FakeConnection()
    assert concurrently(conn, first, second) == [1, 2]      # they ran at once, or the barrier would time out
    assert concurrently(conn, lambda: 'only') == ['only']

    def fails():
        raise ZillizError(SERVER_ERROR, 'boom')
    with pytest.raises(ZillizError):
        concurrently(conn, lambda: 1, fails)


# ----- plan warnings, the settle step and a read-only verify -------------------------

def test_the_plans_warnings_reach_the_outcome_in_check_mode_and_real_runs():
    for check_mode in (True, False):
        outcome = reconcile(FakeModule(check_mode), ListReconciler([plan('a', 'create_user')], warnings=['careful']))
        assert outcome.warnings == ['careful']


def test_plan_returns_subjects_and_warnings_as_tuples():
    p = Plan([plan('a')], ['w'])
    assert p.subjects == (plan('a'),) and p.warnings == ('w',)
    assert Plan([]).warnings == ()


def test_settle_extra_actions_are_applied_after_the_phases_and_verified():
    module = FakeModule()
    plans = [plan('a', 'create_user')]
    rec = ListReconciler(plans, converge=[Action('create_user', 'a')], extra=[Action('update_password', 'a')])
    outcome = reconcile(module, rec)
    assert module.conn.calls == [Action('create_user', 'a'), Action('update_password', 'a')]
    assert rec.steps == ['observe', 'plan', 'settle', ('verify', ['update_password@a'])]
    # Reported after the plan's own (converged, so not reported) actions.
    assert [str(a) for a in outcome.actions_for(plans[0])] == ['update_password']
    assert outcome.kinds_for(plans[0]) == {'update_password'}


def test_check_mode_never_settles_nor_verifies():
    rec = ListReconciler([plan('a', 'create_user')], extra=[Action('update_password', 'a')])
    reconcile(FakeModule(check_mode=True), rec)
    assert rec.steps == ['observe', 'plan']


def test_a_failed_verify_reports_what_was_done():
    module = FakeModule()
    rec = ListReconciler([plan('a', 'create_user')], verify_fails=True)
    with pytest.raises(ZillizError) as info:
        reconcile(module, rec)
    assert info.value.details['result'] == dict(changed=True, actions=['create_user'])


def test_a_failed_settle_action_reports_what_was_done():
    module = FakeModule()
    extra = Action('update_password', 'a')
    rec = ListReconciler([plan('a', 'create_user')], extra=[extra], fail=[extra])
    with pytest.raises(ZillizError) as info:
        reconcile(module, rec)
    assert info.value.details['result'] == dict(changed=True, actions=['create_user'])
    assert not any(isinstance(step, tuple) for step in rec.steps)          # no verify


# ----- every refused subject is named ------------------------------------------------

def refused(subject, msg, refusal=None, category=SERVER_ERROR):
    details = dict(refusal=refusal) if refusal else {}
    return Action('create_user', subject), ZillizError(category, msg, **details)


def test_combined_failure_of_one_keeps_its_message_and_category():
    action, error = refused('a', 'no', category=LIMIT_EXCEEDED)
    combined = combined_failure([(action, error)])
    assert (combined.msg, combined.category, combined.details['refused']) == ('no', LIMIT_EXCEEDED, ['a'])


def test_combined_failure_names_every_subject():
    failures = [refused('c', 'c is full.', USER_LIMIT, LIMIT_EXCEEDED),
                refused('a', 'a is full.', USER_LIMIT, LIMIT_EXCEEDED),
                refused('b', 'b broke.'),
                refused('a', 'a is full again.', USER_LIMIT, LIMIT_EXCEEDED)]
    error = combined_failure(failures)
    assert error.category == LIMIT_EXCEEDED and error.details['refusal'] == USER_LIMIT
    assert error.details['refused'] == ['a', 'b', 'c']
    assert error.msg.startswith('c is full.')
    assert 'The same refusal for: a.' in error.msg            # by name only, once
    assert 'Also: b broke.' in error.msg
    assert 'a is full' not in error.msg


def test_a_single_refused_subject_is_named_in_refused_too():
    def apply_one(conn, action):
        raise ZillizError(SERVER_ERROR, 'no.')
    with pytest.raises(ZillizError) as info:
        execute(FakeConnection(), [[[Action('create_user', 'a')]]], apply_one, Outcome([]))
    assert info.value.details.get('refused') == ['a']


def test_subjects_never_attempted_after_a_refusal_are_named():
    conn = FakeConnection()
    conn.workers = 1            # one chain after the other: the refusal of a stops b and c before they start

    def apply_one(conn, action):
        if action.subject == 'a':
            raise ZillizError(LIMIT_EXCEEDED, 'a refused.', refusal=USER_LIMIT)
        return DONE
    outcome = Outcome([])
    with pytest.raises(ZillizError) as info:
        execute(conn, [[[Action('create_user', s)] for s in ('a', 'c', 'b')]], apply_one, outcome)
    assert info.value.details['refused'] == ['a']
    assert info.value.msg == 'a refused. Not done after that (run again to finish): b, c.'
    assert outcome.done == []


def test_combined_failure_names_the_skipped_subjects_once_in_order():
    error = combined_failure([refused('a', 'a refused.')], skipped=['z', 'b', 'z'])
    assert error.msg.endswith('Not done after that (run again to finish): b, z.') and error.details['refused'] == ['a']


def test_unlisted_is_what_exclusive_drops():
    from ansible_collections.zilliz.cloud.plugins.module_utils._engine import unlisted as unlisted_names
    existing = {'b': set(), 'a': set(), 'root': set(), 'listed': set()}
    assert unlisted_names(existing, [dict(name='listed'), dict(name='ghost')], ('root',)) == ['a', 'b']


def test_execute_raises_one_error_naming_every_subject_refused_in_the_phase():
    barrier = threading.Barrier(3, timeout=5)

    def apply_one(conn, action):
        barrier.wait()          # all three are under way before any fails
        if action.subject != 'ok':
            raise ZillizError(LIMIT_EXCEEDED, '%s refused.' % action.subject, refusal=USER_LIMIT)
        return DONE
    outcome = Outcome([])
    phases = [[[Action('create_user', s)] for s in ('u2', 'ok', 'u1')], [[Action('never', 'ok')]]]
    with pytest.raises(ZillizError) as info:
        execute(FakeConnection(), phases, apply_one, outcome)
    assert info.value.details['refused'] == ['u1', 'u2']
    assert 'u1' in info.value.msg and 'u2' in info.value.msg
    assert [str(a) + '@' + a.subject for a in outcome.done] == ['create_user@ok']


# ----- reporting is linear in the list -------------------------------------------------

class CountingList(list):
    """A list that counts every scan of it."""
    scans = 0

    def __iter__(self):
        CountingList.scans += 1
        return super(CountingList, self).__iter__()

    def __contains__(self, item):
        CountingList.scans += 1
        return super(CountingList, self).__contains__(item)

    def index(self, *args):
        CountingList.scans += 1
        return super(CountingList, self).index(*args)

    def count(self, item):
        CountingList.scans += 1
        return super(CountingList, self).count(item)


def test_actions_for_does_not_rescan_what_was_done():
    plans = [plan('u%04d' % i, 'create_user', 'grant_role') for i in range(1000)]
    outcome = Outcome(plans)
    outcome.done = CountingList()
    for p in plans:
        outcome.record(p.actions[0], DONE)
        if int(p.name[1:]) % 2:
            outcome.record(p.actions[1], DONE)
        else:
            outcome.record(Action('update_password', p.name), DONE)       # an extra one
    CountingList.scans = 0
    reported = [outcome.actions_for(p) for p in plans]
    assert CountingList.scans == 0
    assert [str(a) for a in reported[1]] == ['create_user', 'grant_role']
    assert [str(a) for a in reported[2]] == ['create_user', 'update_password']
    assert all(len(actions) == 2 for actions in reported)
    assert outcome.changed and CountingList.scans == 0


def test_result_of_a_thousand_subjects_does_not_rescan_what_was_done():
    plans = [plan('u%04d' % i, 'create_user') for i in range(1000)]
    rec = ListReconciler(plans)
    rec.batch = True
    rec.subject_result = lambda p, actions: dict(name=p.name, actions=[str(a) for a in actions])
    outcome = Outcome(plans)
    outcome.done = CountingList()
    for p in plans:
        outcome.record(p.actions[0], DONE if p.name != 'u0007' else CONVERGED)
    CountingList.scans = 0
    result = rec.result(outcome, diff=True)
    assert CountingList.scans == 0
    assert len(result['users']) == 1000 and result['users'][7] == dict(name='u0007', actions=[])
    assert len(result['actions']) == 999 and 'u0007' not in result['diff']['after']


def test_actions_for_a_subject_with_nothing_done_is_empty_and_check_mode_reports_the_plan():
    plans = [plan('a', 'create_user')]
    assert Outcome(plans).actions_for(plans[0]) == [] and not Outcome(plans).changed
    assert Outcome(plans, applied=False).actions_for(plans[0]) == list(plans[0].actions)


# ----- pieces every kind shares ---------------------------------------------------------

class Kind(Reconciler):
    list_key = 'users'
    noun = 'user'
    everything_unlisted = 'every user'

    def __init__(self, params, names=()):
        super(Kind, self).__init__(params)
        self.requests = [dict(name=name, index=i) for i, name in enumerate(names)]


def test_common_problems_names_listed_twice():
    problems = Kind(dict(users=[{}, {}, {}]), ['a', 'b', 'a']).common_problems()
    assert problems == ['users[2] (a): user a is listed twice (also users[0])']


@pytest.mark.parametrize('params, fragment', [
    (dict(exclusive=True), 'exclusive needs the users list'),
    (dict(exclusive=True, users=[]), 'exclusive with an empty users list would drop every user'),
    (dict(users=[{}], max_drops=-1), 'max_drops must be 0 or more'),
])
def test_common_problems_exclusive_and_max_drops(params, fragment):
    problems = Kind(params, ['a'] if params.get('users') else []).common_problems()
    assert len(problems) == 1 and fragment in problems[0]


def test_common_problems_none():
    assert Kind(dict(users=[{}, {}], exclusive=True, max_drops=0), ['a', 'b']).common_problems() == []


def unlisted(name, *kinds):
    return SubjectPlan(name, 'absent', [Action(kind, name) for kind in kinds], {}, {}, listed=False)


def test_clean_up_limit_counts_only_unlisted_subjects_that_change():
    plans = [plan('listed', 'drop_user'), unlisted('x', 'drop_user'), unlisted('y', 'drop_user'), unlisted('z')]
    assert Kind(dict(users=[{}], max_drops=2)).clean_up_limit_problems(plans) == []
    assert Kind(dict(users=[{}])).clean_up_limit_problems(plans) == []
    problems = Kind(dict(users=[{}], max_drops=1)).clean_up_limit_problems(plans)
    assert len(problems) == 1
    assert 'exclusive would drop 2 users, more than max_drops=1: x, y' in problems[0]
    assert 'Nothing was changed' in problems[0]


def test_settled_after_retry_is_this_runs_write():
    error = ZillizError(SERVER_ERROR, 'exists')
    assert Reconciler.settled(error) == CONVERGED
    error.after_retry = True
    assert Reconciler.settled(error) == DONE


def test_mark_unlisted():
    assert Reconciler.mark_unlisted(unlisted('x'), {}) == dict(unlisted=True)
    assert Reconciler.mark_unlisted(plan('x'), {}) == {}


def test_count_and_profile_warnings():
    from ansible_collections.zilliz.cloud.plugins.module_utils._server import detect
    assert Reconciler.count([plan('a', 'drop_user', 'x'), plan('b', 'drop_user')], 'drop_user') == 2
    assert Reconciler.profile_warnings(detect('v2.6.18')) == []
    assert '9.9.9' in Reconciler.profile_warnings(detect('9.9.9'))[0]


class WatchingConnection(FakeConnection):
    """Hands apply_one a view of execute's failures (the closure of the chain runner), so that a test can
    wait until a refusal is recorded: deterministic interleaving without sleeps."""

    def map(self, call, items):
        cells = dict(zip(call.__code__.co_freevars, call.__closure__ or ()))
        if 'failures' in cells:
            self.failures = cells['failures'].cell_contents
        return FakeConnection.map(self, call, items)


def test_a_subject_stopped_half_way_is_named():
    conn = WatchingConnection()
    a_started = threading.Event()

    def apply_one(conn, action):
        if action.subject == 'a':
            a_started.wait(5)
            raise ZillizError(SERVER_ERROR, 'a refused.')
        if action.kind == 'create_user':
            a_started.set()
            for dummy in range(500):            # until a's refusal is recorded
                if conn.failures:
                    break
                threading.Event().wait(0.01)
        return DONE
    outcome = Outcome([])
    with pytest.raises(ZillizError) as info:
        execute(conn, [[[Action('create_user', 'a')], [Action('create_user', 'b'), Action('grant_role', 'b', 'r')]]],
                apply_one, outcome)
    assert [str(a) + '@' + a.subject for a in outcome.done] == ['create_user@b']
    assert 'b' in info.value.msg


def test_different_unclassified_errors_keep_their_messages():
    error = combined_failure([refused('a', 'a: deadline of the coordinator passed.'), refused('b', 'b: etcd lost.')])
    assert 'etcd lost' in error.msg


class KindReconciler(Reconciler):
    """One kind of a several-kind run: plans `actions` on subjects of its own,
    and records what it saw of the kinds planned before it."""

    def __init__(self, noun, actions, log, problems=(), refuse=None):
        super(KindReconciler, self).__init__({})
        self.noun, self.actions, self.log, self.problems, self.refuse = noun, actions, log, list(problems), refuse
        self.seen = None

    def validate(self):
        return self.problems

    def observe(self, conn, earlier=()):
        self.seen = [(reconciler.noun, [str(a) for p in plan.subjects for a in p.actions]) for reconciler, plan in earlier]
        self.log.append('observe %s' % self.noun)
        return self.noun

    def plan(self, state):
        self.log.append('plan %s' % self.noun)
        if self.refuse:
            raise ZillizError('invalid_input', self.refuse)
        return Plan([SubjectPlan(self.noun, 'present', [Action(kind, self.noun) for kind in self.actions], {}, {})],
                    ['warning of %s' % self.noun])

    def phases(self, plans, state):
        return [chains(a for p in plans for a in p.actions)]

    def apply(self, conn, action):
        self.log.append('apply %s' % action)
        if action.kind == 'boom':
            raise ZillizError(SERVER_ERROR, 'boom')
        return DONE

    def verify(self, conn, state, outcome):
        self.log.append('verify %s' % self.noun)


def changes(*outcomes):
    return [[str(a) for a in outcome.done] for outcome in outcomes]


def test_several_kinds_on_one_connection_each_observing_the_earlier_plans():
    log = []
    module = FakeModule()
    roles = KindReconciler('role', ['create_role'], log)
    users = KindReconciler('user', ['create_user', 'grant_role'], log)
    outcomes = reconcile_all(module, [roles, users], changes)
    assert module.connections == 1
    assert roles.seen == [] and users.seen == [('role', ['create_role'])]
    # Every kind is planned before the first change; then each applies and verifies in order.
    assert log == ['observe role', 'plan role', 'observe user', 'plan user', 'apply create_role', 'verify role',
                   'apply create_user', 'apply grant_role', 'verify user']
    assert [o.warnings for o in outcomes] == [['warning of role'], ['warning of user']]
    assert [[str(a) for a in o.done] for o in outcomes] == [['create_role'], ['create_user', 'grant_role']]


def test_several_kinds_in_check_mode_plan_all_and_apply_nothing():
    log = []
    module = FakeModule(check_mode=True)
    roles = KindReconciler('role', ['create_role'], log)
    users = KindReconciler('user', ['create_user'], log)
    outcomes = reconcile_all(module, [roles, users], changes)
    assert users.seen == [('role', ['create_role'])]
    assert log == ['observe role', 'plan role', 'observe user', 'plan user']
    assert all(o.changed and not o.applied for o in outcomes)


def test_a_later_kind_that_cannot_be_planned_stops_the_run_before_any_change():
    log = []
    roles = KindReconciler('role', ['create_role'], log)
    users = KindReconciler('user', ['create_user'], log, refuse='users[0]: role x does not exist')
    with pytest.raises(ZillizError) as info:
        reconcile_all(FakeModule(), [roles, users], changes)
    assert info.value.msg == 'users[0]: role x does not exist'
    assert not [entry for entry in log if entry.startswith('apply')]


def test_several_kinds_validate_together_before_connecting():
    module = FakeModule()
    roles = KindReconciler('role', [], [], problems=['roles[0]: bad'])
    users = KindReconciler('user', [], [], problems=['users[1]: worse'])
    with pytest.raises(ZillizError) as info:
        reconcile_all(module, [roles, users], changes)
    assert 'roles[0]: bad; users[1]: worse' in info.value.msg
    assert not hasattr(module, 'connections')


def test_a_failure_in_a_later_kind_reports_what_every_kind_did():
    log = []
    roles = KindReconciler('role', ['create_role'], log)
    users = KindReconciler('user', ['create_user', 'boom'], log)
    with pytest.raises(ZillizError) as info:
        reconcile_all(FakeModule(), [roles, users], changes)
    assert info.value.details['result'] == [['create_role'], ['create_user']]
    assert 'verify user' not in log
