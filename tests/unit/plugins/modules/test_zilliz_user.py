"""zilliz_user's main() against the fake server (tests/unit/conftest.py)."""

import grpc
import pytest

from ansible_collections.zilliz.cloud.plugins.modules import zilliz_user

ALICE_PW = 'Alice-secret-1'
BOB_PW = 'Bob-secret-22'
NEW_PW = 'Rotated-secret-3'


@pytest.fixture
def server(milvus):
    milvus.add_role('db_ro').add_role('db_rw')
    milvus.add_user('bob', BOB_PW, ['db_ro'])
    return milvus


def test_single_form_creates_a_user_with_roles_then_changes_nothing(server, run_module):
    first = run_module(zilliz_user, name='alice', password=ALICE_PW, roles=['db_rw'])
    assert not first.failed, first.result
    assert first['changed'] is True
    assert first['user'] == {'name': 'alice', 'exists': True, 'roles': ['db_rw']}
    assert first['actions'] == ['create_user', 'grant_role:db_rw']
    assert first['password_changed'] is False
    assert first['summary']['created'] == ['alice']
    assert server.passwords['alice'] == ALICE_PW and server.user_roles['alice'] == {'db_rw'}

    del server.calls[:]
    second = run_module(zilliz_user, name='alice', password=ALICE_PW, roles=['db_rw'])
    assert second['changed'] is False and second['actions'] == []
    assert second['summary']['unchanged'] == ['alice']
    assert server.writes() == []
    first.assert_no_secret()
    second.assert_no_secret()


def test_batch_form_reports_one_entry_per_item_in_order(server, run_module):
    run = run_module(zilliz_user, users=[
        {'name': 'alice', 'password': ALICE_PW, 'roles': ['db_ro']},
        {'name': 'bob', 'password': BOB_PW, 'roles': ['db_ro']},
        {'name': 'carol', 'state': 'absent'},
    ])
    assert not run.failed, run.result
    assert 'user' not in run.result
    assert [(u['name'], u['state'], u['changed'], u['exists']) for u in run['users']] == [
        ('alice', 'present', True, True), ('bob', 'present', False, True), ('carol', 'absent', False, False)]
    assert run['users'][0]['actions'] == ['create_user', 'grant_role:db_ro']
    assert run['actions'] == ['alice:create_user', 'alice:grant_role:db_ro']
    assert run['summary'] == {'created': ['alice'], 'password_changed': [], 'roles_changed': ['alice'], 'dropped': [],
                              'unchanged': ['bob', 'carol']}
    run.assert_no_secret()


def test_items_inherit_top_level_options(server, run_module):
    run = run_module(zilliz_user, roles=['db_rw'], roles_mode='append',
                     users=[{'name': 'bob'}, {'name': 'alice', 'password': ALICE_PW, 'roles': []}])
    assert run['users'][0]['roles'] == ['db_ro', 'db_rw']
    assert run['users'][1]['roles'] == []
    assert server.user_roles['bob'] == {'db_ro', 'db_rw'}


def test_check_mode_plans_what_a_real_run_does_and_writes_nothing(server, run_module):
    args = dict(users=[{'name': 'alice', 'password': ALICE_PW, 'roles': ['db_rw']},
                       {'name': 'bob', 'password': NEW_PW, 'current_password': BOB_PW, 'update_password': 'always',
                        'roles': ['db_rw']}])
    before = server.snapshot()
    checked = run_module(zilliz_user, check_mode=True, **args)
    assert checked['changed'] is True
    assert server.writes() == [] and server.snapshot() == before
    real = run_module(zilliz_user, **args)
    assert real['actions'] == checked['actions']
    assert real['users'] == checked['users']
    assert server.passwords['bob'] == NEW_PW and server.user_roles['bob'] == {'db_rw'}
    checked.assert_no_secret()
    real.assert_no_secret()


def test_diff_shows_roles_and_whether_the_password_changes_never_the_password(server, run_module):
    run = run_module(zilliz_user, check_mode=True, diff=True, name='bob', password=NEW_PW,
                     update_password='always', login_superuser=True, roles=['db_rw'])
    assert run['diff']['before'] == {'exists': True, 'roles': ['db_ro'], 'password': 'unchanged'}
    assert run['diff']['after'] == {'exists': True, 'roles': ['db_rw'], 'password': 'changed'}
    batch = run_module(zilliz_user, diff=True, users=[{'name': 'bob'}, {'name': 'alice', 'password': ALICE_PW}])
    # A batch diff lists only the users that change.
    assert sorted(batch['diff']['after']) == ['alice']
    assert batch['diff']['after']['alice']['password'] == 'set'
    run.assert_no_secret()
    batch.assert_no_secret()


def test_rotation_with_the_current_password(server, run_module):
    run = run_module(zilliz_user, name='bob', state='password', current_password=BOB_PW, password=NEW_PW)
    assert run['password_changed'] is True and run['actions'] == ['update_password']
    assert server.passwords['bob'] == NEW_PW
    run.assert_no_secret()


def test_a_wrong_current_password_fails_before_any_change(server, run_module):
    run = run_module(zilliz_user, name='bob', state='password', current_password='Not-the-one-9', password=NEW_PW,
                     roles=['db_rw'])
    assert run.failed and run['error_category'] == 'auth_failed'
    assert 'current_password' in run['msg'] and 'bob' in run['msg']
    assert server.writes() == [] and server.passwords['bob'] == BOB_PW
    run.assert_no_secret('Not-the-one-9')


def test_exclusive_drops_unlisted_users_but_never_root_or_the_login_user(server, run_module):
    server.add_user('old', 'Old-secret-1')
    run = run_module(zilliz_user, users=[{'name': 'bob', 'password': BOB_PW}], exclusive=True)
    assert [(u['name'], u.get('unlisted', False)) for u in run['users']] == [('bob', False), ('old', True)]
    assert run['summary']['dropped'] == ['old']
    assert sorted(server.passwords) == ['bob', 'root']


def test_max_drops_stops_a_clean_up_before_any_change(server, run_module):
    server.add_user('old1', 'Old-secret-1').add_user('old2', 'Old-secret-2')
    run = run_module(zilliz_user, users=[{'name': 'alice', 'password': ALICE_PW}], exclusive=True, max_drops=1)
    assert run.failed and run['error_category'] == 'invalid_input'
    assert 'old1' in run['msg'] and 'old2' in run['msg'] and 'max_drops' in run['msg']
    assert server.writes() == []


def test_bad_input_fails_before_the_first_request_naming_every_problem(server, run_module):
    run = run_module(zilliz_user, users=[{'name': '1bad', 'password': ALICE_PW}, {'name': 'short', 'password': 'tiny5'}])
    assert run.failed and run['error_category'] == 'invalid_input'
    assert 'users[0]' in run['msg'] and 'users[1]' in run['msg']
    assert server.calls == []
    run.assert_no_secret()


def test_argument_spec_failures_are_invalid_input(server, run_module):
    run = run_module(zilliz_user, name='alice', users=[{'name': 'bob'}])
    assert run.failed and run['error_category'] == 'invalid_input'
    assert server.calls == []


def test_a_role_that_does_not_exist_is_invalid_input(server, run_module):
    run = run_module(zilliz_user, name='alice', password=ALICE_PW, roles=['no_such_role'])
    assert run.failed and run['error_category'] == 'invalid_input'
    assert 'no_such_role' in run['msg']
    assert server.writes() == []


def test_a_refusal_after_changes_began_reports_what_was_done(server, run_module):
    server.fail('OperateUserRole', server.refusal(65535, 'internal error: quota'))
    run = run_module(zilliz_user, name='alice', password=ALICE_PW, roles=['db_rw'])
    assert run.failed and run['error_category'] == 'server_error'
    assert 'alice' in run['msg'] and 'quota' in run['msg']
    assert run['changed'] is True and run['actions'] == ['create_user']
    assert 'alice' in server.passwords
    run.assert_no_secret()


def test_an_unreachable_server_is_reported_as_such(server, run_module):
    server.fail('Connect', server.rpc_error(
        grpc.StatusCode.UNAVAILABLE, 'failed to connect to all addresses; last error: connection refused'))
    run = run_module(zilliz_user, name='alice', password=ALICE_PW, retry_budget=0)
    assert run.failed and run['error_category'] == 'unreachable'
    assert 'localhost:19530' in run['msg']
    assert server.writes() == []


def test_a_wrong_login_password_is_auth_failed_and_not_echoed(server, run_module):
    run = run_module(zilliz_user, name='alice', password=ALICE_PW, login_password='Wrong-root-1')
    assert run.failed and run['error_category'] == 'auth_failed'
    assert 'root' in run['msg']
    run.assert_no_secret('Wrong-root-1')


RESET = 'Stream removed (recvmsg:Connection reset by peer (104))'


def test_a_creation_whose_answer_was_lost_is_this_runs_change(server, run_module):
    server.fail('CreateCredential', server.rpc_error(grpc.StatusCode.UNAVAILABLE, RESET), after_applying=True)
    run = run_module(zilliz_user, name='alice', password=ALICE_PW)
    assert not run.failed, run.result
    assert run['changed'] is True and run['actions'] == ['create_user']
    assert server.writes() == ['CreateCredential', 'CreateCredential']


def test_a_user_another_run_created_first_is_reported_present(server, run_module):
    server.before('CreateCredential', lambda s: s.add_user('alice', ALICE_PW))
    run = run_module(zilliz_user, name='alice', password=ALICE_PW, roles=['db_ro'])
    assert not run.failed, run.result
    assert run['actions'] == ['grant_role:db_ro'] and run['user']['exists'] is True


def test_a_racing_creation_with_another_password_is_rotated_with_update_password_always(server, run_module):
    server.before('CreateCredential', lambda s: s.add_user('alice', 'Other-run-pw-1'))
    run = run_module(zilliz_user, name='alice', password=ALICE_PW, current_password='Other-run-pw-1',
                     update_password='always')
    assert not run.failed, run.result
    assert run['actions'] == ['update_password'] and server.passwords['alice'] == ALICE_PW


def test_a_rotation_whose_answer_was_lost_is_this_runs_change(server, run_module):
    server.fail('UpdateCredential', server.rpc_error(grpc.StatusCode.UNAVAILABLE, RESET), after_applying=True)
    run = run_module(zilliz_user, name='bob', state='password', current_password=BOB_PW, password=NEW_PW)
    assert not run.failed, run.result
    assert run['password_changed'] is True and server.passwords['bob'] == NEW_PW


def test_a_rotation_another_run_finished_first_changes_nothing(server, run_module):
    server.before('UpdateCredential', lambda s: s.passwords.update(bob=NEW_PW))
    run = run_module(zilliz_user, name='bob', state='password', current_password=BOB_PW, password=NEW_PW)
    assert not run.failed, run.result
    assert run['changed'] is False and run['password_changed'] is False


def test_a_retried_rotation_refused_because_another_client_changed_the_password_fails(server, run_module):
    server.before('UpdateCredential', lambda s: s.passwords.update(bob='Third-party-pw-4'))
    server.fail('UpdateCredential', server.rpc_error(grpc.StatusCode.UNAVAILABLE, RESET))
    run = run_module(zilliz_user, name='bob', state='password', current_password=BOB_PW, password=NEW_PW)
    assert run.failed and run['error_category'] == 'auth_failed'
    assert 'bob' in run['msg'] and server.passwords['bob'] == 'Third-party-pw-4'
    run.assert_no_secret()
