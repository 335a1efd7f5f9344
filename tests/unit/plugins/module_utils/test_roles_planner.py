"""The role planner: desired roles and privileges + what the server holds -> actions. Pure, no server."""

import threading

import pytest

from ansible_collections.zilliz.cloud.plugins.module_utils import _errors as E
from ansible_collections.zilliz.cloud.plugins.module_utils._connection import Connection, ServerRefusal
from ansible_collections.zilliz.cloud.plugins.module_utils._engine import (
    CONVERGED, DONE, Action, Outcome, reconcile, summarise,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._privileges import grant_key, object_type_of
from ansible_collections.zilliz.cloud.plugins.module_utils._roles import (
    RoleReconciler, RoleState, build_requests, lockout_problems, plan_roles, privilege_items, state_problems,
    validate_requests,
)
from ansible_collections.zilliz.cloud.plugins.module_utils._server import detect, parse_version

TOP = dict(name=None, state='present', privileges=None, privileges_mode='exact', roles=None)
LOCAL = 'http://127.0.0.1:19530'
ZILLIZ = 'https://in01-abc123.aws-us-west-2.vectordb.zillizcloud.com:19530'


def item(privilege, object_type='Collection', object_name='*', db_name='default'):
    return dict(privilege=privilege, object_type=object_type, object_name=object_name, db_name=db_name)


def v2(privilege, object_name='*', db_name='default'):
    return dict(privilege=privilege, object_type=None, object_name=object_name, db_name=db_name)


def key(*args):
    return grant_key(item(*args))


def requests(**kwargs):
    params = dict(TOP)
    params.update(kwargs)
    return build_requests(params)


def profile(version='v2.3.5-lite', uri=LOCAL):
    return detect(version, uri)


def state(members, databases, grants, version='v2.3.5-lite', uri=LOCAL, **kwargs):
    return RoleState(members, databases, grants, profile(version, uri), **kwargs)


STATE = state(
    members={'admin': {'boss'}, 'public': set(), 'reader': {'ann'}, 'writer': set(), 'stray': {'bob'}},
    databases=['default', 'analytics'],
    grants={'reader': {key('Search', 'Collection', 'orders'), key('Query', 'Collection', 'orders', 'analytics')},
            'writer': {key('Insert')}, 'stray': {key('Search')},
            'public': {key('IndexDetail', 'Collection', '*', '*')}})


def privileges(snapshot):
    return privilege_items(snapshot['grants'])


def actions_of(plans):
    return [(p.name, str(a)) for p in plans for a in p.actions]


def test_create_with_privileges_in_two_databases():
    plans = plan_roles(requests(name='new', privileges=[item('Search', 'Collection', 'o'),
                                                        item('Query', 'Collection', 'o', 'analytics')]), STATE)
    assert actions_of(plans) == [('new', 'create_role'), ('new', 'grant:Collection:o:Query@analytics'),
                                 ('new', 'grant:Collection:o:Search@default')]
    assert plans[0].before == dict(exists=False, grants=frozenset())
    assert plans[0].after['grants'] == {key('Search', 'Collection', 'o'), key('Query', 'Collection', 'o', 'analytics')}
    assert privileges(plans[0].after) == [item('Query', 'Collection', 'o', 'analytics'),
                                          item('Search', 'Collection', 'o')]


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
    held = state({'g': set()}, ['default'], {'g': {key('CreateCollection', 'Global', '*')}})
    plans = plan_roles(requests(name='g', privileges=[item('CreateCollection', 'Global', 'anything')]), held)
    assert actions_of(plans) == []


def test_absent_revokes_everything_then_drops():
    plans = plan_roles(requests(name='reader', state='absent'), STATE)
    assert [str(a) for a in plans[0].actions] == ['revoke:Collection:orders:Query@analytics',
                                                  'revoke:Collection:orders:Search@default', 'drop_role']
    assert plan_roles(requests(name='ghost', state='absent'), STATE)[0].actions == ()


def test_exclusive_spares_builtin_and_protected():
    plans = plan_roles(requests(roles=[{'name': 'reader'}]), STATE, exclusive=True, protected=['writer'])
    dropped = [p.name for p in plans if not p.listed]
    assert dropped == ['stray']
    assert [str(a) for a in plans[-1].actions] == ['revoke:Collection:*:Search@default', 'drop_role']


def test_exclusive_spares_the_builtin_roles_of_zilliz_cloud_there_only():
    members = {'admin': set(), 'public': set(), 'db_ro': set(), 'db_admin': {'db_admin'}, 'mine': set()}
    for uri, expected in ((ZILLIZ, ['mine']), (LOCAL, ['db_admin', 'db_ro', 'mine'])):
        plans = plan_roles(requests(roles=[{'name': 'x'}]), state(members, ['default'], {}, uri=uri), exclusive=True)
        assert [p.name for p in plans if not p.listed] == expected


def test_validation_names_every_problem():
    reqs = requests(roles=[{'name': '1bad'}, {'name': 'admin', 'privileges': [item('All', 'Global')]},
                           {'name': 'public', 'state': 'absent'}, {'name': 'ok', 'privileges': [item('Serch')]},
                           {'name': 'ok'}])
    text = '; '.join(validate_requests(reqs, True, 'milvus'))
    for expected in ('roles[0] (1bad)', 'roles[1] (admin)', 'roles[2] (public)', 'Serch'):
        assert expected in text
    # Names listed twice: the check every kind shares (Reconciler.common_problems), run by validate().
    params = dict(TOP, roles=[{'name': '1bad'}, {'name': 'ok', 'privileges': [item('Serch')]}, {'name': 'ok'}],
                  name_policy='milvus', uri=LOCAL)
    text = '; '.join(RoleReconciler(params).validate())
    for expected in ('roles[0] (1bad)', 'Serch', 'roles[2] (ok): role ok is listed twice (also roles[1])'):
        assert expected in text


def test_zilliz_builtin_roles_are_protected_on_zilliz_cloud_only():
    members = {'admin': set(), 'public': set(), 'db_ro': set()}
    for reqs in (requests(name='db_ro', privileges=[item('Search')]), requests(name='db_ro', state='absent')):
        problems = state_problems(reqs, state(members, ['default'], {}, 'v2.5.27', ZILLIZ), False)
        assert len(problems) == 1 and 'db_ro' in problems[0] and 'Zilliz Cloud' in problems[0]
        assert not state_problems(reqs, state(members, ['default'], {}, 'v2.5.27', LOCAL), False)
    # Known by its answer only (a private endpoint): the same.
    zilliz = RoleState(members, ['default'], {}, detect('Zilliz Cloud (Compatible with Milvus 2.5)', LOCAL))
    assert state_problems(requests(name='db_ro', state='absent'), zilliz, False)


def test_zilliz_name_rule():
    assert validate_requests(requests(name='a$b'), False, 'zilliz')
    assert not validate_requests(requests(name='a$b'), False, 'milvus')


def test_databases_and_v2_are_checked_against_the_server():
    reqs = requests(name='r', privileges=[item('Search', 'Collection', '*', 'nowhere'),
                                          dict(privilege='CollectionReadOnly', object_type=None, object_name='*',
                                               db_name='default')])
    problems = state_problems(reqs, STATE, False)
    assert len(problems) == 2 and 'nowhere' in problems[0]
    assert 'CollectionReadOnly' in problems[1] and 'this server (version 2.3.5)' in problems[1] and '2.4.18' in problems[1]
    assert not state_problems(requests(name='r', privileges=[item('Search', db_name='*')]), STATE, False)
    newer = state(STATE.members, STATE.databases, STATE.grants, 'v2.4.18')
    assert len(state_problems(reqs, newer, False)) == 1


def test_versions():
    assert parse_version('v2.3.5-lite') == (2, 3, 5)
    assert not profile('v2.4.17').privilege_groups
    assert profile('v2.4.18').privilege_groups and profile('2.6.0').privilege_groups
    assert detect('Zilliz Cloud', ZILLIZ).privilege_groups      # unknown release: the newest behaviour


def test_lockout_of_the_login_user_through_its_own_role():
    def manager(login_user):
        return state({'manager': {'ops'}, 'admin': set()}, ['default'],
                     {'manager': {key('All', 'Global', '*'), key('Search')}}, login_user=login_user)
    keep = plan_roles(requests(name='manager', privileges=[item('All', 'Global', '*')]), manager('ops'))
    assert lockout_problems(keep, manager('ops')) == []
    lose = plan_roles(requests(name='manager', privileges=[item('Search')]), manager('ops'))
    problems = lockout_problems(lose, manager('ops'))
    assert problems and 'ops' in problems[0] and 'another admin' in problems[0]
    drop = plan_roles(requests(name='manager', state='absent'), manager('ops'))
    assert lockout_problems(drop, manager('ops'))
    assert lockout_problems(lose, manager('root')) == []
    assert lockout_problems(lose, manager('someone_else')) == []
    assert lockout_problems(lose, manager(None)) == []           # an API key names no user


def test_related_privileges_on_newer_servers_read_as_no_change():
    """From 2.3.6 granting Load also grants GetLoadState and GetLoadingProgress;
    exact mode must not revoke them, and the plan predicts what the server holds."""
    load = [item('Load', 'Collection', 'orders')]
    fresh = state({'loader': set()}, ['default'], {'loader': set()}, 'v2.4.20')
    plan = plan_roles(requests(name='loader', privileges=load), fresh)[0]
    assert [str(a) for a in plan.actions] == ['grant:Collection:orders:Load@default']
    assert sorted(p['privilege'] for p in privileges(plan.after)) == ['GetLoadState', 'GetLoadingProgress', 'Load']
    held = state({'loader': set()}, ['default'], {'loader': plan.after['grants']}, 'v2.4.20')
    assert plan_roles(requests(name='loader', privileges=load), held)[0].actions == ()
    removed = plan_roles(requests(name='loader', privileges=load, privileges_mode='remove'), held)[0]
    assert [str(a) for a in removed.actions] == ['revoke:Collection:orders:Load@default']
    assert removed.after['grants'] == frozenset()
    old = state({'loader': set()}, ['default'], {'loader': set()}, 'v2.3.5-lite')
    assert len(plan_roles(requests(name='loader', privileges=load), old)[0].after['grants']) == 1
    assert not profile('2.3.5').adds_related_privileges and profile('2.3.6').adds_related_privileges


class RecordingConnection:
    """Records the privilege requests apply() makes (the RPC layer itself is integration-tested)."""
    user = 'root'

    def __init__(self):
        self.calls = []

    def operate_privilege(self, role, grant, object_type, object_name, privilege, db_name, what):
        self.calls.append(('v1', role, grant, object_type, object_name, privilege, db_name))

    def operate_privilege_v2(self, role, grant, privilege, db_name, collection_name, what):
        self.calls.append(('v2', role, grant, privilege, db_name, collection_name))


def test_privilege_groups_go_out_as_v2_requests_and_plain_grants_as_v1():
    group = dict(privilege='CollectionReadOnly', object_type=None, object_name='orders', db_name='default')
    held = state({'r': set()}, ['default'], {'r': {key('Insert')}}, 'v2.5.4')
    reqs = requests(name='r', privileges=[group, item('Search', 'Collection', 'orders')])
    plan = plan_roles(reqs, held)[0]
    conn = RecordingConnection()
    rec = RoleReconciler(dict(TOP, name='r', privileges=reqs[0]['privileges']))
    for action in plan.actions:
        rec.apply(conn, action)
    assert ('v2', 'r', True, 'CollectionReadOnly', 'default', 'orders') in conn.calls
    assert ('v1', 'r', True, 'Collection', 'orders', 'Search', 'default') in conn.calls
    assert ('v1', 'r', False, 'Collection', '*', 'Insert', 'default') in conn.calls
    assert [str(a) for a in plan.actions if 'v2' in str(a)] == ['grant:v2:orders:CollectionReadOnly@default']
    # Read back as the server stores it, the same request is no change; revoking it is a v2 request too.
    held = state({'r': set()}, ['default'], {'r': set(grant_key(p) for p in privileges(plan.after))}, 'v2.5.4')
    assert plan_roles(reqs, held)[0].actions == ()
    drop = plan_roles(requests(name='r', state='absent'), held)[0]
    conn = RecordingConnection()
    for action in drop.actions[:-1]:
        rec.apply(conn, action)
    assert ('v2', 'r', False, 'CollectionReadOnly', 'default', 'orders') in conn.calls


def test_a_wanted_grant_that_a_revoke_takes_along_is_granted_again():
    held = state({'r': set()}, ['default'], {'r': {key('Load'), key('GetLoadState'), key('GetLoadingProgress')}},
                 'v2.4.20')
    plan = plan_roles(requests(name='r', privileges=[item('GetLoadState')]), held)[0]
    assert [str(a) for a in plan.actions] == ['revoke:Collection:*:GetLoadingProgress@default',
                                              'revoke:Collection:*:Load@default',
                                              'grant:Collection:*:GetLoadState@default']
    assert [a.kind for a in plan.actions][-1] == 'regrant'
    assert [p['privilege'] for p in privileges(plan.after)] == ['GetLoadState']


def test_summary_counts_created_roles_once():
    plans = plan_roles(requests(roles=[{'name': 'n', 'privileges': [item('Search')]},
                                       {'name': 'reader', 'privileges': [item('Search', 'Collection', 'orders')]}]),
                       STATE)
    summary = summarise(plans, lambda p: p.actions, RoleReconciler.summary_rules)
    assert summary['created'] == ['n'] and summary['privileges_changed'] == ['reader']


def refusal_error(code, text, after_retry):
    """The ZillizError the connection makes of a server refusal (Connection.error), as after a retry or not."""
    error = Connection(dict(uri=LOCAL)).error(ServerRefusal(code, text), 'do it')
    error.after_retry = after_retry
    return error


class Refusing:
    user = 'root'

    def __init__(self, code, text, after_retry):
        self.error = refusal_error(code, text, after_retry)

    def _refuse(self, *args):
        raise self.error
    create_role = drop_role = operate_privilege = operate_privilege_v2 = _refuse


@pytest.mark.parametrize('kind, code, text, after_retry, settled', [
    ('create_role', 65535, 'role [name:"r"] already exists', True, DONE),        # 2.3.5
    ('create_role', 65535, 'role [name:"r"] already exists', False, CONVERGED),
    ('create_role', 1100, 'role already exists', True, DONE),                     # 2.6
    ('drop_role', 65535, "not found the role, maybe the role isn't existed or internal system error", True, DONE),
    ('drop_role', 65535, 'role not exists', False, CONVERGED),
    ('drop_role', 1100, 'role not exists', True, DONE),
])
def test_lost_answer_to_create_or_drop_is_this_runs_change(kind, code, text, after_retry, settled):
    rec = RoleReconciler(dict(TOP, name='r'))
    assert rec.apply(Refusing(code, text, after_retry), Action(kind, 'r')) == settled


@pytest.mark.parametrize('code', [65535, 9])
def test_the_role_limit_is_a_limit_error_naming_the_role(code):
    rec = RoleReconciler(dict(TOP, name='r'))
    with pytest.raises(E.ZillizError) as info:
        rec.apply(Refusing(code, 'unable to create role because the number of roles has reached the limit', False),
                  Action('create_role', 'r'))
    assert info.value.category == E.LIMIT_EXCEEDED and info.value.details['refusal'] == E.ROLE_LIMIT
    assert 'create role r' in info.value.msg and 'proxy.maxRoleNum' in info.value.msg


@pytest.mark.parametrize('code', [65535, 1100])
def test_a_drop_refused_for_privileges_left_says_how_to_revoke_them(code):
    rec = RoleReconciler(dict(TOP, name='r'))
    text = 'fail to drop the role that it has privileges. Use REVOKE API to revoke privileges'
    with pytest.raises(E.ZillizError) as info:
        rec.apply(Refusing(code, text, False), Action('drop_role', 'r'))
    assert info.value.category == E.SERVER_ERROR and info.value.details['refusal'] == E.ROLE_HAS_PRIVILEGES
    assert 'drop role r' in info.value.msg and 'privileges_mode: remove' in info.value.msg


def test_other_refusals_of_a_grant_pass_through():
    rec = RoleReconciler(dict(TOP, name='r'))
    with pytest.raises(E.ZillizError) as info:
        rec.apply(Refusing(65535, 'not found the privilege name[BackupRBAC]', False),
                  Action('grant', 'r', key('BackupRBAC', 'Global')))
    assert info.value.category == E.INVALID_INPUT and info.value.details['refusal'] == E.UNKNOWN_PRIVILEGE


def test_lockout_through_public():
    held = state({'public': set(), 'admin': set(), 'other': {'ops'}}, ['default'],
                 {'public': {key('All', 'Global', '*')}, 'other': {key('Search')}}, login_user='ops')
    plans = plan_roles(requests(name='public', privileges=[item('Search')]), held)
    assert lockout_problems(plans, held)


# ----- a whole run against a fake server --------------------------------------------------

class RoleServer:
    """What RoleReconciler asks of a connection, answered from memory like Milvus of `version`: grants are
    stored under the object type the server gives them (`files_as` overrides the tables for v2 grants),
    SelectGrant '*' lists every database on 2.4+, DropRole is refused while grants remain, CreateRole
    beyond `max_roles`. Every request is recorded."""

    workers = 4
    map = Connection.map

    def __init__(self, members, grants=None, databases=('default',), version='v2.4.23', uri=LOCAL, user='root',
                 credential=True, aliases=None, max_roles=None, files_as=None):
        self.members = dict((name, set(users)) for name, users in members.items())
        self.grants = dict((name, set(keys)) for name, keys in (grants or {}).items())
        self.databases = list(databases)
        self.version, self.uri, self.user, self.has_credential = version, uri, user, credential
        self.aliases = aliases or {}
        self.max_roles, self.files_as = max_roles, files_as or {}
        self.requests = []
        self.lock = threading.Lock()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def _record(self, *request):
        with self.lock:
            self.requests.append(request)

    def writes(self):
        return [r for r in self.requests if r[0] in ('create_role', 'drop_role', 'grant', 'revoke')]

    def profile(self):
        return detect(self.version, self.uri)

    def roles_with_members(self):
        return dict((n, set(u)) for n, u in self.members.items())

    def list_databases(self):
        return list(self.databases)

    def role_grants(self, role, db_name):
        self._record('select_grant', role, db_name)
        held = self.grants.get(role, set())
        if db_name == '*' and self.profile().lists_grants_of_every_database:
            return sorted(held)
        return sorted(k for k in held if k[2] in (db_name, '*'))

    def collection_aliases(self, db_name):
        self._record('list_aliases', db_name)
        return dict(self.aliases.get(db_name, {}))

    def _refuse(self, code, text):
        raise Connection(dict(uri=self.uri)).error(ServerRefusal(code, text), 'do it')

    def create_role(self, name):
        self._record('create_role', name)
        if self.max_roles is not None and len(self.members) >= self.max_roles:
            self._refuse(65535, 'unable to create role because the number of roles has reached the limit')
        self.members[name] = set()

    def drop_role(self, name):
        self._record('drop_role', name)
        if self.grants.get(name):
            self._refuse(65535, 'fail to drop the role that it has privileges. Use REVOKE API to revoke privileges')
        del self.members[name]

    def _operate(self, role, grant, stored):
        self._record('grant' if grant else 'revoke', role, stored)
        (self.grants.setdefault(role, set()).add if grant else self.grants.setdefault(role, set()).discard)(stored)

    def operate_privilege(self, role, grant, object_type, object_name, privilege, db_name, what):
        self._operate(role, grant, (object_type, object_name, db_name, privilege))

    def operate_privilege_v2(self, role, grant, privilege, db_name, collection_name, what):
        object_type = self.files_as.get(privilege, object_type_of(privilege))
        self._operate(role, grant, (object_type, collection_name, db_name, privilege))


from engine_fakes import Module  # noqa: E402  same directory  pylint: disable=wrong-import-position


def run(server, check_mode=False, **kwargs):
    params = dict(TOP, uri=server.uri, name_policy='milvus', validate_privilege_names=True)
    params.update(kwargs)
    rec = RoleReconciler(params, check_mode)
    outcome = reconcile(Module(server, check_mode), rec)
    return rec.result(outcome), outcome


def observed(server, **kwargs):
    params = dict(TOP, uri=server.uri, name_policy='milvus')
    params.update(kwargs)
    rec = RoleReconciler(params)
    return rec, rec.observe(server)


# ----- grants in a database that no longer exists (2.4+: SelectGrant '*' lists them) ------------

GONE = ('Collection', 'orders', 'gone', 'Query')


@pytest.mark.parametrize('how', ['absent', 'exclusive'])
def test_grants_in_a_dropped_database_are_revoked_before_the_role_is_dropped(how):
    server = RoleServer({'admin': set(), 'public': set(), 'old': set()},
                        {'old': {GONE, key('Search')}}, databases=['default'])
    if how == 'absent':
        result, dummy = run(server, name='old', state='absent')
    else:
        result, dummy = run(server, roles=[{'name': 'keep'}], exclusive=True)
    old = [w for w in server.writes() if w[1] == 'old']
    assert sorted(old[:2]) == sorted([('revoke', 'old', GONE), ('revoke', 'old', key('Search'))])
    assert old[2:] == [('drop_role', 'old')]
    assert 'old' not in server.members and result['changed']
    assert ('select_grant', 'old', '*') in server.requests


def test_exact_mode_revokes_grants_in_a_dropped_database():
    held = state({'r': set()}, ['default'], {'r': {GONE, key('Search')}}, 'v2.4.23')
    plan = plan_roles(requests(name='r', privileges=[item('Search')]), held)[0]
    assert [str(a) for a in plan.actions] == ['revoke:Collection:orders:Query@gone']
    server = RoleServer({'admin': set(), 'r': set()}, {'r': {GONE, key('Search')}})
    run(server, name='r', privileges=[item('Search')])
    assert server.grants['r'] == {key('Search')}


# ----- phases: drops first -------------------------------------------------------------------

def test_role_phases_put_drops_before_creations():
    held = state({'admin': set(), 'public': set(), 'stray': set(), 'keep': set()}, ['default'],
                 {'stray': {key('Search')}, 'keep': {key('Insert')}}, 'v2.4.23')
    reqs = requests(roles=[{'name': 'new', 'privileges': [item('Search')]}, {'name': 'keep', 'privileges': []}])
    plans = plan_roles(reqs, held, exclusive=True)
    phases = RoleReconciler(dict(TOP, roles=[])).phases(plans, held)
    shown = [[[str(a) + '@' + a.subject for a in chain] for chain in phase] for phase in phases]
    assert shown == [[['revoke:Collection:*:Search@default@stray', 'drop_role@stray']],
                     [['create_role@new', 'grant:Collection:*:Search@default@new']],
                     [['revoke:Collection:*:Insert@default@keep']],
                     []]


def test_exclusive_at_the_role_limit_drops_before_it_creates():
    server = RoleServer({'admin': set(), 'public': set(), 'stray': set()}, {'stray': {key('Search')}}, max_roles=3)
    result, dummy = run(server, roles=[{'name': 'new'}], exclusive=True)
    assert server.writes() == [('revoke', 'stray', key('Search')), ('drop_role', 'stray'), ('create_role', 'new')]
    assert result['summary']['created'] == ['new'] and result['summary']['dropped'] == ['stray']


def test_the_role_limit_refusal_of_a_run_names_the_role_and_what_was_done():
    server = RoleServer({'admin': set(), 'public': set(), 'a': set()}, max_roles=3)
    with pytest.raises(E.ZillizError) as info:
        run(server, roles=[{'name': 'new'}, {'name': 'a', 'state': 'absent'}, {'name': 'newer'}])
    assert info.value.category == E.LIMIT_EXCEEDED
    assert info.value.details['result']['actions'] == ['a:drop_role', 'new:create_role'] or \
        info.value.details['result']['actions'] == ['a:drop_role', 'newer:create_role']


def test_the_custom_role_limit_of_zilliz_cloud_is_counted_before_any_change():
    members = dict(('c%02d' % i, set()) for i in range(19))
    members.update({'admin': set(), 'public': set(), 'db_admin': {'db_admin'}, 'db_ro': set(), 'db_rw': set()})
    server = RoleServer(members, uri=ZILLIZ, user='db_admin')
    with pytest.raises(E.ZillizError) as info:
        run(server, roles=[{'name': 'n1'}, {'name': 'n2'}], name_policy='zilliz')
    assert info.value.category == E.INVALID_INPUT and server.writes() == []
    assert 'would hold 21 custom roles' in info.value.msg and 'at most 20' in info.value.msg
    run(server, roles=[{'name': 'n1'}, {'name': 'c00', 'state': 'absent'}, {'name': 'n2'}], name_policy='zilliz')
    assert server.writes()[0] == ('drop_role', 'c00') and len(server.members) == 25


# ----- v2 grants as the server files them ---------------------------------------------------------

def test_a_v2_item_the_tables_do_not_know_read_back_under_collection_is_no_change_on_a_second_run():
    wanted = [v2('FutureCollectionThing', 'orders')]
    held = state({'r': set()}, ['default'], {'r': {('Collection', 'orders', 'default', 'FutureCollectionThing')}},
                 'v2.6.18')
    plan = plan_roles(requests(name='r', privileges=wanted), held)[0]
    assert plan.actions == ()
    assert privileges(plan.after) == [item('FutureCollectionThing', 'Collection', 'orders')]
    # The same through a run (validate_privilege_names: false lets the name through).
    server = RoleServer({'admin': set(), 'r': set()}, {'r': {('Collection', 'orders', 'default',
                                                              'FutureCollectionThing')}}, version='v2.6.18')
    result, dummy = run(server, name='r', privileges=wanted, validate_privilege_names=False)
    assert not result['changed'] and server.writes() == []


def test_a_v2_item_the_tables_do_not_know_is_granted_once_and_then_stays():
    wanted = [v2('FutureCollectionThing', 'orders')]
    server = RoleServer({'admin': set(), 'r': set()}, version='v2.6.18',
                        files_as={'FutureCollectionThing': 'Collection'})
    first, dummy = run(server, name='r', privileges=wanted, validate_privilege_names=False)
    assert first['changed'] and first['actions'] == ['grant:v2:orders:FutureCollectionThing@default']
    assert server.grants['r'] == {('Collection', 'orders', 'default', 'FutureCollectionThing')}
    writes = len(server.writes())
    result, dummy = run(server, name='r', privileges=wanted, validate_privilege_names=False)
    assert not result['changed'] and len(server.writes()) == writes


def test_the_first_run_of_a_v2_item_the_tables_do_not_know_verifies():
    # The plan guesses Global (object_type_of); the server files it under Collection: verify leaves the object
    # type of a name no table knows out of the comparison, so the first run succeeds.
    server = RoleServer({'admin': set(), 'r': set()}, version='v2.6.18',
                        files_as={'FutureCollectionThing': 'Collection'})
    result, dummy = run(server, name='r', privileges=[v2('FutureCollectionThing', 'orders')],
                        validate_privilege_names=False)
    assert result['changed']


def test_verify_still_compares_the_object_type_of_known_privileges():
    # Search is a Collection privilege: read back under another object type, it is a difference.
    server = RoleServer({'admin': set(), 'r': set()})
    real = server.operate_privilege
    server.operate_privilege = lambda role, grant, object_type, *rest: real(role, grant, 'User', *rest)
    with pytest.raises(E.ZillizError) as info:
        run(server, name='r', privileges=[item('Search')])
    assert 'do not read back as planned' in info.value.msg


# ----- privileges newer than the server ------------------------------------------------------------

def test_a_privilege_newer_than_the_server_is_refused_before_any_change():
    reqs = requests(roles=[{'name': 'ok', 'privileges': [item('Search')]},
                           {'name': 'backup', 'privileges': [item('BackupRBAC', 'Global')]}])
    problems = state_problems(reqs, state({'admin': set()}, ['default'], {}, '2.3.5'), True)
    assert len(problems) == 1
    assert 'roles[1] (backup) privileges[0]: privilege BackupRBAC came with version 2.4.10' in problems[0]
    assert 'this server (version 2.3.5)' in problems[0]
    assert not state_problems(reqs, state({'admin': set()}, ['default'], {}, '2.4.10'), True)
    server = RoleServer({'admin': set(), 'public': set()}, version='2.3.5')
    with pytest.raises(E.ZillizError) as info:
        run(server, roles=[{'name': 'ok', 'privileges': [item('Search')]},
                           {'name': 'backup', 'privileges': [item('BackupRBAC', 'Global')]}])
    assert info.value.category == E.INVALID_INPUT and 'BackupRBAC' in info.value.msg
    assert server.writes() == []                      # the other role planned nothing either


# ----- collection aliases (2.6.12+ files grants under the collection's own name) ------------------------

def test_an_alias_as_object_name_is_refused_on_2_6_12_naming_the_collection():
    wanted = [item('Search', 'Collection', 'live')]
    server = RoleServer({'admin': set(), 'public': set()}, version='2.6.12', aliases={'default': {'live': 'orders'}})
    with pytest.raises(E.ZillizError) as info:
        run(server, name='r', privileges=wanted)
    assert 'live is an alias of collection orders' in info.value.msg and 'object_name: orders' in info.value.msg
    assert server.writes() == [] and ('list_aliases', 'default') in server.requests


def test_an_alias_as_object_name_is_accepted_on_2_6_11():
    server = RoleServer({'admin': set(), 'public': set()}, version='2.6.11', aliases={'default': {'live': 'orders'}})
    run(server, name='r', privileges=[item('Search', 'Collection', 'live')])
    assert server.grants['r'] == {key('Search', 'Collection', 'live')}
    assert not any(r[0] == 'list_aliases' for r in server.requests)


def test_aliases_are_looked_up_only_in_databases_the_items_name():
    server = RoleServer({'admin': set()}, databases=['default', 'analytics', 'other'], version='2.6.18')
    rec, seen = observed(server, name='r', privileges=[item('Search', 'Collection', 'a', 'analytics'),
                                                       item('Search', 'Collection', '*'), v2('CollectionReadOnly', 'b'),
                                                       item('Search', 'Collection', 'c', 'nowhere')])
    assert sorted(r[1] for r in server.requests if r[0] == 'list_aliases') == ['analytics', 'default']


# ----- a credential is needed for privilege changes --------------------------------------------------

def test_grants_without_a_credential_are_refused():
    no_credential = state({'admin': set(), 'r': set()}, ['default'], {}, 'v2.4.23', credential=False)
    problems = state_problems(requests(name='r', privileges=[item('Search')]), no_credential, False)
    assert len(problems) == 1 and 'needs a credential' in problems[0]
    assert state_problems(requests(name='r', privileges=[]), no_credential, False) == []
    assert state_problems(requests(name='r', state='absent'), no_credential, False) == []
    assert state_problems(requests(name='r'), no_credential, False) == []


def test_a_run_without_a_credential_changes_nothing():
    server = RoleServer({'admin': set()}, credential=False)
    with pytest.raises(E.ZillizError) as info:
        run(server, name='r', privileges=[item('Search')])
    assert 'needs a credential' in info.value.msg and server.writes() == []


# ----- observe: what is read --------------------------------------------------------------------------

def test_observe_reads_the_grants_of_the_listed_roles_once_each_on_2_4():
    server = RoleServer({'admin': set(), 'public': set(), 'r': set(), 'other': set()}, {'r': {key('Search')}},
                        databases=['default', 'analytics'])
    rec, seen = observed(server, name='r', privileges=[item('Search')])
    assert sorted(r[1:] for r in server.requests if r[0] == 'select_grant') == [('r', '*')]
    assert seen.grants == {'r': {key('Search')}} and seen.profile.version == (2, 4, 23)


def test_observe_reads_per_database_on_2_3():
    server = RoleServer({'admin': set(), 'r': set()}, databases=['default', 'analytics'], version='2.3.5')
    observed(server, name='r', privileges=[item('Search')])
    assert sorted(r[1:] for r in server.requests if r[0] == 'select_grant') == [('r', 'analytics'), ('r', 'default')]


def test_observe_reads_every_custom_role_for_exclusive_and_the_login_users_for_the_guard():
    server = RoleServer({'admin': {'boss'}, 'public': set(), 'mine': {'ops'}, 'a': set(), 'b': set()}, user='ops')
    observed(server, roles=[{'name': 'a'}], exclusive=True)
    assert sorted(r[1] for r in server.requests if r[0] == 'select_grant') == ['a', 'b', 'mine', 'public']
    server = RoleServer({'admin': {'boss'}, 'public': set(), 'mine': {'ops'}, 'a': set(), 'b': set()}, user='ops')
    observed(server, name='a', privileges=[])
    assert sorted(r[1] for r in server.requests if r[0] == 'select_grant') == ['a', 'mine', 'public']
    server = RoleServer({'admin': {'boss'}, 'public': set(), 'a': set()}, user='boss')
    observed(server, name='a', privileges=[])
    assert sorted(r[1] for r in server.requests if r[0] == 'select_grant') == ['a']


def test_verify_reads_back_only_the_roles_whose_privileges_changed():
    server = RoleServer({'admin': set(), 'public': set(), 'r': set(), 's': set()})
    run(server, roles=[{'name': 'r', 'privileges': [item('Search')]}, {'name': 's'}, {'name': 'n'}])
    reads = [r[1] for r in server.requests if r[0] == 'select_grant']
    assert sorted(reads) == ['r', 'r', 's']      # observe: r and s; verify: r only
    last_write = max(i for i, r in enumerate(server.requests) if r in server.writes())
    assert [r[0] for r in server.requests[last_write + 1:]] == ['select_grant']     # verify only reads


def test_verify_fails_when_the_grants_do_not_read_back_as_planned():
    server = RoleServer({'admin': set(), 'r': set()})
    server.operate_privilege = lambda *args: server._record('grant', 'r', 'lost')
    with pytest.raises(E.ZillizError) as info:
        run(server, name='r', privileges=[item('Search')])
    assert 'do not read back as planned' in info.value.msg and 'r' in info.value.msg
    assert info.value.details['result']['actions'] == ['grant:Collection:*:Search@default']


def test_plan_warns_about_an_unknown_version():
    dummy, outcome = run(RoleServer({'admin': set()}, version='3.0.1'), name='r')
    assert len(outcome.warnings) == 1 and '3.0.1' in outcome.warnings[0]
    dummy, outcome = run(RoleServer({'admin': set()}), name='r')
    assert outcome.warnings == []


def test_results_format_grant_keys_as_items():
    server = RoleServer({'admin': set(), 'r': set()}, {'r': {key('Insert')}})
    wanted = [item('Search', 'Collection', 'o'), v2('CollectionReadOnly', 'o')]
    result, outcome = run(server, name='r', privileges=wanted)
    # A v2 item comes back without object_type, so that it can be handed back as it is.
    assert result['role']['privileges'] == [item('Search', 'Collection', 'o'),
                                            dict(privilege='CollectionReadOnly', object_name='o', db_name='default')]
    assert result['actions'] == ['grant:Collection:o:Search@default', 'grant:v2:o:CollectionReadOnly@default',
                                 'revoke:Collection:*:Insert@default']
    before, after = RoleReconciler(dict(TOP, name='r')).diff_entry(outcome.plans[0], [])
    assert before == dict(exists=True, privileges=[item('Insert')]) and after['privileges'] == \
        result['role']['privileges']
    assert Outcome(outcome.plans).kinds_for(outcome.plans[0]) == set()


def test_a_user_object_named_like_an_alias_is_not_taken_for_the_alias():
    # Aliases name collections: a User grant on user etl is no grant on the collection alias etl.
    held = state({'admin': set()}, ['default'], {}, '2.6.18', aliases={'default': {'etl': 'orders'}})
    reqs = requests(name='r', privileges=[item('Search', 'Collection', 'orders'), item('UpdateUser', 'User', 'etl')])
    assert state_problems(reqs, held, False) == []


def test_a_v2_grant_on_an_alias_is_refused_too():
    held = state({'admin': set()}, ['default'], {}, '2.6.18', aliases={'default': {'live': 'orders'}})
    problems = state_problems(requests(name='r', privileges=[v2('CollectionReadOnly', 'live')]), held, False)
    assert len(problems) == 1 and 'object_name: orders' in problems[0]


# ----- Zilliz Cloud known by its answer: its rules before the first change ---------------------------

def test_zilliz_role_name_rules_apply_when_only_the_answer_says_zilliz_cloud():
    server = RoleServer({'admin': set(), 'public': set()}, version='Zilliz Cloud (Compatible with Milvus 2.5)')
    with pytest.raises(E.ZillizError) as info:
        run(server, name='a$b', name_policy='auto')
    assert info.value.category == E.INVALID_INPUT and 'a$b' in info.value.msg and server.writes() == []
    run(RoleServer({'admin': set()}), name='a$b', name_policy='auto')          # self-hosted Milvus takes it
    run(RoleServer({'admin': set()}, version='Zilliz Cloud (Compatible with Milvus 2.5)'), name='a$b',
        name_policy='milvus')                                                    # said explicitly


# ----- zilliz_role_info: read_roles ---------------------------------------------------------------

def test_read_roles_on_2_4_reads_one_select_grant_per_role_and_never_admins():
    from ansible_collections.zilliz.cloud.plugins.module_utils._roles import read_roles
    server = RoleServer({'admin': {'root'}, 'public': set(), 'r': {'ann', 'bob'}},
                        {'r': {key('Search'), GONE}, 'public': {key('IndexDetail')}}, databases=['default', 'a'])
    roles, databases = read_roles(server)
    assert databases == ['default', 'a']
    assert sorted(r[1:] for r in server.requests if r[0] == 'select_grant') == [('public', '*'), ('r', '*')]
    by_name = dict((r['name'], r) for r in roles)
    assert [r['name'] for r in roles] == ['admin', 'public', 'r']
    assert by_name['admin'] == dict(name='admin', builtin=True, users=['root'], privileges=[])
    assert by_name['r']['users'] == ['ann', 'bob'] and not by_name['r']['builtin']
    assert by_name['r']['privileges'] == [item('Search'), item('Query', 'Collection', 'orders', 'gone')]


def test_read_roles_of_one_name_and_zilliz_builtin_roles():
    from ansible_collections.zilliz.cloud.plugins.module_utils._roles import read_roles
    server = RoleServer({'admin': set(), 'public': set(), 'db_ro': set(), 'r': set()}, uri=ZILLIZ)
    roles, dummy = read_roles(server)
    assert [r['name'] for r in roles if r['builtin']] == ['admin', 'db_ro', 'public']
    roles, dummy = read_roles(server, 'r')
    assert [r['name'] for r in roles] == ['r']
    assert read_roles(server, 'ghost')[0] == []
