"""Connection-layer logic that needs no server."""

import subprocess
import sys

import grpc
import pytest

from ansible_collections.zilliz.cloud.plugins.module_utils import _connection as C
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
        self.outcomes = dict((m, list(o)) for m, o in outcomes.items()) if isinstance(outcomes, dict) else list(outcomes)
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
