"""zilliz_user_info's main() against the fake server (tests/unit/conftest.py)."""

import pytest

from ansible_collections.zilliz.cloud.plugins.modules import zilliz_user_info


@pytest.fixture
def server(milvus):
    milvus.add_role('db_ro').add_role('db_rw')
    milvus.add_user('bob', 'Bob-secret-22', ['db_ro', 'db_rw']).add_user('alice', 'Alice-secret-1')
    return milvus


def test_every_user_with_roles_and_every_role(server, run_module):
    run = run_module(zilliz_user_info)
    assert not run.failed, run.result
    assert run['changed'] is False
    assert run['users'] == [{'name': 'alice', 'roles': []}, {'name': 'bob', 'roles': ['db_ro', 'db_rw']},
                            {'name': 'root', 'roles': []}]
    assert run['roles'] == ['admin', 'db_ro', 'db_rw', 'public']
    assert 'exists' not in run.result
    assert server.writes() == []
    run.assert_no_secret()


@pytest.mark.parametrize('name, exists, users', [
    ('bob', True, [{'name': 'bob', 'roles': ['db_ro', 'db_rw']}]),
    ('nobody', False, []),
])
def test_one_user(server, run_module, name, exists, users):
    run = run_module(zilliz_user_info, name=name)
    assert run['exists'] is exists and run['users'] == users


def test_a_user_may_read_itself_without_listing_roles(server, run_module):
    server.forbidden['SelectRole'] = {'alice'}
    run = run_module(zilliz_user_info, name='alice', login_user='alice', login_password='Alice-secret-1')
    assert not run.failed, run.result
    assert run['users'] == [{'name': 'alice', 'roles': []}] and run['roles'] is None


def test_check_mode_reads_as_usual(server, run_module):
    assert run_module(zilliz_user_info, check_mode=True)['users'] == run_module(zilliz_user_info)['users']


def test_a_bad_name_fails_before_any_request(server, run_module):
    run = run_module(zilliz_user_info, name='no spaces')
    assert run.failed and run['error_category'] == 'invalid_input' and 'no spaces' in run['msg']
    assert server.calls == []


def test_listing_users_without_the_privilege_is_forbidden(server, run_module):
    server.forbidden['SelectUser'] = {'alice'}
    run = run_module(zilliz_user_info, login_user='alice', login_password='Alice-secret-1')
    assert run.failed and run['error_category'] == 'forbidden'
    assert 'alice' in run['msg']
    run.assert_no_secret()
