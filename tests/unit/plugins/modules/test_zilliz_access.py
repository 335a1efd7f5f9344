"""zilliz_access's main() against the fake server (tests/unit/conftest.py)."""

from ansible_collections.zilliz.cloud.plugins.modules import zilliz_access

ALICE_PW = 'Alice-secret-1'
BOB_PW = 'Bob-secret-22'
SEARCH = {'object_type': 'Collection', 'object_name': 'orders', 'privilege': 'Search'}
ROLES = [{'name': 'orders_reader', 'privileges': [SEARCH]}]
USERS = [{'name': 'alice', 'password': ALICE_PW, 'roles': ['orders_reader']},
         {'name': 'bob', 'password': BOB_PW, 'roles': ['db_ro']}]


def test_roles_then_users_in_one_run_then_nothing_changes(milvus, run_module):
    milvus.add_role('db_ro').add_user('bob', BOB_PW, ['db_ro'])
    first = run_module(zilliz_access, roles=ROLES, users=USERS)
    assert not first.failed, first.result
    assert first['changed'] is True
    assert first['roles_result']['summary'] == {'created': ['orders_reader'], 'privileges_changed': [],
                                                'dropped': [], 'unchanged': []}
    assert first['roles_result']['actions'] == ['orders_reader:create_role',
                                                'orders_reader:grant:Collection:orders:Search@default']
    assert first['summary'] == {'created': ['alice'], 'password_changed': [], 'roles_changed': ['alice'],
                                'dropped': [], 'unchanged': ['bob']}
    assert [u['name'] for u in first['users']] == ['alice', 'bob']
    assert milvus.user_roles['alice'] == {'orders_reader'}
    # One connection: the server was asked for its version once.
    assert [method for method, dummy in milvus.calls].count('GetVersion') == 1

    del milvus.calls[:]
    second = run_module(zilliz_access, roles=ROLES, users=USERS)
    assert second['changed'] is False and milvus.writes() == []
    assert second['summary']['unchanged'] == ['alice', 'bob']
    first.assert_no_secret()
    second.assert_no_secret()


def test_report_unchanged_false_leaves_the_unchanged_out_of_the_lists_not_out_of_the_summary(milvus, run_module):
    milvus.add_role('db_ro').add_user('bob', BOB_PW, ['db_ro'])
    first = run_module(zilliz_access, roles=ROLES + [{'name': 'db_ro'}], users=USERS, report_unchanged=False)
    assert not first.failed, first.result
    assert [u['name'] for u in first['users']] == ['alice']
    assert [r['name'] for r in first['roles_result']['roles']] == ['orders_reader']
    assert first['summary']['unchanged'] == ['bob'] and first['roles_result']['summary']['unchanged'] == ['db_ro']
    again = run_module(zilliz_access, roles=ROLES, users=USERS, report_unchanged=False)
    assert again['changed'] is False and again['users'] == [] and again['roles_result']['roles'] == []
    assert again['summary']['unchanged'] == ['alice', 'bob']


def test_check_mode_sees_the_roles_it_would_create_and_changes_nothing(milvus, run_module):
    milvus.add_role('db_ro').add_user('bob', BOB_PW, ['db_ro'])
    before = milvus.snapshot()
    run = run_module(zilliz_access, check_mode=True, diff=True, roles=ROLES, users=USERS)
    assert not run.failed, run.result
    assert run['actions'] == ['alice:create_user', 'alice:grant_role:orders_reader']
    assert run['roles_result']['summary']['created'] == ['orders_reader']
    assert [(d['before_header'], sorted(d['after'])) for d in run['diff']] == [
        ('roles', ['orders_reader']), ('users', ['alice'])]
    assert milvus.writes() == [] and milvus.snapshot() == before
    run.assert_no_secret()


def test_a_bad_user_item_fails_before_any_role_is_created(milvus, run_module):
    run = run_module(zilliz_access, roles=ROLES, users=[{'name': 'carol', 'password': ALICE_PW, 'roles': ['nope']}])
    assert run.failed and run['error_category'] == 'invalid_input'
    assert 'users[0] (carol): role nope does not exist' in run['msg']
    assert milvus.writes() == []
    run.assert_no_secret()


def test_users_of_a_dropped_role_no_longer_hold_it(milvus, run_module):
    milvus.add_role('stale', ('Collection', 'orders', 'Query')).add_user('bob', BOB_PW, ['stale'])
    run = run_module(zilliz_access, roles=[{'name': 'stale', 'state': 'absent'}],
                     users=[{'name': 'bob', 'roles': []}], diff=True)
    assert not run.failed, run.result
    # bob loses stale with the role: nothing left to revoke for him.
    assert run['users'][0]['actions'] == []
    assert run['roles_result']['summary']['dropped'] == ['stale']
    assert 'stale' not in milvus.roles and milvus.user_roles['bob'] == set()


def test_users_alone_and_roles_alone(milvus, run_module):
    users_only = run_module(zilliz_access, users=[{'name': 'alice', 'password': ALICE_PW}])
    assert 'roles_result' not in users_only.result and users_only['summary']['created'] == ['alice']
    roles_only = run_module(zilliz_access, roles=ROLES)
    assert 'summary' not in roles_only.result and roles_only['changed'] is True
    assert roles_only['roles_result']['summary']['created'] == ['orders_reader']
    neither = run_module(zilliz_access)
    assert neither.failed and neither['error_category'] == 'invalid_input'


def test_a_failure_after_changes_began_says_what_each_kind_did(milvus, run_module):
    milvus.fail('CreateCredential', milvus.refusal(65535, 'internal error'))
    run = run_module(zilliz_access, roles=ROLES, users=[{'name': 'alice', 'password': ALICE_PW}])
    assert run.failed
    assert run['roles_result'] == {'changed': True, 'actions': ['orders_reader:create_role',
                                                                'orders_reader:grant:Collection:orders:Search@default']}
    assert run['actions'] == [] and run['changed'] is True
    run.assert_no_secret()


def test_zilliz_user_check_mode_roles_still_works_and_is_deprecated(milvus, run_module):
    """What zilliz_access replaces: zilliz_user's check_mode_roles, kept working until 2.0.0."""
    from ansible_collections.zilliz.cloud.plugins.modules import zilliz_user
    run = run_module(zilliz_user, check_mode=True, check_mode_roles=['orders_reader'],
                     users=[{'name': 'alice', 'password': ALICE_PW, 'roles': ['orders_reader']}])
    assert not run.failed, run.result
    assert run['actions'] == ['alice:create_user', 'alice:grant_role:orders_reader'] and milvus.writes() == []
    assert any('check_mode_roles' in str(d) for d in run.get('deprecations', [])), run.result
    without = run_module(zilliz_user, check_mode=True,
                         users=[{'name': 'alice', 'password': ALICE_PW, 'roles': ['orders_reader']}])
    assert without.failed and 'orders_reader' in without['msg']


def test_a_long_list_is_counted_in_the_invocation_below_verbosity_3(milvus, run_module):
    users = [{'name': 'gone_%d' % i, 'state': 'absent'} for i in range(101)]
    quiet = run_module(zilliz_access, users=users)
    assert quiet['changed'] is False and quiet['summary']['unchanged'] == [u['name'] for u in users]
    assert quiet['invocation']['module_args']['users'] == '101 items (listed in full at verbosity 3, -vvv)'
    assert quiet['invocation']['module_args']['login_password'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    loud = run_module(zilliz_access, users=users, _ansible_verbosity=3)
    assert [u['name'] for u in loud['invocation']['module_args']['users']] == [u['name'] for u in users]
    short = run_module(zilliz_access, users=users[:100])
    assert len(short['invocation']['module_args']['users']) == 100
    for run in (quiet, loud, short):
        run.assert_no_secret()


def test_the_system_log_line_counts_a_long_list_and_names_no_secret(milvus, run_module, monkeypatch):
    from ansible.module_utils.basic import AnsibleModule
    logged = []
    monkeypatch.setattr(AnsibleModule, 'log', lambda self, msg, log_args=None: logged.append(msg))
    users = [{'name': 'new_%d' % i, 'password': 'New-pass-%d: x' % i} for i in range(101)]
    run = run_module(zilliz_access, users=users, report_unchanged=False)
    assert not run.failed, run.result
    assert len(logged) == 1 and 'users=101 items (listed in full' in logged[0]
    assert not any(secret in logged[0] for secret in run.secrets)
    run_module(zilliz_access, users=users[:2], report_unchanged=False)
    assert "'name': 'new_0'" in logged[1] and 'New-pass' not in logged[1]
