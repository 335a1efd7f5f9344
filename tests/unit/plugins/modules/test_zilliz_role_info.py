"""zilliz_role_info's main() against the fake server (tests/unit/conftest.py)."""

import pytest

from ansible_collections.zilliz.cloud.plugins.modules import zilliz_role, zilliz_role_info


@pytest.fixture
def server(milvus):
    milvus.databases = ['default', 'analytics']
    milvus.add_role('reader', ('Collection', 'orders', 'Search'), ('Global', '*', 'ShowCollections', 'analytics'))
    milvus.add_role('public', ('Global', '*', 'DescribeCollection', '*'))
    milvus.add_user('bob', 'Bob-secret-22', ['reader'])
    return milvus


READER = {'name': 'reader', 'builtin': False, 'users': ['bob'], 'privileges': [
    {'privilege': 'ShowCollections', 'object_type': 'Global', 'object_name': '*', 'db_name': 'analytics'},
    {'privilege': 'Search', 'object_type': 'Collection', 'object_name': 'orders', 'db_name': 'default'},
]}


def test_every_role_with_members_and_privileges_in_every_database(server, run_module):
    run = run_module(zilliz_role_info)
    assert not run.failed, run.result
    assert run['changed'] is False and run['databases'] == ['default', 'analytics']
    assert [r['name'] for r in run['roles']] == ['admin', 'public', 'reader']
    assert run['roles'][0] == {'name': 'admin', 'builtin': True, 'users': [], 'privileges': []}
    # Grants stored for every database are listed once.
    assert run['roles'][1]['privileges'] == [
        {'privilege': 'DescribeCollection', 'object_type': 'Global', 'object_name': '*', 'db_name': '*'}]
    reader = run['roles'][2]
    assert sorted(reader['privileges'], key=str) == sorted(READER['privileges'], key=str)
    assert dict(reader, privileges=None) == dict(READER, privileges=None)
    assert run['custom_roles'] == [{'name': 'reader', 'privileges': reader['privileges']}]
    assert server.writes() == []
    run.assert_no_secret()


@pytest.mark.parametrize('name, exists, names', [('reader', True, ['reader']), ('nobody', False, [])])
def test_one_role(server, run_module, name, exists, names):
    run = run_module(zilliz_role_info, name=name)
    assert run['exists'] is exists and [r['name'] for r in run['roles']] == names


def test_what_it_reads_given_back_to_zilliz_role_changes_nothing(server, run_module):
    custom = run_module(zilliz_role_info)['custom_roles']
    del server.calls[:]
    run = run_module(zilliz_role, roles=custom)
    assert not run.failed, run.result
    assert run['changed'] is False and server.writes() == []


def test_a_bad_name_fails_before_any_request(server, run_module):
    run = run_module(zilliz_role_info, name='1role')
    assert run.failed and run['error_category'] == 'invalid_input'
    assert server.calls == []


def test_reading_roles_without_the_privilege_is_forbidden(server, run_module):
    server.forbidden['SelectRole'] = {'bob'}
    run = run_module(zilliz_role_info, login_user='bob', login_password='Bob-secret-22')
    assert run.failed and run['error_category'] == 'forbidden'
    run.assert_no_secret()
