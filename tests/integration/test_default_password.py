"""The default root password of a fresh server (`Milvus`) as the login
password: Ansible masks it as a plain substring in every output of the task,
so the modules word their messages without the product name, and warn."""

from conftest import SECRETS, create_users, drop_users, playbook

WARNING = "the login password is the well-known default of the server's root user"


def test_messages_stay_readable_and_the_default_password_is_warned_about(milvus):
    create_users(milvus, {'dp_default': ('Milvus', [])})
    try:
        run = playbook('default_password.yml', {
            'zilliz_uri': milvus.uri, 'login_user': 'dp_default', 'short_password': 'abc',
            'wrong_port_uri': 'http://127.0.0.1:%d' % milvus.ports['metrics_port']}, name='default_password')
        # Ansible prints an identical warning once per run.
        assert WARNING in run.output, run.output[-3000:]
    finally:
        drop_users(milvus, ['dp_default'])


def test_no_warning_for_another_password(milvus):
    run = playbook('env_connection.yml', {'pw_carol': SECRETS['pw_carol']}, env=milvus.env(),
                   name='default_password_none')
    assert WARNING not in run.output
