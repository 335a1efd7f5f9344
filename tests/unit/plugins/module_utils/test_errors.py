import grpc
import pytest

from ansible_collections.zilliz.cloud.plugins.module_utils import _errors as E


class FakeRpcError(grpc.RpcError):
    def __init__(self, code, details=''):
        super().__init__()
        self._code, self._details = code, details

    def code(self):
        return self._code

    def details(self):
        return self._details


class FakeMilvusException(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


def chained(outer, inner):
    outer.__cause__ = inner
    return outer


def connect_failure(status, details=''):
    return chained(FakeMilvusException(2, 'Fail connecting to server on h:1, illegal connection params or '
                                          'server unavailable'), FakeRpcError(status, details))


@pytest.mark.parametrize('exc, category', [
    (connect_failure(grpc.StatusCode.UNAUTHENTICATED), E.AUTH_FAILED),
    (connect_failure(grpc.StatusCode.UNAVAILABLE, 'failed to connect to all addresses; Connection refused'),
     E.UNREACHABLE),
    (connect_failure(grpc.StatusCode.UNAVAILABLE, 'Ssl handshake failed: CERTIFICATE_VERIFY_FAILED'), E.TLS_ERROR),
    # Host name mismatch says UNAUTHENTICATED in its text, but its code is UNAVAILABLE.
    (connect_failure(grpc.StatusCode.UNAVAILABLE, 'Peer name localhostx is not in peer certificate'), E.TLS_ERROR),
    (connect_failure(grpc.StatusCode.DEADLINE_EXCEEDED, 'Deadline Exceeded'), E.TIMEOUT),
    # Host names never look like TLS trouble.
    (connect_failure(grpc.StatusCode.UNAVAILABLE, 'errors resolving sslhost.invalid:19530: Domain name not found'),
     E.UNREACHABLE),
    (connect_failure(grpc.StatusCode.UNAVAILABLE, 'ipv4:10.0.0.1:19530 (milvus-tls.corp): Connection refused'),
     E.UNREACHABLE),
    (connect_failure(grpc.StatusCode.UNAVAILABLE, 'Hostname Verification Check failed'), E.TLS_ERROR),
    (FakeMilvusException(65535, 'deadline of the coordinator passed'), E.SERVER_ERROR),
    (FakeRpcError(grpc.StatusCode.PERMISSION_DENIED, 'permission deny'), E.FORBIDDEN),
    (FakeMilvusException(1401, 'privilege not permitted'), E.FORBIDDEN),
    (FakeMilvusException(1400, 'old password not correct'), E.AUTH_FAILED),
    (FakeMilvusException(1100, 'invalid parameter'), E.INVALID_INPUT),
    (FakeMilvusException(65535, 'user already exists'), E.SERVER_ERROR),
    (RuntimeError('something else'), E.SERVER_ERROR),
])
def test_classify(exc, category):
    assert E.classify(exc) == category


@pytest.mark.parametrize('exc', [
    FakeMilvusException(2, 'Fail connecting to server on h:1, illegal connection params or server unavailable'),
    FakeMilvusException(2, '[connect] Retry timeout: 3s'),
])
def test_classify_ignores_the_pymilvus_client_wording(exc):
    # The collection speaks gRPC itself: a pymilvus client's own texts are never answers of a server, and a
    # server text that happens to hold the same words must not be taken for a transport failure.
    assert E.classify(exc) == E.SERVER_ERROR
    assert E.refusal(exc) is None


def test_classify_survives_context_loops():
    a = FakeMilvusException(65535, 'a')
    b = FakeMilvusException(65535, 'b')
    a.__context__ = b
    b.__context__ = a
    assert E.classify(a) == E.SERVER_ERROR
    assert len(E.exception_chain(a)) == 2


def test_messages_and_helpers():
    exc = FakeMilvusException(65535, 'user already exists: bob')
    assert E.refusal(exc) == E.ALREADY_EXISTS
    assert E.server_message(exc) == 'user already exists: bob'
    assert E.server_message(chained(FakeMilvusException(65535, 'outer'), FakeRpcError(grpc.StatusCode.UNKNOWN))) \
        == 'outer'
    refused = connect_failure(grpc.StatusCode.UNAVAILABLE, 'Connection refused')
    assert E.transport_detail(refused) == 'Connection refused'


# ----- one vocabulary of refusals, whatever the version ---------------------------
# The texts the servers answer (Milvus 2.3.5 measured; 2.4, 2.5, 2.6 branches read), with every code a
# version sends them with: 65535 up to 2.6.18, 1100 after milvus commit 39c9b039d2, 9 for the limits on 2.6.

REFUSALS = [
    (65535, 'user already exists', E.ALREADY_EXISTS, E.SERVER_ERROR),
    (65535, 'role [name:x] already exists', E.ALREADY_EXISTS, E.SERVER_ERROR),           # 2.3.5
    (65535, 'role already exists', E.ALREADY_EXISTS, E.SERVER_ERROR),                    # 2.6
    (1100, 'role already exists', E.ALREADY_EXISTS, E.SERVER_ERROR),
    (65535, "not found the role, maybe the role isn't existed or internal system error", E.ROLE_NOT_FOUND,
     E.INVALID_INPUT),
    (65535, 'role not exists', E.ROLE_NOT_FOUND, E.INVALID_INPUT),
    (1100, 'role not exists', E.ROLE_NOT_FOUND, E.INVALID_INPUT),
    (65535, 'fail to drop the role that it has privileges. Use REVOKE API to revoke privileges',
     E.ROLE_HAS_PRIVILEGES, E.SERVER_ERROR),
    (1100, 'fail to drop the role that it has privileges. Use REVOKE API to revoke privileges',
     E.ROLE_HAS_PRIVILEGES, E.SERVER_ERROR),
    (65535, 'unable to add user because the number of users has reached the limit', E.USER_LIMIT,
     E.LIMIT_EXCEEDED),
    (9, 'unable to add user because the number of users has reached the limit', E.USER_LIMIT, E.LIMIT_EXCEEDED),
    (65535, 'unable to create role because the number of roles has reached the limit', E.ROLE_LIMIT,
     E.LIMIT_EXCEEDED),
    (9, 'unable to create role because the number of roles has reached the limit', E.ROLE_LIMIT, E.LIMIT_EXCEEDED),
    (1400, 'old password not correct', E.OLD_PASSWORD_WRONG, E.AUTH_FAILED),
    (65535, 'old password not correct', E.OLD_PASSWORD_WRONG, E.AUTH_FAILED),
    (65535, 'not found the privilege name[BackupRBAC]', E.UNKNOWN_PRIVILEGE, E.INVALID_INPUT),
    (1100, 'not found the privilege name[BackupRBAC]', E.UNKNOWN_PRIVILEGE, E.INVALID_INPUT),
    (65535, 'not found the object type[name: Table], supported the object types: [Collection Global User]',
     E.UNKNOWN_OBJECT_TYPE, E.INVALID_INPUT),
    (1401, 'privilege not permitted', E.PRIVILEGE_DENIED, E.FORBIDDEN),
]


@pytest.mark.parametrize('code, text, kind, category', REFUSALS)
def test_refusal_of_each_server_text(code, text, kind, category):
    exc = FakeMilvusException(code, text)
    assert E.refusal(exc) == kind
    assert E.classify(exc) == category


@pytest.mark.parametrize('kind', sorted(set(r[2] for r in REFUSALS)))
def test_a_refusal_has_one_category_whatever_the_code(kind):
    categories = set(E.classify(FakeMilvusException(code, text)) for code, text, k, dummy in REFUSALS if k == kind)
    assert len(categories) == 1, categories


def test_the_limit_refusals_are_not_rate_limits():
    # Code 9 (quota exceeded) is not 8 (rate limit): a full cluster is not worth asking again.
    assert not E.is_transient(FakeMilvusException(9, 'unable to add user because the number of users has reached '
                                                     'the limit'))


@pytest.mark.parametrize('exc', [
    FakeMilvusException(65535, 'deadline of the coordinator passed'),
    FakeMilvusException(1100, 'invalid parameter'),
    RuntimeError('something else'),
    # A transport or authentication status is never a refusal, whatever its text.
    FakeRpcError(grpc.StatusCode.PERMISSION_DENIED, 'user already exists'),
    connect_failure(grpc.StatusCode.UNAVAILABLE, 'role not exists'),
])
def test_no_refusal(exc):
    assert E.refusal(exc) is None


def test_refusal_of_a_zillizerror_is_the_one_it_was_made_with():
    assert E.refusal(E.ZillizError(E.SERVER_ERROR, 'x', refusal=E.USER_LIMIT)) == E.USER_LIMIT
    # Its message is the collection's, not the server's: never read as a refusal.
    assert E.refusal(E.ZillizError(E.SERVER_ERROR, 'role already exists')) is None


def test_scrub_masks_every_secret_longest_first():
    text = 'pw=abc:abcdef token=abc'
    assert E.scrub(text, ['abc', 'abc:abcdef', None, '']) == 'pw=******** token=********'
    assert E.scrub(None, ['x']) is None


def test_error_carries_category():
    error = E.ZillizError(E.TIMEOUT, 'slow', server_detail='x')
    assert str(error) == 'slow' and error.category == E.TIMEOUT and error.details == {'server_detail': 'x'}


@pytest.mark.parametrize('exc, transient', [
    # Refused or reset at connect, reset or closed during a request, GOAWAY: all UNAVAILABLE.
    (FakeRpcError(grpc.StatusCode.UNAVAILABLE, 'failed to connect to all addresses; last error: UNAVAILABLE: '
                  'ipv4:127.0.0.1:1: Connection refused'), True),
    (FakeRpcError(grpc.StatusCode.UNAVAILABLE, 'Stream removed (recvmsg:Connection reset by peer (104))'), True),
    (FakeRpcError(grpc.StatusCode.UNAVAILABLE, 'Stream removed (Socket closed)'), True),
    # A load balancer's 502/503 while its backend restarts.
    (FakeRpcError(grpc.StatusCode.UNAVAILABLE, 'Received http2 header with status: 503'), True),
    (FakeRpcError(grpc.StatusCode.UNAVAILABLE, 'GOAWAY received'), True),
    # A TLS connection reset during its handshake (measured through the fault proxy) is a reset, not TLS trouble.
    (FakeRpcError(grpc.StatusCode.UNAVAILABLE, 'failed to connect to all addresses; last error: UNAVAILABLE: '
                  'ipv4:127.0.0.1:4: Handshake read failed (recvmsg:Connection reset by peer (104))'), True),
    (FakeRpcError(grpc.StatusCode.UNAVAILABLE, 'Ssl handshake failed: CERTIFICATE_VERIFY_FAILED'), False),
    (FakeRpcError(grpc.StatusCode.UNAVAILABLE, 'Hostname Verification Check failed'), False),
    (FakeRpcError(grpc.StatusCode.UNAVAILABLE, 'Failed parsing HTTP/2 (Trying to connect an http1.x server)'), False),
    (FakeRpcError(grpc.StatusCode.DEADLINE_EXCEEDED, 'Deadline Exceeded'), False),
    (FakeRpcError(grpc.StatusCode.UNAUTHENTICATED, 'auth check failure'), False),
    (FakeRpcError(grpc.StatusCode.PERMISSION_DENIED, 'permission deny'), False),
    (FakeRpcError(grpc.StatusCode.INVALID_ARGUMENT, 'bad'), False),
    (FakeRpcError(grpc.StatusCode.RESOURCE_EXHAUSTED, 'too big'), False),
    (FakeMilvusException(E.MILVUS_RATE_LIMIT, 'rate limit exceeded'), True),
    (FakeMilvusException(E.MILVUS_LEGACY_RATE_LIMIT, 'rate limit'), True),
    (FakeMilvusException(65535, 'user already exists'), False),
    (FakeMilvusException(1400, 'old password not correct'), False),
    (FakeMilvusException(2, 'Fail connecting to server on h:1'), False),
    (RuntimeError('something else'), False),
])
def test_is_transient(exc, transient):
    assert E.is_transient(exc) is transient
