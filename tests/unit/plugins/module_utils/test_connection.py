"""Connection-layer logic that needs no server."""

import subprocess
import sys

import grpc
import pytest

from ansible_collections.zilliz.cloud.plugins.module_utils import _connection as C
from ansible_collections.zilliz.cloud.plugins.module_utils import _users as U
from test_errors import FakeRpcError  # same directory  pylint: disable=wrong-import-order


# .../ansible_collections/zilliz/cloud/plugins/module_utils/_connection.py
COLLECTIONS_ROOT = str(__import__('pathlib').Path(C.__file__).parents[5])


def test_protos_load_without_the_rest_of_pymilvus():
    code = ('import sys; sys.path.insert(0, %r)\n'
            'from ansible_collections.zilliz.cloud.plugins.module_utils import _connection as C\n'
            'assert C.HAS_PYMILVUS\n'
            'assert "pandas" not in sys.modules and "numpy" not in sys.modules\n'
            'import pymilvus\n'                      # a later real import still works
            'assert hasattr(pymilvus, "MilvusClient")\n' % COLLECTIONS_ROOT)
    subprocess.run([sys.executable, '-c', code], check=True)


def test_status_check():
    ok = C.common_pb2.Status()
    C._check_status(ok)
    with pytest.raises(C.ServerRefusal) as info:
        C._check_status(C.common_pb2.Status(code=1400, reason='old password not correct'))
    assert info.value.code == 1400 and 'old password' in info.value.message
    legacy = C.common_pb2.Status(error_code=C.common_pb2.ErrorCode.Value('PermissionDenied'), reason='denied')
    with pytest.raises(C.ServerRefusal) as info:
        C._check_status(legacy)
    assert info.value.code == 1401


@pytest.mark.parametrize('params, expected', [
    ({'login_user': 'db_admin', 'token': None}, 'db_admin'),
    ({'login_user': None, 'token': 'root:pw:with:colons'}, 'root'),
    ({'login_user': None, 'token': 'api-key-without-colon'}, None),
    ({}, None),
])
def test_login_identity(params, expected):
    assert C.login_identity(params) == expected


def base(**kwargs):
    params = dict(uri='http://localhost:19530', token=None, login_user=None, login_password=None, secure=None,
                  ca_cert=None, server_name=None, client_cert=None, client_key=None, timeout=10.0)
    params.update(kwargs)
    return params


def test_connection_problems(tmp_path):
    assert C.connection_problems(base()) == []
    assert 'needs login_password' in C.connection_problems(base(login_user='root'))[0]
    assert 'timeout' in C.connection_problems(base(timeout=0))[0]
    assert 'retry_budget' in C.connection_problems(base(retry_budget=-1))[0]
    assert C.connection_problems(base(retry_budget=0)) == []
    assert 'ca_cert' in C.connection_problems(base(ca_cert='/nonexistent.pem'))[0]
    assert C.connection_problems(base(ca_cert='-----BEGIN CERTIFICATE-----\nabc')) == []
    assert 'client_cert' in C.connection_problems(base(client_cert=str(tmp_path / 'x'), client_key=None))[0]


@pytest.mark.parametrize('uri, secure, address', [
    ('https://in01-x.vectordb.zillizcloud.com:19530', True, 'in01-x.vectordb.zillizcloud.com:19530'),
    ('https://in03-x.serverless.cloud.zilliz.com', True, 'in03-x.serverless.cloud.zilliz.com:443'),
    ('http://localhost', False, 'localhost:19530'),
    ('tcp://[::1]:1234', False, '[::1]:1234'),
])
def test_address_and_tls_default(uri, secure, address):
    conn = C.Connection(base(uri=uri))
    assert conn._secure() is secure
    assert conn._address() == address
    assert C.Connection(base(uri=uri, secure=not secure))._secure() is (not secure)


def test_error_messages_never_hold_secrets():
    conn = C.Connection(base(login_user='root', login_password='Sup3r:secret'))
    error = conn.error(C.ServerRefusal(65535, 'bad things for Sup3r:secret'), 'do a thing')
    assert 'Sup3r:secret' not in error.msg and error.category == 'server_error'
    error = conn.error(C.ServerRefusal(1401, 'denied'), 'list users')
    assert error.category == 'forbidden' and "user 'root'" in error.msg


def test_user_roles_drop_the_phantom_empty_role():
    # What Milvus 2.3.5 answers for users pfx, pfx2 (role rr) and pfx22 (role rr2).
    response = C.milvus_pb2.SelectUserResponse()
    for name, roles in (('pfx', ['', '']), ('pfx2', ['rr', '']), ('pfx22', ['rr2']), ('root', [])):
        result = response.results.add()
        result.user.name = name
        for role in roles:
            result.roles.add().name = role
    assert C.user_roles(response.results) == {'pfx': set(), 'pfx2': {'rr'}, 'pfx22': {'rr2'}, 'root': set()}


# ----- retries ------------------------------------------------------------------

RESET = FakeRpcError(grpc.StatusCode.UNAVAILABLE, 'Stream removed (recvmsg:Connection reset by peer (104))')
REFUSED = FakeRpcError(grpc.StatusCode.UNAVAILABLE, 'failed to connect to all addresses; last error: UNAVAILABLE: '
                                                    'ipv4:127.0.0.1:1: Connection refused')


def status(code=0, reason='', legacy=0):
    return C.common_pb2.Status(code=code, reason=reason, error_code=legacy)


class FakeStub:
    """Answers each call with the next outcome (an exception to raise, or a
    Status to return; the last one repeats), per method when outcomes is a
    dict; records the timeout and authorization of every call. Each call
    takes `took` seconds on the fake clock."""

    def __init__(self, clock, outcomes, took=0.01):
        self.clock, self.took = clock, took
        if isinstance(outcomes, dict):
            self.outcomes = dict((m, list(o)) for m, o in outcomes.items())
        else:
            self.outcomes = list(outcomes)
        self.calls = []

    def __getattr__(self, method):
        def call(request, timeout, metadata):
            self.calls.append((method, timeout, dict(metadata)))
            self.clock.now += self.took
            outcomes = self.outcomes[method] if isinstance(self.outcomes, dict) else self.outcomes
            outcome = outcomes.pop(0) if len(outcomes) > 1 else outcomes[0]
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        return call


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(C, '_clock', fake)
    monkeypatch.setattr(C, '_sleep', fake.sleep)
    return fake


def connection(clock, outcomes, took=0.01, **params):
    conn = C.Connection(base(login_user='root', login_password='R00t-secret', **params))
    conn._stub = FakeStub(clock, outcomes, took)
    conn._metadata = conn._authorization()
    return conn


def test_retry_delay_is_exponential_capped_and_jittered():
    assert C.retry_delay(0, lambda: 0.0) == pytest.approx(C.RETRY_FIRST_DELAY / 2)
    assert C.retry_delay(0, lambda: 1.0) == pytest.approx(C.RETRY_FIRST_DELAY)
    assert C.retry_delay(2, lambda: 1.0) == pytest.approx(C.RETRY_FIRST_DELAY * 4)
    assert C.retry_delay(30, lambda: 1.0) == pytest.approx(C.RETRY_MAX_DELAY)
    assert C.retry_delay(30, lambda: 0.0) == pytest.approx(C.RETRY_MAX_DELAY / 2)


def test_transient_failures_are_retried_until_an_answer(clock):
    conn = connection(clock, [RESET, REFUSED, status()])
    conn.drop_user('bob')
    assert [c[0] for c in conn._stub.calls] == ['DeleteCredential'] * 3
    assert len(clock.sleeps) == 2 and clock.sleeps[1] > clock.sleeps[0] / 2


@pytest.mark.parametrize('answer', [status(code=8, reason='rate limit exceeded'),
                                    status(legacy=C.common_pb2.ErrorCode.Value('RateLimit'), reason='rate limit')])
def test_rate_limit_statuses_are_retried(clock, answer):
    conn = connection(clock, [answer, status()])
    conn.drop_user('bob')
    assert len(conn._stub.calls) == 2


def test_a_dead_server_is_unreachable_once_the_budget_is_spent(clock):
    conn = connection(clock, [REFUSED], timeout=10.0, retry_budget=2.0)
    with pytest.raises(C.ZillizError) as info:
        conn.list_roles()
    assert info.value.category == 'unreachable' and info.value.after_retry
    assert 'Cannot reach' in info.value.msg
    spent = clock.now - 100.0
    assert 1.0 < spent <= 2.0, spent
    assert len(conn._stub.calls) >= 4


def test_every_attempt_gets_what_is_left_of_the_timeout(clock):
    # Each refused attempt takes 0.5 s: the retries share one timeout.
    conn = connection(clock, [REFUSED, REFUSED, status()], took=0.5, timeout=3.0, retry_budget=3.0)
    conn.drop_user('bob')
    timeouts = [c[1] for c in conn._stub.calls]
    assert timeouts[0] == pytest.approx(3.0)
    assert timeouts[1] < 3.0 - 0.5 and timeouts[2] < timeouts[1] - 0.5


def test_the_budget_never_exceeds_the_timeout_and_zero_turns_retries_off(clock):
    assert C.Connection(base(timeout=1.5, retry_budget=5.0)).retry_budget == 1.5
    assert C.Connection(base(retry_budget=None)).retry_budget == C.DEFAULT_RETRY_BUDGET
    conn = connection(clock, [REFUSED, status()], retry_budget=0.0)
    with pytest.raises(C.ZillizError) as info:
        conn.drop_user('bob')
    assert len(conn._stub.calls) == 1 and not info.value.after_retry


@pytest.mark.parametrize('failure, category', [
    (FakeRpcError(grpc.StatusCode.DEADLINE_EXCEEDED, 'Deadline Exceeded'), 'timeout'),
    (FakeRpcError(grpc.StatusCode.UNAUTHENTICATED, 'auth check failure'), 'auth_failed'),
    (FakeRpcError(grpc.StatusCode.PERMISSION_DENIED, 'permission deny'), 'forbidden'),
    (FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, 'bad'), 'invalid_input'),
    (FakeRpcError(grpc.StatusCode.UNAVAILABLE, 'Ssl handshake failed: CERTIFICATE_VERIFY_FAILED'), 'tls_error'),
    # A wrong port (measured against Milvus' metrics port): retrying cannot help.
    (FakeRpcError(grpc.StatusCode.UNAVAILABLE, 'failed to connect to all addresses; last error: INTERNAL: '
                  'ipv4:127.0.0.1:9091: Failed parsing HTTP/2 (Expected SETTINGS frame as the first frame, got '
                  'frame type 80) (Trying to connect an http1.x server (HTTP status 400))'), 'unreachable'),
    (C.ServerRefusal(1400, 'old password not correct'), 'auth_failed'),
    (C.ServerRefusal(65535, 'user already exists'), 'server_error'),
])
def test_answers_that_decide_are_never_retried(clock, failure, category):
    conn = connection(clock, [failure, status()])
    with pytest.raises(C.ZillizError) as info:
        conn.drop_user('bob')
    assert info.value.category == category and len(conn._stub.calls) == 1 and not info.value.after_retry


def test_password_checks_retry_and_only_unauthenticated_means_no(clock):
    conn = connection(clock, [RESET, FakeRpcError(grpc.StatusCode.UNAUTHENTICATED, 'auth')])
    assert conn.authenticates('bob', 'B0b-secret') is False
    assert len(conn._stub.calls) == 2
    conn = connection(clock, [REFUSED], retry_budget=0.5)
    with pytest.raises(C.ZillizError) as info:
        conn.authenticates('bob', 'B0b-secret')
    assert info.value.category == 'unreachable' and 'B0b-secret' not in info.value.msg


def test_workers_default():
    assert C.Connection(base()).workers == C.DEFAULT_WORKERS


# ----- retried writes are settled by looking ------------------------------------

EXISTS = status(code=65535, reason='user already exists')
OLD_WRONG = status(code=1400, reason='old password not correct')
WORKS = status()
UNAUTHENTICATED = FakeRpcError(grpc.StatusCode.UNAUTHENTICATED, 'auth check failure')
REQUEST = dict(name='bob', password='B0b-new-secret', current_password='B0b-old-secret')


def apply_action(conn, action, request):
    """The user reconciler's apply() for one request (batch of one)."""
    params = dict(name=None, state='present', password=None, current_password=None, roles=None,
                  update_password='always', roles_mode='exact', users=[request], password_policy='milvus')
    return U.UserReconciler(params).apply(conn, action)


@pytest.mark.parametrize('kind, outcomes, settled', [
    # The creation went through but its answer was lost; the retry finds the user,
    # and this run's password works: this run created it.
    (U.CREATE_USER, {'CreateCredential': [RESET, EXISTS], 'Connect': [WORKS]}, U.DONE),
    # Found on the retry with another password: another run created it.
    (U.CREATE_USER, {'CreateCredential': [RESET, EXISTS], 'Connect': [UNAUTHENTICATED]}, U.CONVERGED),
    # Found on the first attempt: another run (no password check needed).
    (U.CREATE_USER, {'CreateCredential': [EXISTS], 'Connect': [WORKS]}, U.CONVERGED),
    # The rotation went through but its answer was lost; the retry's old password
    # is refused, and the new one works: this run rotated it.
    (U.UPDATE_PASSWORD, {'UpdateCredential': [RESET, OLD_WRONG], 'Connect': [WORKS]}, U.DONE),
    (U.UPDATE_PASSWORD, {'UpdateCredential': [OLD_WRONG], 'Connect': [WORKS]}, U.CONVERGED),
])
def test_a_retried_write_is_settled_by_looking(clock, kind, outcomes, settled):
    conn = connection(clock, outcomes)
    assert apply_action(conn, U.Action(kind, 'bob'), REQUEST) == settled


def test_a_retried_rotation_whose_new_password_fails_is_an_error(clock):
    conn = connection(clock, {'UpdateCredential': [RESET, OLD_WRONG], 'Connect': [UNAUTHENTICATED]})
    with pytest.raises(C.ZillizError) as info:
        apply_action(conn, U.Action(U.UPDATE_PASSWORD, 'bob'), REQUEST)
    assert info.value.category == 'auth_failed'


# ----- refusals keep their meaning through the connection ---------------------------

@pytest.mark.parametrize('code, text, kind', [
    (65535, 'role [name:"r"] already exists', 'already_exists'),
    (1100, 'role not exists', 'role_not_found'),
    (9, 'unable to add user because the number of users has reached the limit', 'user_limit'),
])
def test_a_refused_request_keeps_what_the_refusal_means(clock, code, text, kind):
    conn = connection(clock, [status(code=code, reason=text)])
    with pytest.raises(C.ZillizError) as info:
        conn.drop_user('bob')
    assert info.value.details['refusal'] == kind and C.refusal(info.value) == kind
    assert info.value.details['server_detail'] == text


# ----- request shapes, through the real protocol stubs ------------------------------

class RequestStub:
    """Records (method, request) of every call and answers with answer(method, request)."""

    def __init__(self, answer):
        self.answer = answer
        self.requests = []

    def __getattr__(self, method):
        def call(request, timeout, metadata):
            self.requests.append((method, request))
            return self.answer(method, request)
        return call

    def methods(self):
        return [method for method, dummy in self.requests]


def grant_entity(role, object_type, object_name, db_name, privilege):
    return C.milvus_pb2.GrantEntity(
        role=C.milvus_pb2.RoleEntity(name=role), object=C.milvus_pb2.ObjectEntity(name=object_type),
        object_name=object_name, db_name=db_name,
        grantor=C.milvus_pb2.GrantorEntity(privilege=C.milvus_pb2.PrivilegeEntity(name=privilege)))


# What a server holds: role -> [(object type, object name, db, privilege)].
HELD = {'r1': [('Collection', 'orders', 'default', 'Search'), ('Collection', '*', 'analytics', 'Query')],
        'r2': [('Global', '*', 'default', 'CollectionReadOnly')]}


def grants_server(method, request):
    """SelectGrant answers: db_name '*' lists every database (2.4+); a database, its own grants; plus an
    entity with an empty privilege name, which is no grant (milvus-io/milvus#49989)."""
    if method == 'GetVersion':
        return C.milvus_pb2.GetVersionResponse(status=status(), version='v2.4.23')
    assert method == 'SelectGrant', method
    db = request.entity.db_name
    held = [g for g in HELD.get(request.entity.role.name, ()) if db in ('*', g[2])]
    entities = [grant_entity(request.entity.role.name, *g) for g in held]
    entities.append(grant_entity(request.entity.role.name, 'Collection', '*', 'default', ''))
    return C.milvus_pb2.SelectGrantResponse(status=status(), entities=entities)


def stubbed(answer, **params):
    conn = C.Connection(base(login_user='root', login_password='R00t-secret', **params))
    conn._stub = RequestStub(answer)
    conn._metadata = conn._authorization()
    return conn


def test_select_grant_of_every_database_asks_for_database_star():
    conn = stubbed(grants_server)
    got = conn.role_grants('r1', '*')
    (method, request), = conn._stub.requests
    assert method == 'SelectGrant' and isinstance(request, C.milvus_pb2.SelectGrantRequest)
    assert request.entity.role.name == 'r1' and request.entity.db_name == '*'
    assert not request.entity.object.name and not request.entity.object_name
    assert sorted(got) == sorted(HELD['r1'])       # the empty privilege name is dropped


def test_operate_privilege_v2_request_shape():
    conn = stubbed(lambda method, request: status())
    conn.operate_privilege_v2('r', True, 'CollectionReadOnly', 'analytics', 'orders', 'grant it')
    conn.operate_privilege_v2('r', False, 'CollectionReadOnly', 'analytics', 'orders', 'revoke it')
    (m1, grant), (m2, revoke) = conn._stub.requests
    assert m1 == m2 == 'OperatePrivilegeV2' and isinstance(grant, C.milvus_pb2.OperatePrivilegeV2Request)
    assert grant.role.name == 'r' and grant.grantor.privilege.name == 'CollectionReadOnly'
    assert grant.db_name == 'analytics' and grant.collection_name == 'orders'
    assert grant.type == C.milvus_pb2.OperatePrivilegeType.Grant
    assert revoke.type == C.milvus_pb2.OperatePrivilegeType.Revoke


def test_operate_privilege_v1_request_shape():
    conn = stubbed(lambda method, request: status())
    conn.operate_privilege('r', False, 'Collection', 'orders', 'Search', 'analytics', 'revoke it')
    (method, request), = conn._stub.requests
    assert method == 'OperatePrivilege' and request.type == C.milvus_pb2.OperatePrivilegeType.Revoke
    entity = request.entity
    assert (entity.role.name, entity.object.name, entity.object_name, entity.db_name,
            entity.grantor.privilege.name) == ('r', 'Collection', 'orders', 'analytics', 'Search')


def test_the_profile_is_read_once_per_run_and_knows_the_uri():
    answers = {'GetVersion': C.milvus_pb2.GetVersionResponse(status=status(), version='2.3.5')}
    conn = stubbed(lambda method, request: answers[method], uri='https://in01-x.aws-us-west-2.vectordb.zillizcloud.com')
    first = conn.profile()
    assert conn.profile() is first and conn._stub.methods() == ['GetVersion']
    assert first.zilliz                    # the uri decides, whatever the text


def test_collection_aliases_are_listed_then_described():
    def answer(method, request):
        if method == 'ListAliases':
            assert request.db_name == 'analytics'
            return C.milvus_pb2.ListAliasesResponse(status=status(), db_name='analytics', aliases=['live', 'old'])
        assert method == 'DescribeAlias' and request.db_name == 'analytics'
        return C.milvus_pb2.DescribeAliasResponse(status=status(), db_name='analytics', alias=request.alias,
                                                  collection={'live': 'orders_v2', 'old': 'orders_v1'}[request.alias])
    conn = stubbed(answer)
    assert conn.collection_aliases('analytics') == {'live': 'orders_v2', 'old': 'orders_v1'}
    assert sorted(conn._stub.methods()) == ['DescribeAlias', 'DescribeAlias', 'ListAliases']


def test_credential_is_known_to_the_connection():
    assert C.Connection(base(login_user='root', login_password='R00t-secret')).has_credential
    assert C.Connection(base(token='an-api-key')).has_credential
    assert not C.Connection(base()).has_credential


# ----- read_grants: one SelectGrant per role where the server lists every database -----

def select_grants(conn):
    return sorted((r.entity.role.name, r.entity.db_name) for m, r in conn._stub.requests if m == 'SelectGrant')


def test_read_grants_asks_once_per_role_with_star_on_2_4_and_later():
    from ansible_collections.zilliz.cloud.plugins.module_utils._roles import read_grants
    from ansible_collections.zilliz.cloud.plugins.module_utils._server import detect
    conn = stubbed(grants_server)
    grants = read_grants(conn, ['r1', 'r2'], ['default', 'analytics', 'empty'], detect('v2.4.23'))
    assert select_grants(conn) == [('r1', '*'), ('r2', '*')]
    assert grants == {'r1': {('Collection', 'orders', 'default', 'Search'), ('Collection', '*', 'analytics', 'Query')},
                      'r2': {('Global', '*', 'default', 'CollectionReadOnly')}}


def test_read_grants_asks_per_role_and_database_on_2_3():
    from ansible_collections.zilliz.cloud.plugins.module_utils._roles import read_grants
    from ansible_collections.zilliz.cloud.plugins.module_utils._server import detect
    conn = stubbed(grants_server)
    grants = read_grants(conn, ['r1', 'r2'], ['default', 'analytics'], detect('2.3.5'))
    assert select_grants(conn) == [('r1', 'analytics'), ('r1', 'default'), ('r2', 'analytics'), ('r2', 'default')]
    assert grants['r1'] == {('Collection', 'orders', 'default', 'Search'), ('Collection', '*', 'analytics', 'Query')}
    assert '*' not in [db for dummy, db in select_grants(conn)]


def test_roles_with_members_drop_nameless_roles_and_members():
    def answer(method, request):
        assert method == 'SelectRole' and request.include_user_info
        response = C.milvus_pb2.SelectRoleResponse(status=status())
        for role, users in (('r', ['ann', '']), ('', ['bob']), ('public', [])):
            result = response.results.add()
            result.role.name = role
            for user in users:
                result.users.add().name = user
        return response
    assert stubbed(answer).roles_with_members() == {'r': {'ann'}, 'public': set()}


def test_role_actions_go_out_as_the_right_protocol_requests():
    from ansible_collections.zilliz.cloud.plugins.module_utils._roles import RoleReconciler, plan_roles, RoleState
    from ansible_collections.zilliz.cloud.plugins.module_utils._server import detect
    params = dict(name='r', state='present', privileges_mode='exact', roles=None, uri='http://localhost:19530',
                  privileges=[dict(privilege='CollectionReadOnly', object_type=None, object_name='orders',
                                   db_name='analytics'),
                              dict(privilege='Search', object_type='Collection', object_name='orders',
                                   db_name='default')])
    rec = RoleReconciler(params)
    held = RoleState({'r': set()}, ['default', 'analytics'], {'r': set()}, detect('v2.5.27'))
    conn = stubbed(lambda method, request: status())
    for action in plan_roles(rec.requests, held)[0].actions:
        rec.apply(conn, action)
    sent = dict(conn._stub.requests)
    assert sorted(sent) == ['OperatePrivilege', 'OperatePrivilegeV2']
    v1, v2 = sent['OperatePrivilege'], sent['OperatePrivilegeV2']
    assert (v2.role.name, v2.grantor.privilege.name, v2.db_name, v2.collection_name, v2.type) == \
        ('r', 'CollectionReadOnly', 'analytics', 'orders', C.milvus_pb2.OperatePrivilegeType.Grant)
    assert (v1.entity.object.name, v1.entity.object_name, v1.entity.db_name, v1.entity.grantor.privilege.name) == \
        ('Collection', 'orders', 'default', 'Search')
