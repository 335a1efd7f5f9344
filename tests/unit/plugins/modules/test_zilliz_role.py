"""zilliz_role's main() against the fake server (tests/unit/conftest.py)."""

import grpc
import pytest

from ansible_collections.zilliz.cloud.plugins.modules import zilliz_role

SEARCH = {'object_type': 'Collection', 'object_name': 'orders', 'privilege': 'Search'}
QUERY = {'object_type': 'Collection', 'object_name': 'orders', 'privilege': 'Query'}
SHOW = {'object_type': 'Global', 'privilege': 'ShowCollections', 'db_name': 'analytics'}


def item(entry, db_name='default'):
    """The form results give a privilege in: every key, object names of Global grants as `*`."""
    full = dict(dict(object_name='*', db_name=db_name), **entry)
    if full['object_type'] == 'Global':
        full['object_name'] = '*'
    return full


@pytest.fixture
def server(milvus):
    milvus.databases = ['default', 'analytics']
    milvus.add_role('reader', ('Collection', 'orders', 'Search'))
    milvus.add_user('bob', 'Bob-secret-22', ['reader'])
    return milvus


def test_single_form_creates_a_role_with_privileges_in_two_databases_then_changes_nothing(server, run_module):
    first = run_module(zilliz_role, name='orders_rw', privileges=[SEARCH, QUERY, SHOW])
    assert not first.failed, first.result
    assert first['changed'] is True
    assert first['actions'] == ['create_role', 'grant:Collection:orders:Query@default',
                                'grant:Collection:orders:Search@default', 'grant:Global:*:ShowCollections@analytics']
    assert first['role'] == {'name': 'orders_rw', 'exists': True,
                             'privileges': [item(QUERY), item(SEARCH), item(SHOW, 'analytics')]}
    assert server.role_grants('orders_rw') == [('Collection', 'orders', 'default', 'Query'),
                                               ('Collection', 'orders', 'default', 'Search'),
                                               ('Global', '*', 'analytics', 'ShowCollections')]
    del server.calls[:]
    second = run_module(zilliz_role, name='orders_rw', privileges=[SHOW, QUERY, SEARCH])
    assert second['changed'] is False and second['actions'] == [] and server.writes() == []
    assert second['summary']['unchanged'] == ['orders_rw']
    first.assert_no_secret()


@pytest.mark.parametrize('mode, privileges, expected', [
    ('exact', [QUERY], [('Collection', 'orders', 'default', 'Query')]),
    ('append', [QUERY], [('Collection', 'orders', 'default', 'Query'), ('Collection', 'orders', 'default', 'Search')]),
    ('remove', [SEARCH, QUERY], []),
])
def test_privileges_modes(server, run_module, mode, privileges, expected):
    run = run_module(zilliz_role, name='reader', privileges=privileges, privileges_mode=mode)
    assert not run.failed, run.result
    assert server.role_grants('reader') == expected


def test_privileges_left_out_are_not_touched(server, run_module):
    run = run_module(zilliz_role, name='reader')
    assert run['changed'] is False and server.role_grants('reader') == [('Collection', 'orders', 'default', 'Search')]


def test_absent_revokes_then_drops_and_members_lose_the_role(server, run_module):
    run = run_module(zilliz_role, name='reader', state='absent')
    assert run['actions'] == ['revoke:Collection:orders:Search@default', 'drop_role']
    assert run['role']['exists'] is False
    assert 'reader' not in server.roles and server.user_roles['bob'] == set()


def test_batch_form_with_exclusive_clean_up(server, run_module):
    server.add_role('stale').add_role('kept')
    run = run_module(zilliz_role, roles=[{'name': 'reader', 'privileges': [SEARCH]},
                                         {'name': 'writer', 'privileges': [QUERY]}],
                     exclusive=True, protected_roles=['kept'])
    assert not run.failed, run.result
    assert [(r['name'], r['state'], r['changed'], r.get('unlisted', False)) for r in run['roles']] == [
        ('reader', 'present', False, False), ('writer', 'present', True, False), ('stale', 'absent', True, True)]
    assert run['actions'] == ['writer:create_role', 'writer:grant:Collection:orders:Query@default', 'stale:drop_role']
    assert run['summary'] == {'created': ['writer'], 'privileges_changed': [], 'dropped': ['stale'],
                              'unchanged': ['reader']}
    assert server.roles == {'admin', 'public', 'reader', 'writer', 'kept'}


def test_max_drops_stops_a_clean_up_before_any_change(server, run_module):
    server.add_role('stale1').add_role('stale2')
    run = run_module(zilliz_role, roles=[{'name': 'reader'}], exclusive=True, max_drops=1)
    assert run.failed and run['error_category'] == 'invalid_input'
    assert 'stale1' in run['msg'] and 'stale2' in run['msg']
    assert server.writes() == []


def test_check_mode_plans_what_a_real_run_does_and_writes_nothing(server, run_module):
    args = dict(roles=[{'name': 'reader', 'privileges': [QUERY]}, {'name': 'writer', 'privileges': [SHOW]}])
    before = server.snapshot()
    checked = run_module(zilliz_role, check_mode=True, **args)
    assert checked['changed'] is True and server.writes() == [] and server.snapshot() == before
    real = run_module(zilliz_role, **args)
    assert real['actions'] == checked['actions'] and real['roles'] == checked['roles']
    assert run_module(zilliz_role, **args)['changed'] is False


def test_diff(server, run_module):
    run = run_module(zilliz_role, check_mode=True, diff=True, name='reader', privileges=[QUERY])
    assert run['diff']['before']['privileges'] == [item(SEARCH)]
    assert run['diff']['after']['privileges'] == [item(QUERY)]
    batch = run_module(zilliz_role, diff=True, roles=[{'name': 'reader'}, {'name': 'writer'}])
    assert sorted(batch['diff']['after']) == ['writer']


def test_privilege_names_are_checked_before_any_request(server, run_module):
    run = run_module(zilliz_role, name='reader', privileges=[dict(SEARCH, privilege='Serch')])
    assert run.failed and run['error_category'] == 'invalid_input'
    assert 'Search' in run['msg']       # the did-you-mean
    assert server.calls == []


def test_a_database_that_does_not_exist_is_refused_before_any_change(server, run_module):
    run = run_module(zilliz_role, name='reader', privileges=[dict(SEARCH, db_name='nowhere')])
    assert run.failed and run['error_category'] == 'invalid_input' and 'nowhere' in run['msg']
    assert server.writes() == []


def test_privilege_groups_need_a_newer_server(server, run_module):
    group = {'privilege': 'CollectionReadOnly', 'object_name': '*', 'db_name': 'analytics'}
    run = run_module(zilliz_role, name='reader', privileges=[group], privileges_mode='append')
    assert run.failed and run['error_category'] == 'invalid_input'
    assert server.writes() == []
    server.version = 'v2.4.23'
    run = run_module(zilliz_role, name='reader', privileges=[group], privileges_mode='append')
    assert not run.failed, run.result
    assert server.writes() == ['OperatePrivilegeV2']
    assert run['actions'] == ['grant:v2:*:CollectionReadOnly@analytics']
    assert ('Global', '*', 'analytics', 'CollectionReadOnly') in server.role_grants('reader')
    # Read back as the server stores it, the same request is no change; plain grants still go out as v1.
    del server.calls[:]
    run = run_module(zilliz_role, name='reader', privileges=[group, SEARCH, QUERY])
    assert run['actions'] == ['grant:Collection:orders:Query@default'] and server.writes() == ['OperatePrivilege']
    # Revoking a group is a v2 request too.
    del server.calls[:]
    run = run_module(zilliz_role, name='reader', state='absent')
    assert not run.failed, run.result
    assert sorted(server.writes()) == ['DropRole', 'OperatePrivilege', 'OperatePrivilege', 'OperatePrivilegeV2']


def test_admin_is_never_changed(server, run_module):
    run = run_module(zilliz_role, name='admin', privileges=[SEARCH])
    assert run.failed and run['error_category'] == 'invalid_input' and 'admin' in run['msg']
    assert server.writes() == []


def test_a_refusal_after_changes_began_reports_what_was_done(server, run_module):
    server.fail('OperatePrivilege', server.refusal(65535, 'internal error: etcd is full'))
    run = run_module(zilliz_role, name='writer', privileges=[QUERY])
    assert run.failed and run['error_category'] == 'server_error'
    assert 'writer' in run['msg'] and 'etcd is full' in run['msg']
    assert run['changed'] is True and run['actions'] == ['create_role']
    assert 'writer' in server.roles


RESET = 'Stream removed (recvmsg:Connection reset by peer (104))'


@pytest.mark.parametrize('state, method, actions', [
    ('present', 'CreateRole', ['create_role']),
    ('absent', 'DropRole', ['drop_role']),
])
def test_a_creation_or_drop_whose_answer_was_lost_is_this_runs_change(server, run_module, state, method, actions):
    server.add_role('empty')
    if state == 'present':
        server.roles.discard('empty')
    server.fail(method, server.rpc_error(grpc.StatusCode.UNAVAILABLE, RESET),
                after_applying=True)
    run = run_module(zilliz_role, name='empty', state=state)
    assert not run.failed, run.result
    assert run['changed'] is True and run['actions'] == actions
    assert server.writes() == [method, method]
    assert ('empty' in server.roles) is (state == 'present')


def test_a_role_another_run_created_first_is_reported_present(server, run_module):
    server.before('CreateRole', lambda s: s.add_role('writer'))
    run = run_module(zilliz_role, name='writer', privileges=[QUERY])
    assert not run.failed, run.result
    assert run['actions'] == ['grant:Collection:orders:Query@default']
