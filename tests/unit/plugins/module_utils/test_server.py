"""The server profile (_server.detect): what the connected server does, from its GetVersion text and the uri.
Pure, no server."""

import pytest

from ansible_collections.zilliz.cloud.plugins.module_utils._server import (
    NEWEST_KNOWN, PRIVILEGES_SINCE, ZILLIZ_MAX_CUSTOM_ROLES, ZILLIZ_MAX_USERS, detect, parse_version,
)

LOCAL = 'http://127.0.0.1:19530'
ZILLIZ_HOST = 'https://in01-abc123.aws-us-west-2.vectordb.zillizcloud.com:19530'
# What the profile decides, per version text (self-hosted Milvus on a loopback uri).
FLAGS = ('privilege_groups', 'lists_grants_of_every_database', 'adds_related_privileges',
         'resolves_collection_aliases')


def flags(profile):
    return dict((name, getattr(profile, name)) for name in FLAGS)


@pytest.mark.parametrize('text, version', [
    ('2.3.5', (2, 3, 5)), ('v2.3.5-lite', (2, 3, 5)), ('v2.4.23', (2, 4, 23)), ('2.5.27', (2, 5, 27)),
    ('v2.6.18', (2, 6, 18)), ('2.5', (2, 5, 0)), ('garbage', None), ('', None), (None, None),
])
def test_parse_version(text, version):
    assert parse_version(text) == version


def test_detect_2_3_5_is_the_oldest_behaviour():
    profile = detect('2.3.5', LOCAL)
    assert profile.version == (2, 3, 5) and profile.known and not profile.zilliz
    assert flags(profile) == dict.fromkeys(FLAGS, False)
    assert profile.user_name_extra_chars == '' and profile.warning() is None
    assert profile.label == 'Milvus 2.3.5'


def test_detect_v2_4_23_has_groups_and_every_database_grants_but_no_alias_resolution():
    profile = detect('v2.4.23', LOCAL)
    assert profile.version == (2, 4, 23) and profile.known
    assert flags(profile) == dict(privilege_groups=True, lists_grants_of_every_database=True,
                                  adds_related_privileges=True, resolves_collection_aliases=False)
    assert profile.user_name_extra_chars == ''


def test_detect_2_5_27_keeps_the_old_user_name_rule():
    profile = detect('2.5.27', LOCAL)
    assert profile.known and profile.privilege_groups and profile.lists_grants_of_every_database
    assert not profile.resolves_collection_aliases
    assert profile.user_name_extra_chars == ''
    assert profile.user_name_problem('etl-bot') and profile.user_name_problem('etl.bot')
    assert profile.user_name_problem('etl_bot') is None


def test_detect_v2_6_18_is_the_newest_known():
    profile = detect('v2.6.18', LOCAL)
    assert profile.version == NEWEST_KNOWN and profile.known and profile.warning() is None
    assert flags(profile) == dict.fromkeys(FLAGS, True)
    assert profile.user_name_problem('etl-bot.v2') is None


@pytest.mark.parametrize('text, resolves', [('2.6.11', False), ('2.6.12', True), ('v2.6.0', False)])
def test_detect_collection_aliases_are_resolved_from_2_6_12(text, resolves):
    assert detect(text, LOCAL).resolves_collection_aliases is resolves


@pytest.mark.parametrize('text, groups', [('2.4.17', False), ('2.4.18', True), ('v2.4.0', False), ('2.5.0', True)])
def test_detect_privilege_groups_from_2_4_18(text, groups):
    assert detect(text, LOCAL).privilege_groups is groups


@pytest.mark.parametrize('text, related', [('2.3.5', False), ('2.3.6', True)])
def test_detect_related_privileges_from_2_3_6(text, related):
    assert detect(text, LOCAL).adds_related_privileges is related


@pytest.mark.parametrize('text', ['2.7.0', 'garbage'])
def test_an_unknown_version_behaves_as_the_newest_and_warns_naming_the_text(text):
    profile = detect(text, LOCAL)
    assert not profile.known
    assert flags(profile) == flags(detect('v2.6.18', LOCAL))
    assert profile.user_name_extra_chars == detect('v2.6.18', LOCAL).user_name_extra_chars
    warning = profile.warning()
    assert warning and repr(text) in warning and '2.6.18' in warning
    assert text in profile.label


def test_garbage_gets_the_newest_known_version():
    assert detect('garbage', LOCAL).version == NEWEST_KNOWN


@pytest.mark.parametrize('text', ['', 'garbage', '2.3.5', 'v2024.12.1', 'Zilliz Cloud'])
def test_a_zilliz_cloud_host_is_zilliz_cloud_whatever_the_text(text):
    profile = detect(text, ZILLIZ_HOST)
    assert profile.zilliz and profile.flavour == 'zilliz_cloud'
    assert profile.privilege_groups and profile.lists_grants_of_every_database and profile.resolves_collection_aliases
    assert profile.admin_roles == ('admin', 'db_admin')
    assert profile.builtin_roles == frozenset(('admin', 'public', 'db_admin', 'db_rw', 'db_ro'))
    assert profile.max_users == ZILLIZ_MAX_USERS == 100
    assert profile.max_custom_roles == ZILLIZ_MAX_CUSTOM_ROLES == 20
    # A number below any Milvus with these features is a Zilliz Cloud release number, not a Milvus one.
    assert profile.version >= NEWEST_KNOWN


def test_zilliz_cloud_text_on_a_loopback_uri_is_zilliz_cloud_compatible_with_that_milvus():
    # A private endpoint (or a tunnel) to Zilliz Cloud: the uri says nothing, the answer does.
    profile = detect('Zilliz Cloud (Compatible with Milvus 2.5)', 'http://localhost:19530')
    assert profile.zilliz and profile.known and profile.version == (2, 5, 0)
    assert profile.warning() is None
    assert profile.privilege_groups and profile.lists_grants_of_every_database
    assert not profile.resolves_collection_aliases               # a 2.5 cluster
    assert profile.user_name_extra_chars == ''
    assert profile.admin_roles == ('admin', 'db_admin') and profile.max_users == 100
    assert profile.label == 'Zilliz Cloud 2.5.0'


def test_zilliz_cloud_compatible_with_2_6_resolves_aliases():
    assert detect('Zilliz Cloud (Compatible with Milvus 2.6)', LOCAL).resolves_collection_aliases


def test_self_hosted_milvus_has_no_known_limits_and_protects_root():
    profile = detect('v2.4.23', 'http://milvus.internal:19530')
    assert profile.max_users is None and profile.max_custom_roles is None
    assert profile.admin_roles == ('admin',)
    assert profile.builtin_roles == frozenset(('admin', 'public'))


def test_privilege_since():
    old = detect('2.3.5', LOCAL)
    assert old.privilege_since('BackupRBAC') == (2, 4, 10)
    assert old.privilege_since('Search') is None                     # as old as Milvus 2
    assert detect('2.4.10', LOCAL).privilege_since('BackupRBAC') is None
    assert detect('2.5.27', LOCAL).privilege_since('AddCollectionField') == (2, 6, 0)
    newest = detect('v2.6.18', LOCAL)
    assert all(newest.privilege_since(name) is None for name in PRIVILEGES_SINCE)


def test_user_name_problem_names_the_characters_and_the_server():
    problem = detect('2.5.27', LOCAL).user_name_problem('a-b.c')
    assert "'-' and '.'" in problem and 'Milvus 2.5.27' in problem and 'a-b.c' in problem


def test_zilliz_cloud_text_with_its_own_release_number_is_still_that_milvus():
    profile = detect('Zilliz Cloud v2025.3.1 (Compatible with Milvus 2.5)', ZILLIZ_HOST)
    assert profile.version == (2, 5, 0) and profile.known and not profile.resolves_collection_aliases
