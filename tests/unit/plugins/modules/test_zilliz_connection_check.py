"""zilliz_connection_check's main() against the fake server (tests/unit/conftest.py)."""

import grpc
import pytest

from ansible_collections.zilliz.cloud.plugins.module_utils._errors import ZillizError
from ansible_collections.zilliz.cloud.plugins.modules import zilliz_connection_check
from ansible_collections.zilliz.cloud.plugins.modules import zilliz_connection_check as M


@pytest.fixture
def server(milvus, monkeypatch):
    monkeypatch.setattr(zilliz_connection_check, 'RETRY_PAUSE', 0.01)
    milvus.add_role('db_ro').add_user('reader', 'Reader-secret-1', ['db_ro'])
    return milvus


def test_a_working_credential(server, run_module):
    run = run_module(zilliz_connection_check)
    assert not run.failed, run.result
    assert run['changed'] is False and run['attempts'] == 1
    assert run['server_version'] == 'v2.3.5' and run['auth_enabled'] is True
    assert run['user'] == 'root' and run['roles'] == []
    assert run['uri'] == 'http://localhost:19530' and isinstance(run['latency_ms'], float)
    assert server.writes() == []
    run.assert_no_secret()


def test_the_roles_of_the_login_user(server, run_module):
    run = run_module(zilliz_connection_check, login_user='reader', login_password='Reader-secret-1')
    assert run['user'] == 'reader' and run['roles'] == ['db_ro']


def test_an_api_key_names_no_user(server, run_module):
    server.auth = False
    run = run_module(zilliz_connection_check, token='an-api-key-0123456789')
    assert run['user'] is None and run['roles'] is None and run['auth_enabled'] is False
    run.assert_no_secret()


def test_a_wrong_password_is_auth_failed_and_never_echoed(server, run_module):
    run = run_module(zilliz_connection_check, login_user='reader', login_password='Wrong-secret-9')
    assert run.failed and run['error_category'] == 'auth_failed'
    assert "'reader'" in run['msg'] and run['attempts'] == 1
    run.assert_no_secret()


def test_a_cluster_coming_up_is_waited_for(server, run_module):
    down = server.rpc_error(grpc.StatusCode.UNAVAILABLE, 'failed to connect to all addresses')
    server.fail('Connect', down, times=2)
    run = run_module(zilliz_connection_check, wait_timeout=30, retry_budget=0)
    assert not run.failed, run.result
    assert run['attempts'] == 3


def test_without_wait_timeout_one_attempt_fails_as_unreachable(server, run_module):
    server.fail('Connect', server.rpc_error(grpc.StatusCode.UNAVAILABLE, 'failed to connect to all addresses'))
    run = run_module(zilliz_connection_check, retry_budget=0)
    assert run.failed and run['error_category'] == 'unreachable' and run['attempts'] == 1


def test_require_auth_fails_on_a_server_that_accepts_anything(server, run_module):
    server.auth = False
    assert run_module(zilliz_connection_check)['auth_enabled'] is False
    run = run_module(zilliz_connection_check, require_auth=True)
    assert run.failed and run['error_category'] == 'server_error'
    assert 'Authentication is disabled' in run['msg'] and run['server_version'] == 'v2.3.5'


def test_invalid_options_fail_before_any_attempt(server, run_module):
    run = run_module(zilliz_connection_check, uri='ftp://example.com')
    assert run.failed and run['error_category'] == 'invalid_input'
    assert server.calls == []
    run = run_module(zilliz_connection_check, login_user='reader', login_password='', token=None)
    assert run.failed and run['error_category'] == 'invalid_input' and 'login_password' in run['msg']


# ----- wait_timeout is bounded before the first attempt -------------------------------------

class NoConnection:
    def __init__(self, wait):
        self.params = {'wait_timeout': wait, 'require_auth': False}

    def connect(self):
        raise AssertionError('connected although wait_timeout was invalid')


@pytest.mark.parametrize('wait', [float('inf'), float('nan'), 1e10, 3600.5, -1.0])
def test_wait_timeout_out_of_bounds_is_refused_before_connecting(wait):
    with pytest.raises(ZillizError) as info:
        M.run(NoConnection(wait), {'attempts': 0, 'uri': 'http://localhost:19530'})
    assert info.value.category == 'invalid_input'
    assert 'wait_timeout must be' in info.value.msg and str(wait) in info.value.msg
