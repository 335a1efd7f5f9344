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
    (FakeMilvusException(2, 'Fail connecting to server on h:1'), E.UNREACHABLE),
    (FakeMilvusException(2, '[connect] Retry timeout: 3s'), E.TIMEOUT),
    (RuntimeError('something else'), E.SERVER_ERROR),
])
def test_classify(exc, category):
    assert E.classify(exc) == category


def test_classify_survives_context_loops():
    a = FakeMilvusException(65535, 'a')
    b = FakeMilvusException(65535, 'b')
    a.__context__ = b
    b.__context__ = a
    assert E.classify(a) == E.SERVER_ERROR
    assert len(E.exception_chain(a)) == 2


def test_messages_and_helpers():
    exc = chained(FakeMilvusException(65535, 'user already exists: bob'), FakeRpcError(grpc.StatusCode.UNKNOWN))
    assert E.is_user_exists(exc)
    assert E.server_message(exc) == 'user already exists: bob'
    assert E.is_role_not_found(FakeMilvusException(65535, 'not found the role, maybe the role isn\'t existed'))
    refused = connect_failure(grpc.StatusCode.UNAVAILABLE, 'Connection refused')
    assert E.transport_detail(refused) == 'Connection refused'


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
