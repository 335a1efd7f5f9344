"""The collection playbooks, run the way users run them once the collection
is installed: `ansible-playbook zilliz.cloud.<name>` (the harness puts the
symlinked collection on ANSIBLE_COLLECTIONS_PATH), against the session
server. User names are unique to this file and cleaned up."""

import re
import shutil

from conftest import REPO, SECRETS, drop_users, logs_in, register_secret, run_ansible, snapshot, tail

PW = {key: register_secret(value) for key, value in {
    'a': "Pb:alpha @ 'one' é",
    'b_old': 'Pb "bravo" old: @',
    'b_new': 'Pb bravo new: ü @ "2"',
    'c': 'Pb charlie: x @ ñ',
}.items()}

USERS = ['pb_alpha', 'pb_bravo', 'pb_charlie']
ACCOUNTS = [
    {'name': 'pb_alpha', 'password': PW['a'], 'roles': ['db_ro']},
    {'name': 'pb_bravo', 'password': PW['b_old'], 'roles': ['db_rw']},
    {'name': 'pb_charlie', 'password': PW['c'], 'roles': ['db_ro', 'db_rw']},
    {'name': 'pb_gone', 'state': 'absent'},
]


def conn_vars(server, **extra):
    data = {'zilliz_hosts': 'localhost', 'cluster_users_uri': server.uri, 'cluster_users_login_user': 'root',
            'cluster_users_login_password': server.root_password}
    data.update(extra)
    return data


def collection_playbook(name, extra_vars, expect_rc=0, extra_args=(), run_name=None, cwd=REPO):
    run = run_ansible(['ansible-playbook', 'zilliz.cloud.%s' % name] + list(extra_args),
                      extra_vars=extra_vars, name=run_name or 'pb_' + name, cwd=cwd)
    assert run.rc == expect_rc, 'zilliz.cloud.%s exited %s, expected %s:\n%s' % (
        name, run.rc, expect_rc, tail(run.output))
    return run


def test_provision_check_and_rotate(milvus):
    try:
        # provision_users: the role over the given hosts.
        run = collection_playbook('provision_users', conn_vars(milvus, cluster_users_accounts=ACCOUNTS))
        assert re.search(r'localhost +: ok=\d+ +changed=1 ', run.output)
        assert 'localhost (%s): changed, 4 user(s) listed' % milvus.uri in run.output
        users = snapshot(milvus)[0]
        assert users['pb_alpha'] == ['db_ro'] and users['pb_bravo'] == ['db_rw']
        assert users['pb_charlie'] == ['db_ro', 'db_rw'] and 'pb_gone' not in users

        # check_connection: the admin credential, then every listed user.
        run = collection_playbook('check_connection', conn_vars(
            milvus, cluster_users_accounts=ACCOUNTS, check_connection_as_users=True))
        assert 'authentication enabled, connected as root' in run.output
        for name, roles in (('pb_alpha', 'db_ro'), ('pb_bravo', 'db_rw'), ('pb_charlie', 'db_ro, db_rw')):
            assert re.search(r'user %s +ok +roles: %s"' % (name, re.escape(roles)), run.output), name
        assert 'pb_gone' not in run.output.split('Connection report')[-1]

        # rotate_password: current -> new, verified; the grants stay.
        rotate = {'rotate_password_user': 'pb_bravo', 'rotate_password_current': PW['b_old'],
                  'rotate_password_new': PW['b_new']}
        run = collection_playbook('rotate_password', conn_vars(milvus, **rotate))
        assert 'the password of pb_bravo was rotated and verified' in run.output
        assert 'roles kept: db_rw' in run.output
        assert logs_in(milvus, 'pb_bravo', PW['b_new']) and not logs_in(milvus, 'pb_bravo', PW['b_old'])
        assert snapshot(milvus)[0]['pb_bravo'] == ['db_rw']

        # The list still says the old password: check_connection names that user and fails.
        run = collection_playbook('check_connection', conn_vars(
            milvus, cluster_users_accounts=ACCOUNTS, check_connection_as_users=True), expect_rc=2,
            run_name='pb_check_connection_stale')
        assert re.search(r'user pb_bravo +FAILED  auth_failed', run.output)
        assert re.search(r'user pb_alpha +ok', run.output)
        assert 'Login failed on localhost for: pb_bravo' in run.output

        # Rotating again to the same password changes nothing.
        run = collection_playbook('rotate_password', conn_vars(milvus, **rotate), run_name='pb_rotate_again')
        assert 'already is the new one, nothing was changed' in run.output
        assert re.search(r'localhost +: ok=\d+ +changed=0 ', run.output)

        # A wrong current password: refused before anything changes.
        wrong = dict(rotate)
        wrong.update(rotate_password_current=SECRETS['pw_wrong'], rotate_password_new=PW['a'])
        run = collection_playbook('rotate_password', conn_vars(milvus, **wrong), expect_rc=2,
                                  run_name='pb_rotate_wrong_current')
        assert '"error_category": "auth_failed"' in run.output
        assert logs_in(milvus, 'pb_bravo', PW['b_new'])
    finally:
        drop_users(milvus, USERS)


def test_rotate_password_requires_its_variables(milvus):
    run = collection_playbook('rotate_password', conn_vars(milvus, rotate_password_user='pb_alpha'), expect_rc=2,
                              run_name='pb_rotate_missing_vars')
    assert 'Set rotate_password_user and rotate_password_new' in run.output


def test_check_connection_reports_a_bad_admin_credential(milvus):
    run = collection_playbook('check_connection', conn_vars(
        milvus, cluster_users_login_password=SECRETS['pw_wrong']), expect_rc=2, run_name='pb_check_bad_admin')
    assert '"error_category": "auth_failed"' in run.output


def test_adopt_cluster_then_provision_changes_nothing(milvus, tmp_path):
    """A cluster set up by hand: adopt_cluster writes a vars file (no secret in
    it); provision_users with that file changes nothing."""
    client = milvus.client(user='root', password=milvus.root_password)
    try:
        client.create_role('pb_adopted', timeout=10)
        client.grant_privilege('pb_adopted', 'Collection', 'Search', '*', timeout=10)
        client.grant_privilege('pb_adopted', 'Global', 'DescribeCollection', '*', timeout=10)
        client.create_user('pb_hand', PW['a'], timeout=10)
        client.create_user('pb_hand2', PW['c'], timeout=10)
        client.grant_role('pb_hand', 'pb_adopted', timeout=10)
        client.grant_role('pb_hand2', 'db_ro', timeout=10)
        out = tmp_path / 'adopted'
        collection_playbook('adopt_cluster', conn_vars(milvus, adopt_cluster_dir=str(out)))
        written = (out / 'localhost.cluster_users.yml').read_text(encoding='utf-8')
        assert 'pb_adopted' in written and 'pb_hand2' in written and 'root' not in written
        assert not [s for s in (PW['a'], PW['c'], milvus.root_password) if s in written]
        before = snapshot(milvus)
        run = collection_playbook('provision_users', conn_vars(milvus), extra_args=['-e', '@%s' % (
            out / 'localhost.cluster_users.yml')], run_name='pb_provision_adopted')
        assert re.search(r'localhost +: ok=\d+ +changed=0 ', run.output), tail(run.output)
        assert snapshot(milvus) == before
    finally:
        drop_users(milvus, ['pb_hand', 'pb_hand2'])
        client.revoke_privilege('pb_adopted', 'Collection', 'Search', '*', timeout=10)
        client.revoke_privilege('pb_adopted', 'Global', 'DescribeCollection', '*', timeout=10)
        client.drop_role('pb_adopted', timeout=10)
        client.close()


def test_adopt_cluster_writes_where_it_is_run_and_the_printed_command_works(milvus, tmp_path):
    """Without adopt_cluster_dir the file goes to adopted/ under the directory
    ansible-playbook runs in (never inside the installed collection), its
    absolute path is printed, and the documented next command, run from the
    same directory with the relative path, changes nothing."""
    inside = REPO / 'playbooks' / 'adopted'
    assert not inside.exists(), 'left over from an earlier run: %s' % inside
    client = milvus.client(user='root', password=milvus.root_password)
    try:
        client.create_user('pb_adopt_cwd', PW['a'], timeout=10)
        client.grant_role('pb_adopt_cwd', 'db_ro', timeout=10)
        run = collection_playbook('adopt_cluster', conn_vars(milvus), cwd=tmp_path, run_name='pb_adopt_cwd')
        written = tmp_path / 'adopted' / 'localhost.cluster_users.yml'
        assert written.is_file() and 'pb_adopt_cwd' in written.read_text(encoding='utf-8')
        assert not inside.exists()
        assert re.search(re.escape(str(written)) + r': \d+ custom role\(s\), \d+ user\(s\)', run.output)
        assert '-e @%s --check --diff' % written in run.output
        before = snapshot(milvus)
        run = collection_playbook('provision_users', conn_vars(milvus), cwd=tmp_path, extra_args=[
            '-l', 'localhost', '-e', '@adopted/localhost.cluster_users.yml', '--check', '--diff'],
            run_name='pb_adopt_cwd_next')
        assert re.search(r'localhost +: ok=\d+ +changed=0 ', run.output), tail(run.output)
        assert snapshot(milvus) == before
    finally:
        drop_users(milvus, ['pb_adopt_cwd'])
        client.close()
        if inside.exists():
            shutil.rmtree(str(inside))
