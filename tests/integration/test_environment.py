"""Connection options from the environment of ansible-playbook itself (as an
AWX credential injects them): ansible-test strips the environment, and a
task's `environment:` keyword would print the password at -vvv, so these
stay in the pytest layer. The rest of zilliz_user is the ansible-test target
tests/integration/targets/zilliz_user."""

from conftest import SECRETS, playbook, server_vars, snapshot


def test_connection_from_environment(milvus):
    # Only pw_carol goes in as a variable; the connection comes from the environment.
    playbook('env_connection.yml', {'pw_carol': server_vars(milvus)['pw_carol']}, env=milvus.env())
    assert 'carol' not in snapshot(milvus)[0]


def test_milvus_uri_fallback(milvus):
    env = milvus.env()
    env['MILVUS_URI'] = env.pop('ZILLIZ_URI')
    playbook('env_connection.yml', {'pw_carol': server_vars(milvus)['pw_carol']}, env=env)


def _precedence(milvus, env, two=False, name='env_precedence'):
    playbook('env_precedence.yml', {'root_password': milvus.root_password, 'env_two_credentials': two},
             env=env, name=name)


def test_a_task_credential_wins_over_an_environment_token(milvus):
    # Was "parameters are mutually exclusive: token|login_user".
    env = {'ZILLIZ_URI': milvus.uri, 'ZILLIZ_TOKEN': 'root:' + SECRETS['pw_wrong'], 'ZILLIZ_USER': '',
           'ZILLIZ_PASSWORD': ''}
    _precedence(milvus, env, name='env_precedence_token')


def test_a_task_credential_wins_over_an_environment_pair(milvus):
    env = {'ZILLIZ_URI': milvus.uri, 'ZILLIZ_USER': 'root', 'ZILLIZ_PASSWORD': SECRETS['pw_wrong'],
           'ZILLIZ_TOKEN': ''}
    _precedence(milvus, env, name='env_precedence_pair')


def test_the_environment_never_completes_half_a_task_credential(milvus):
    # The environment's pair is right: login_user alone in the task used to borrow its password.
    _precedence(milvus, milvus.env(), name='env_precedence_right_pair')


def test_two_credentials_in_the_environment_are_refused(milvus):
    env = milvus.env()
    env['ZILLIZ_TOKEN'] = 'root:' + SECRETS['pw_wrong']
    _precedence(milvus, env, two=True, name='env_precedence_two')
