"""No secret in any output: every module, the cluster_users role and the
collection playbooks run at -vvvv (normal, --check --diff, and failure paths
including a wrong login_password), the ad-hoc `ansible -m` form with
passwords from an extra-vars file, and the modules' own stdout/stderr when
run directly. The harness (conftest.run_ansible) fails a run whose output
contains any registered secret; this file adds the base64 form of every
user:password pair (the gRPC authorization header) to the scan."""

import base64
import json
import os
import subprocess
import sys
import tempfile

import pytest

from conftest import (REPO, SECRETS, collections_dir, playbook, register_secret, run_ansible, server_vars,
                      snapshot, tail)

sys.path.insert(0, str(REPO / 'tools'))
from milvus_local import pick_free_ports  # noqa: E402

MORE = {
    'pw_short': register_secret('q7#Zx'),
    'pw_role_new': register_secret("R0le new: 'ü' @ \"x\""),
    'pw_role_old': register_secret('R0le old pw: @ ñ'),
    'pw_adhoc': register_secret('Ad hoc: "pw" @ ü \'q\''),
}
SEC_USERS = ['sec_user', 'sec_batch_1', 'sec_batch_2', 'sec_never', 'sec_adhoc', 'sec_role_a', 'sec_role_b']


def _b64_forms(pairs):
    return {base64.b64encode(('%s:%s' % pair).encode('utf-8')).decode('ascii') for pair in pairs}


def _assert_no_b64(text, pairs):
    found = [b for b in _b64_forms(pairs) if b in text]
    assert not found, 'a base64 user:password (authorization header) appeared in the output'


@pytest.fixture
def sec_server(milvus):
    client = milvus.client(user='root', password=milvus.root_password)
    try:
        client.create_user('sec_user', SECRETS['pw_alice_1'], timeout=10)
        client.grant_role('sec_user', 'db_ro', timeout=10)
        yield milvus
    finally:
        for name in SEC_USERS:
            client.drop_user(name, timeout=10)
        client.close()


def _vars(server):
    return server_vars(server, closed_port=pick_free_ports(1)[0], **MORE)


def _pairs(server):
    users = ['root', 'sec_user', 'sec_batch_1', 'sec_batch_2', 'sec_never', 'sec_adhoc']
    return [(u, p) for u in users for p in list(SECRETS.values()) + list(MORE.values())]


def test_every_module_verbose_check_diff_and_failures(sec_server):
    extra = _vars(sec_server)
    runs = [
        # Check mode first: the playbook expects sec_user's first password then.
        playbook('secrets_modules.yml', extra, check=True, diff=True, name='secrets_modules_check'),
        playbook('secrets_modules.yml', extra, diff=True, name='secrets_modules_diff'),
        playbook('secrets_fatal.yml', extra, expect_rc=2),
    ]
    for run in runs:
        _assert_no_b64(run.output, _pairs(sec_server))
    # Ansible 2.19 quotes the source around a failed task (the task line and the
    # two lines above it): a secret written there literally would be shown.
    assert 'Origin: ' in runs[2].output and '- name: Wrong login_password, fatal' in runs[2].output
    users, dummy = snapshot(sec_server)
    assert users['sec_batch_1'] == ['db_ro'] and 'sec_never' not in users


ROLE_ACCOUNTS = [
    {'name': 'sec_role_a', 'password': MORE['pw_role_old'], 'roles': ['db_ro']},
    {'name': 'sec_role_b', 'password': SECRETS['pw_dave'], 'roles': ['db_rw'], 'update_password': 'always'},
]


def _collection_playbook(name, extra_vars, expect_rc=0, args=(), run_name=None):
    run = run_ansible(['ansible-playbook', 'zilliz.cloud.%s' % name] + list(args), extra_vars=extra_vars,
                      name=run_name or 'secrets_pb_' + name)
    assert run.rc == expect_rc, '%s exited %s, expected %s:\n%s' % (name, run.rc, expect_rc, tail(run.output))
    return run


def test_role_and_playbooks_verbose_check_diff_and_failures(sec_server):
    missing = [p for p in ('roles/cluster_users/tasks/main.yml', 'playbooks/provision_users.yml',
                           'playbooks/check_connection.yml', 'playbooks/rotate_password.yml')
               if not (REPO / p).is_file()]
    if missing:
        pytest.skip('not in the repository yet, so not scanned for secrets: %s' % ', '.join(missing))
    server = sec_server
    conn = {'zilliz_hosts': 'localhost', 'cluster_users_uri': server.uri, 'cluster_users_login_user': 'root',
            'cluster_users_login_password': server.root_password}
    wrong_login = dict(conn, cluster_users_login_password=SECRETS['pw_wrong'])
    runs = [
        # The role (through provision_users), check+diff first, then for real, then a wrong login.
        _collection_playbook('provision_users', dict(conn, cluster_users_accounts=ROLE_ACCOUNTS),
                             args=['--check', '--diff'], run_name='secrets_role_check'),
        _collection_playbook('provision_users', dict(conn, cluster_users_accounts=ROLE_ACCOUNTS),
                             args=['--diff'], run_name='secrets_role'),
        _collection_playbook('provision_users', dict(wrong_login, cluster_users_accounts=ROLE_ACCOUNTS),
                             expect_rc=2, args=['--diff'], run_name='secrets_role_wrong_login'),
        # check_connection: every listed user logs in; one listed password is wrong.
        _collection_playbook('check_connection', dict(
            conn, check_connection_as_users=True,
            cluster_users_accounts=[ROLE_ACCOUNTS[0], dict(ROLE_ACCOUNTS[1], password=SECRETS['pw_wrong'])]),
            expect_rc=2, run_name='secrets_check_users'),
        _collection_playbook('check_connection', wrong_login, expect_rc=2, run_name='secrets_check_wrong'),
        # rotate_password: check+diff, a wrong current password, then for real.
        _collection_playbook('rotate_password', dict(
            conn, rotate_password_user='sec_role_a', rotate_password_current=MORE['pw_role_old'],
            rotate_password_new=MORE['pw_role_new']), args=['--check', '--diff'], run_name='secrets_rotate_check'),
        _collection_playbook('rotate_password', dict(
            conn, rotate_password_user='sec_role_a', rotate_password_current=SECRETS['pw_wrong'],
            rotate_password_new=MORE['pw_role_new']), expect_rc=2, run_name='secrets_rotate_wrong'),
        _collection_playbook('rotate_password', dict(
            conn, rotate_password_user='sec_role_a', rotate_password_current=MORE['pw_role_old'],
            rotate_password_new=MORE['pw_role_new']), args=['--diff'], run_name='secrets_rotate'),
    ]
    pairs = [(u, p) for u in ('root', 'sec_role_a', 'sec_role_b')
             for p in list(SECRETS.values()) + list(MORE.values())]
    for run in runs:
        _assert_no_b64(run.output, pairs)
    assert snapshot(server)[0]['sec_role_a'] == ['db_ro']


def test_adhoc_with_extra_vars_file(sec_server):
    """`ansible localhost -m ... -a 'password={{ pw }}' -e @file`: on failure
    Ansible 2.19 prints the ad-hoc task's arguments; they must show the
    template, never the value."""
    server = sec_server
    values = {'zilliz_uri': server.uri, 'root_pw': server.root_password, 'pw': MORE['pw_adhoc'],
              'wrong': SECRETS['pw_wrong']}
    args = 'login_password={{ root_pw }} password={{ pw }} uri={{ zilliz_uri }} login_user=root name=sec_adhoc'
    ok = run_ansible(['ansible', 'localhost', '-m', 'zilliz.cloud.zilliz_user', '-a', args + ' roles=db_ro'],
                     extra_vars=values, name='secrets_adhoc_ok')
    assert ok.rc == 0, tail(ok.output)
    assert '"changed": true' in ok.output

    bad = run_ansible(['ansible', 'localhost', '-m', 'zilliz.cloud.zilliz_user',
                       '-a', args.replace('{{ root_pw }}', '{{ wrong }}')],
                      extra_vars=values, name='secrets_adhoc_wrong_login')
    assert bad.rc == 2 and '"error_category": "auth_failed"' in bad.output, tail(bad.output)
    # The failure report quotes the raw arguments: templates, not values.
    assert "'login_password': '{{ wrong }}'" in bad.output, tail(bad.output)

    check = run_ansible(['ansible', 'localhost', '-m', 'zilliz.cloud.zilliz_connection_check', '--check',
                         '-a', 'uri={{ zilliz_uri }} login_user=sec_adhoc login_password={{ pw }}'],
                        extra_vars=values, name='secrets_adhoc_check')
    assert check.rc == 0, tail(check.output)
    for run in (ok, bad, check):
        _assert_no_b64(run.output, [(u, p) for u in ('root', 'sec_adhoc') for p in values.values()])


def _run_module_directly(module, args, env_extra=None):
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(('ZILLIZ_', 'MILVUS_', 'GRPC_'))}
        env['PYTHONPATH'] = str(collections_dir())
        env.update(env_extra or {})
        proc = subprocess.run([sys.executable, str(REPO / 'plugins' / 'modules' / (module + '.py')), handle.name],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, check=False)
    finally:
        os.unlink(handle.name)
    return proc.returncode, proc.stdout.decode('utf-8', 'replace'), proc.stderr.decode('utf-8', 'replace')


def test_module_stdout_stderr_on_failure(sec_server):
    """The module process itself (outside Ansible's masking): its JSON and its
    stderr (pymilvus / gRPC logging) hold no secret on failure paths."""
    server = sec_server
    base = dict(uri=server.uri, login_user='root', login_password=server.root_password, timeout=3)
    closed = 'http://127.0.0.1:%d' % pick_free_ports(1)[0]
    cases = [
        ('zilliz_user', dict(base, login_password=SECRETS['pw_wrong'], name='sec_never',
                             password=SECRETS['pw_carol']), 'auth_failed'),
        ('zilliz_user', dict(base, name='sec_user', state='password', current_password=SECRETS['pw_wrong'],
                             password=SECRETS['pw_bob_2']), 'auth_failed'),
        # Without current_password, refused before any request (no login_superuser).
        ('zilliz_user', dict(base, name='sec_user', state='password', password=SECRETS['pw_bob_2']),
         'invalid_input'),
        ('zilliz_user', dict(base, name='sec_user', state='password', password=SECRETS['pw_bob_2'],
                             login_superuser=True), 'auth_failed'),
        ('zilliz_user', dict(base, uri=closed, name='sec_never', password=SECRETS['pw_carol']), 'unreachable'),
        ('zilliz_user', dict(base, name='sec_never', password=MORE['pw_short']), 'invalid_input'),
        ('zilliz_user', dict(base, uri=server.uri.replace('//', '//root:%s@' % SECRETS['pw_token_user']),
                             name='sec_never', password=SECRETS['pw_carol']), 'invalid_input'),
        ('zilliz_user', dict(base, token='root:' + SECRETS['pw_batch'], name='sec_never',
                             password=SECRETS['pw_carol']), 'invalid_input'),
        ('zilliz_user_info', dict(base, login_password=SECRETS['pw_wrong']), 'auth_failed'),
        ('zilliz_connection_check', dict(uri=server.uri, token='root:' + SECRETS['pw_wrong'], timeout=3),
         'auth_failed'),
        ('zilliz_connection_check', dict(uri=server.uri, token='0123456789abcdef' * 4, timeout=3), 'auth_failed'),
    ]
    register_secret('0123456789abcdef' * 4)
    secrets = set(SECRETS.values()) | set(MORE.values()) | {'0123456789abcdef' * 4}
    pairs = [(u, p) for u in ('root', 'sec_user') for p in secrets]
    # The uri from the environment, with a credential in it (masked too).
    cases.append(('zilliz_connection_check', dict(timeout=3, env={
        'ZILLIZ_URI': server.uri.replace('//', '//root:%s@' % SECRETS['pw_token_user'])}), 'invalid_input'))
    for module, args, category in cases:
        env = args.pop('env', None)
        rc, out, err = _run_module_directly(module, args, env)
        result = json.loads(out.strip().splitlines()[-1])
        assert rc == 1 and result.get('failed'), (module, out, err)
        assert result['error_category'] == category, (module, result['error_category'], result['msg'])
        text = out + err
        leaked = [s for s in secrets if s in text]
        assert not leaked, '%s leaked a secret (category %s) in its stdout/stderr' % (module, category)
        _assert_no_b64(text, pairs)
        assert err.strip() == '', '%s wrote to stderr: %s' % (module, err[:500])


def test_grpc_tracing_is_forced_off(sec_server):
    """gRPC tracing prints request headers (the base64 user:password): the
    modules switch it off in their process whatever the environment says."""
    args = dict(uri=sec_server.uri, login_user='root', login_password=SECRETS['pw_wrong'], timeout=3)
    rc, out, err = _run_module_directly('zilliz_connection_check', args,
                                        {'GRPC_VERBOSITY': 'DEBUG', 'GRPC_TRACE': 'all'})
    assert rc == 1 and json.loads(out.strip().splitlines()[-1])['error_category'] == 'auth_failed'
    assert err.strip() == ''
    _assert_no_b64(out + err, [('root', SECRETS['pw_wrong'])])
