import pytest

from ansible_collections.zilliz.cloud.plugins.module_utils._validation import (
    effective_policy, is_zilliz_cloud_uri, password_problems, role_name_problems, uri_problems,
    user_name_problems,
)


@pytest.mark.parametrize('name', ['a', 'alice', 'Alice_2', 'a' * 32, 'db_admin', 'al-ice', 'al.ice', 'a-'])
def test_valid_user_names(name):
    # '-' and '.' pass here: Milvus 2.6 takes them, and the server profile refuses them for older servers
    # (test_server.py, test_users_planner.py).
    assert user_name_problems(name) == []


@pytest.mark.parametrize('name, fragment', [
    ('', 'empty'),
    (None, 'empty'),
    ('1alice', 'start with a letter'),
    ('_alice', 'start with a letter'),
    ('al ice', 'only letters, digits and underscores'),
    ('al$ice', 'only letters, digits and underscores'),
    ('-alice', 'start with a letter'),
    ('.alice', 'start with a letter'),
    ('a' * 33, 'limit is 32'),
    (u'j\u00f6rg', 'only letters, digits and underscores'),
    (u'\u00e9mile', 'start with a letter'),
])
def test_invalid_user_names(name, fragment):
    problems = user_name_problems(name)
    assert len(problems) == 1 and fragment in problems[0]


def test_role_names():
    assert role_name_problems('db_ro') == []
    assert role_name_problems('_weird$1') == []
    assert role_name_problems('$weird_1')
    assert role_name_problems('bad-role')
    assert role_name_problems('')


@pytest.mark.parametrize('password', ['abcdef', 'x' * 72, u'\u00e9' * 36, 'with spaces: and @ "quotes"'])
def test_milvus_passwords_ok(password):
    assert password_problems(password, 'milvus') == []


@pytest.mark.parametrize('password, fragment', [
    ('abcde', 'too short'),
    ('x' * 73, 'bcrypt'),
    (u'\u00e9' * 37, 'bcrypt'),   # 74 bytes, 37 characters
])
def test_milvus_passwords_bad(password, fragment):
    problems = password_problems(password, 'milvus')
    assert problems and fragment in problems[0]


def test_password_problems_never_echo_the_password():
    secret = 'S3cr3t-but-too-long-' * 5
    for policy in ('milvus', 'zilliz'):
        for problem in password_problems(secret, policy) + password_problems('ab', policy):
            assert secret not in problem and 'ab' != problem


def test_zilliz_policy():
    assert password_problems('Abcdef1!', 'zilliz') == []
    assert password_problems('Abcdefg1', 'zilliz') == []        # upper, lower, digit
    problems = password_problems('abcdefgh1', 'zilliz')           # two classes only
    assert len(problems) == 1 and 'three' not in problems[0] and '3 of' in problems[0]
    assert any('8 to 64' in p for p in password_problems('Ab1!xyz', 'zilliz'))
    assert any('8 to 64' in p for p in password_problems('Ab1!' * 17, 'zilliz'))
    assert password_problems('abcdefgh1', 'milvus') == []


def test_policy_selection():
    zilliz = 'https://in01-abc.aws-us-west-2.vectordb.zillizcloud.com:19530'
    assert is_zilliz_cloud_uri(zilliz)
    assert is_zilliz_cloud_uri('https://in03-x.serverless.gcp-us-west1.cloud.zilliz.com')
    assert not is_zilliz_cloud_uri('http://localhost:19530')
    assert not is_zilliz_cloud_uri('http://zillizcloud.com.evil.example:1')
    assert effective_policy('auto', zilliz) == 'zilliz'
    assert effective_policy('auto', 'http://localhost:19530') == 'milvus'
    assert effective_policy('milvus', zilliz) == 'milvus'
    assert effective_policy('zilliz', 'http://localhost:19530') == 'zilliz'


@pytest.mark.parametrize('uri', ['http://localhost:19530', 'https://x.vectordb.zillizcloud.com:19530',
                                 'tcp://10.0.0.1:19530', 'https://in03.serverless.cloud.zilliz.com'])
def test_good_uris(uri):
    assert uri_problems(uri) == []


@pytest.mark.parametrize('uri, fragment', [
    (None, 'ZILLIZ_URI'),
    ('', 'ZILLIZ_URI'),
    ('localhost:19530', 'no scheme'),
    ('ftp://localhost:19530', 'unsupported scheme'),
    ('unix:///tmp/milvus.sock', 'no scheme'),
    ('http://localhost:99999', 'port'),
    ('http://localhost:abc', 'port'),
])
def test_bad_uris(uri, fragment):
    problems = uri_problems(uri)
    assert len(problems) == 1 and fragment in problems[0]


def test_uri_with_credentials_is_refused_without_echo():
    problems = uri_problems('https://root:Sup3r@Secret@host:19530')
    assert len(problems) == 1 and 'credentials' in problems[0]
    assert 'Sup3r' not in problems[0]


def test_uri_query_is_refused_and_masked():
    from ansible_collections.zilliz.cloud.plugins.module_utils._validation import uri_credentials
    problems = uri_problems('https://host:19530/?token=Sup3rSecret')
    assert len(problems) == 1 and 'query string' in problems[0] and 'Sup3rSecret' not in problems[0]
    assert 'token=Sup3rSecret' in uri_credentials('https://host:19530/?token=Sup3rSecret')
    assert uri_credentials('https://root:pw@host:1') == ['root:pw', 'pw']
    assert uri_credentials('http://localhost:19530') == []
