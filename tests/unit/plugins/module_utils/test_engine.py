"""The reconcile engine with a fake connection and a fake module: pure logic."""

import threading

import pytest

from ansible_collections.zilliz.cloud.plugins.module_utils import _connection
from ansible_collections.zilliz.cloud.plugins.module_utils._engine import (
    CONVERGED, DONE, Action, Outcome, Plan, Reconciler, SubjectPlan, chains, execute, reconcile, reconcile_all,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._errors import SERVER_ERROR, ZillizError


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
        self.connections = getattr(self, 'connections', 0) + 1
        return self.conn


def plan(name, *kinds):
    return SubjectPlan(name, 'present', [Action(kind, name) for kind in kinds], {}, {})


class ListReconciler(Reconciler):
    """Plans fixed in advance; apply records the call, fails or converges on demand."""

    def __init__(self, plans, fail=(), converge=(), problems=()):
        super(ListReconciler, self).__init__({})
        self.plans, self.fail, self.converge, self.problems = plans, fail, converge, list(problems)
        self.observed = False

    def validate(self):
        return self.problems

    def observe(self, conn):
        self.observed = True
        return 'state'

    def plan(self, state):
        assert state == 'state'
        return Plan(self.plans)

    def phases(self, plans, state):
        return [chains(a for p in plans for a in p.actions)]

    def apply(self, conn, action):
        with conn.lock:
            conn.calls.append(action)
        if action in self.fail:
            raise ZillizError(SERVER_ERROR, 'failed %s' % action)
        return CONVERGED if action in self.converge else DONE

    def changes(self, outcome):
        return dict(changed=bool(outcome.done), actions=[str(a) for a in outcome.done])


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
    assert info.value.details['result'] == dict(changed=True, actions=['create_user'])


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
