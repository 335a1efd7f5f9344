"""The zilliz.cloud.cluster_users role through ansible-playbook, against real
local Milvus servers: the session server (shared, so every user name here is
unique to this file and cleaned up) and a second server of this module (for
exclusive mode, which drops unlisted users, and for the two-cluster run)."""

import re
import shutil

import pytest
import yaml

from conftest import (REPO, SECRETS, create_users, drop_users, logs_in, playbook, register_secret, snapshot,
                      start_server)

EXAMPLE_INVENTORY = REPO / 'examples' / 'inventory'

# Passwords with @ : quotes spaces and non-ASCII; all registered, so the
# harness fails any run whose output contains one of them.
PW = {key: register_secret(value) for key, value in {
    'new1': "R0le:new1 @ 'single' é",
    'new2': 'R0le "double" new2: ü',
    'rot_old': 'R0le rot old: @ 1',
    'rot_new': 'R0le rot new: "2" ñ',
    'keep': "R0le keep 'k' : @",
    'env': 'R0le env: @ ø x',
    'ex': 'R0le exclusive: @ "x"',
    'etl': 'Ex@mple etl: "pw" é',
    'dashboard': "Ex@mple dashboard 'pw' :",
    'reporting': 'Ex@mple reporting pw ü',
    'vault': 'vault pass: @ "test" é',
}.items()}


def conn_vars(server, **extra):
    data = {'cluster_users_uri': server.uri, 'cluster_users_login_user': 'root',
            'cluster_users_login_password': server.root_password, 'cluster_users_timeout': 10}
    data.update(extra)
    return data


def summary_line(output, label):
    """(count, names) of one line of the role's printed summary (last run printed)."""
    found = re.findall(r'"  %s +(\d+)(?:  (.*?))?",?\n' % re.escape(label), output)
    assert found, 'no %r line in the summary' % label
    count, names = found[-1]
    return int(count), names


def summary(created=(), password_changed=(), roles_changed=(), dropped=(), unchanged=()):
    return dict(created=list(created), password_changed=list(password_changed),
                roles_changed=list(roles_changed), dropped=list(dropped), unchanged=list(unchanged))


@pytest.fixture(scope='module')
def milvus2(milvus):
    """A second server, started after the session one (never together)."""
    server = start_server()
    yield server
    server.stop()


def test_role_provisions_a_list_then_changes_nothing(milvus):
    names = ['rl_new1', 'rl_new2', 'rl_rot', 'rl_keep', 'rl_gone']
    create_users(milvus, {'rl_rot': (PW['rot_old'], ['db_ro']),
                          'rl_keep': (PW['keep'], ['db_rw']),
                          'rl_gone': (PW['keep'], [])})
    accounts = [
        {'name': 'rl_new1', 'password': PW['new1'], 'roles': ['db_ro', 'db_rw']},
        {'name': 'rl_new2', 'password': PW['new2'], 'roles': ['db_admin_role']},
        {'name': 'rl_rot', 'state': 'password', 'current_password': PW['rot_old'], 'password': PW['rot_new']},
        {'name': 'rl_keep', 'password': PW['keep'], 'roles': ['db_ro']},
        {'name': 'rl_gone', 'state': 'absent'},
    ]
    try:
        first = summary(created=['rl_new1', 'rl_new2'], password_changed=['rl_rot'],
                        roles_changed=['rl_new1', 'rl_new2', 'rl_keep'], dropped=['rl_gone'])
        run = playbook('role_provision.yml', conn_vars(milvus, cluster_users_accounts=accounts,
                                                       role_expect={'localhost': {'summary': first, 'changed': True}}),
                       name='role_provision_first')
        users = snapshot(milvus)[0]
        assert users['rl_new1'] == ['db_ro', 'db_rw']
        assert users['rl_new2'] == ['db_admin_role']
        assert users['rl_rot'] == ['db_ro']          # rotation keeps the grants
        assert users['rl_keep'] == ['db_ro']
        assert 'rl_gone' not in users
        assert logs_in(milvus, 'rl_rot', PW['rot_new']) and not logs_in(milvus, 'rl_rot', PW['rot_old'])
        assert logs_in(milvus, 'rl_new1', PW['new1'])
        # The printed summary: one readable line per outcome.
        assert 'localhost (%s): changed, 5 user(s) listed' % milvus.uri in run.output
        assert summary_line(run.output, 'created') == (2, 'rl_new1, rl_new2')
        assert summary_line(run.output, 'password rotated') == (1, 'rl_rot')
        assert summary_line(run.output, 'roles changed') == (
            3, 'rl_new1 +db_ro +db_rw, rl_new2 +db_admin_role, rl_keep +db_ro -db_rw')
        assert summary_line(run.output, 'dropped') == (1, 'rl_gone')
        assert summary_line(run.output, 'unchanged') == (0, '')
        # One module process for the whole list (-vvvv shows each execution).
        assert len(re.findall(r"EXEC /bin/sh -c '\S*python\S* \S*AnsiballZ_zilliz_access\.py", run.output)) == 1

        again = playbook('role_provision.yml', conn_vars(
            milvus, cluster_users_accounts=accounts,
            role_expect={'localhost': {'summary': summary(unchanged=names), 'changed': False}}),
            name='role_provision_again')
        assert re.search(r'localhost +: ok=\d+ +changed=0 ', again.output)
        assert ': no change, 5 user(s) listed' in again.output
        assert summary_line(again.output, 'unchanged') == (5, '')
        assert snapshot(milvus)[0] == users
    finally:
        drop_users(milvus, names)


def test_role_connection_from_environment(milvus):
    """No connection variable set: the ZILLIZ_* environment (an AWX credential) supplies it."""
    accounts = [{'name': 'rl_env', 'password': PW['env'], 'roles': ['db_ro']}]
    try:
        playbook('role_provision.yml', {'cluster_users_accounts': accounts, 'role_expect': {'localhost': {
            'summary': summary(created=['rl_env'], roles_changed=['rl_env']), 'changed': True}}},
            env=milvus.env(), name='role_env')
        assert snapshot(milvus)[0]['rl_env'] == ['db_ro']
    finally:
        drop_users(milvus, ['rl_env'])


def test_role_bad_item_changes_nothing(milvus):
    create_users(milvus, {'rl_bad_exists': (PW['keep'], ['db_ro'])})
    try:
        before = snapshot(milvus)
        # Problems only the server can reveal: an unknown role, a rotation for a missing user.
        server_side = [
            {'name': 'rl_bad_new', 'password': PW['new1'], 'roles': ['db_ro']},
            {'name': 'rl_bad_exists', 'password': PW['keep'], 'roles': ['no_such_role']},
            {'name': 'rl_bad_missing', 'state': 'password', 'password': PW['new2']},
            {'name': 'rl_bad_exists2', 'state': 'absent'},
        ]
        run = playbook('role_provision.yml', conn_vars(milvus, cluster_users_accounts=server_side),
                       expect_rc=2, name='role_bad_server_side')
        assert '"error_category": "invalid_input"' in run.output
        assert 'users[1] (rl_bad_exists)' in run.output and 'no_such_role' in run.output
        assert 'users[2] (rl_bad_missing)' in run.output
        assert snapshot(milvus) == before

        # Problems found before connecting: a bad name, a too short password.
        client_side = [
            {'name': 'rl_bad_new', 'password': PW['new1'], 'roles': ['db_ro']},
            {'name': '9rl_bad', 'password': PW['new2']},
            {'name': 'rl_bad_short', 'password': 'abc'},
        ]
        run = playbook('role_provision.yml', conn_vars(milvus, cluster_users_accounts=client_side),
                       expect_rc=2, name='role_bad_client_side')
        assert '"error_category": "invalid_input"' in run.output
        assert 'users[1] (9rl_bad)' in run.output and 'users[2] (rl_bad_short)' in run.output
        assert snapshot(milvus) == before

        # A credential that does not work fails before anything is touched.
        run = playbook('role_provision.yml', conn_vars(milvus, cluster_users_login_password=SECRETS['pw_wrong'],
                                                       cluster_users_accounts=server_side[:1]),
                       expect_rc=2, name='role_bad_login')
        assert '"error_category": "auth_failed"' in run.output
        assert snapshot(milvus) == before
    finally:
        drop_users(milvus, ['rl_bad_exists', 'rl_bad_new'])


def test_role_exclusive_drops_exactly_the_unlisted(milvus2):
    drop_users(milvus2, [u for u in snapshot(milvus2)[0] if u != 'root'])
    create_users(milvus2, {'ex_listed': (PW['ex'], []), 'ex_x1': (PW['ex'], ['db_ro']),
                           'ex_x2': (PW['ex'], []), 'ex_kept': (PW['ex'], ['db_rw'])})
    accounts = [{'name': 'ex_listed', 'password': PW['ex'], 'roles': ['db_ro']},
                {'name': 'ex_new', 'password': PW['ex']}]
    variables = conn_vars(milvus2, cluster_users_accounts=accounts, cluster_users_exclusive=True,
                          cluster_users_protected=['root', 'db_admin', 'ex_kept'])
    expected = summary(created=['ex_new'], roles_changed=['ex_listed'], dropped=['ex_x1', 'ex_x2'])
    before = snapshot(milvus2)

    run = playbook('role_provision.yml', dict(variables, role_expect={'localhost': {
        'summary': expected, 'changed': True}}), check=True, name='role_exclusive_check')
    assert 'would change (check mode: nothing was changed), 2 user(s) listed, exclusive' in run.output
    assert snapshot(milvus2) == before

    playbook('role_provision.yml', dict(variables, role_expect={'localhost': {
        'summary': expected, 'changed': True}}), name='role_exclusive')
    assert snapshot(milvus2)[0] == {'root': [], 'ex_kept': ['db_rw'], 'ex_listed': ['db_ro'], 'ex_new': []}

    # An empty list in exclusive mode would drop everyone: refused, nothing touched.
    run = playbook('role_provision.yml', dict(variables, cluster_users_accounts=[]), expect_rc=2,
                   name='role_exclusive_empty')
    assert 'exclusive with an empty users list would drop every user' in run.output
    assert '"error_category": "invalid_input"' in run.output
    assert set(snapshot(milvus2)[0]) == {'root', 'ex_kept', 'ex_listed', 'ex_new'}


def _vault_encrypt(text, password):
    from ansible.parsing.vault import VaultLib, VaultSecret  # pylint: disable=import-outside-toplevel
    return VaultLib([('default', VaultSecret(password.encode('utf-8')))]).encrypt(text).decode('ascii')


def test_role_two_clusters_in_one_run(milvus, milvus2, tmp_path):
    """The example inventory (two clusters, vaulted passwords) with its URIs
    pointed at the two local servers: one ansible-playbook run, -f 2."""
    inventory = tmp_path / 'inventory'
    shutil.copytree(EXAMPLE_INVENTORY, inventory)
    vault_vars = {
        'vault_prod_eu_db_admin_password': milvus.root_password,
        'vault_staging_us_db_admin_password': milvus2.root_password,
        'vault_etl_password': PW['etl'],
        'vault_dashboard_password': PW['dashboard'],
        'vault_reporting_password': PW['reporting'],
        'vault_reporting_old_password': PW['reporting'],    # used only to rotate an existing user
    }
    (inventory / 'group_vars' / 'zilliz_clusters' / 'vault.yml').write_text(
        _vault_encrypt(yaml.safe_dump(vault_vars, allow_unicode=True), PW['vault']), encoding='ascii')
    vault_file = tmp_path / 'vault-pass'
    vault_file.write_text(PW['vault'], encoding='utf-8')
    vault_file.chmod(0o600)
    # Inventory host_vars/ override the host vars of hosts.yml: only the
    # address and the admin user differ from a Zilliz Cloud cluster.
    (inventory / 'host_vars').mkdir()
    for host, server in (('prod_eu', milvus), ('staging_us', milvus2)):
        (inventory / 'host_vars' / (host + '.yml')).write_text(yaml.safe_dump(
            {'cluster_users_uri': server.uri, 'cluster_users_login_user': 'root'}), encoding='utf-8')

    listed = ['etl', 'dashboard', 'reporting', 'intern2025']
    unlisted_on_2 = sorted(set(snapshot(milvus2)[0]) - set(listed) - {'root', 'db_admin', 'monitoring'})
    fresh = dict(created=['etl', 'dashboard', 'reporting'], password_changed=[],
                 roles_changed=['etl', 'dashboard', 'reporting'], dropped=[], unchanged=['intern2025'])
    expect = {'prod_eu': {'summary': fresh, 'changed': True},
              'staging_us': {'summary': dict(fresh, dropped=unlisted_on_2), 'changed': True}}
    try:
        run = playbook('role_provision.yml', {'target_hosts': 'zilliz_clusters', 'role_expect': expect},
                       inventory=inventory, extra_args=['-f', '2', '--vault-password-file', str(vault_file)],
                       name='role_two_clusters')
        assert 'prod_eu (%s): changed' % milvus.uri in run.output
        assert 'staging_us (%s): changed' % milvus2.uri in run.output
        for server in (milvus, milvus2):
            users = snapshot(server)[0]
            assert users['etl'] == ['db_rw'] and users['dashboard'] == ['db_ro'] and users['reporting'] == ['db_ro']
            assert logs_in(server, 'reporting', PW['reporting'])
        assert set(snapshot(milvus2)[0]) == {'root', 'etl', 'dashboard', 'reporting'}
    finally:
        drop_users(milvus, listed)
        drop_users(milvus2, listed)


def test_role_connection_from_module_defaults(milvus):
    accounts = [{'name': 'rl_md', 'password': PW['env'], 'roles': ['db_ro']}]
    try:
        playbook('role_module_defaults.yml', {'zilliz_uri': milvus.uri, 'root_password': milvus.root_password,
                                              'cluster_users_accounts': accounts}, name='role_module_defaults')
        assert snapshot(milvus)[0]['rl_md'] == ['db_ro']
    finally:
        drop_users(milvus, ['rl_md'])


def test_role_connection_variables_mixed_with_module_defaults(milvus):
    accounts = [{'name': 'rl_mixed', 'password': PW['env'], 'roles': ['db_ro']}]
    try:
        playbook('role_mixed_defaults.yml', {'zilliz_uri': milvus.uri, 'root_password': milvus.root_password,
                                             'wrong_password': SECRETS['pw_wrong'],
                                             'cluster_users_accounts': accounts}, name='role_mixed_defaults')
        assert snapshot(milvus)[0]['rl_mixed'] == ['db_ro']
    finally:
        drop_users(milvus, ['rl_mixed'])
