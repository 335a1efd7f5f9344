"""_nolog.narrow: the output Ansible's own masking gives, for less work."""

import pytest

from ansible.module_utils.common.parameters import remove_values

from ansible_collections.zilliz.cloud.plugins.module_utils._nolog import MASK, abridged, masked, narrow
from ansible_collections.zilliz.cloud.plugins.modules.zilliz_access import argument_spec

SPEC = dict(argument_spec(), login_password=dict(type='str', no_log=True), uri=dict(type='str'))


def params(users, login_password='Root-pass: 1', uri='http://localhost:19530'):
    return dict(users=users, roles=None, login_password=login_password, uri=uri, users_exclusive=False, timeout=10)


def ansible_output(result, params_, secrets):
    """What AnsibleModule.exit_json prints: the result and the invocation, every secret masked."""
    return remove_values(dict(result, invocation=dict(module_args=params_)), secrets)


def narrowed_output(result, params_, secrets):
    result, left = narrow(result, params_, SPEC, set(secrets))
    return remove_values(result, left) if 'invocation' in result else ansible_output(result, params_, left), left


USERS = [{'name': 'etl', 'password': 'Etl-secret: 1', 'current_password': None, 'roles': ['db_ro']},
         {'name': 'bi', 'password': 'Bi secret "2"', 'current_password': 'Bi-old-pass', 'roles': None}]
RESULT = dict(changed=True, users_result=dict(changed=True, users=[{'name': 'etl', 'actions': ['create_user']}],
                                              summary={'created': ['etl'], 'unchanged': ['bi']}))


def secrets_of(users, login_password='Root-pass: 1'):
    return set([login_password] + [u[k] for u in users for k in ('password', 'current_password') if u.get(k)])


def test_no_secret_in_the_result_gives_the_same_output_with_nothing_left_to_search():
    secrets = secrets_of(USERS)
    output, left = narrowed_output(RESULT, params(USERS), secrets)
    assert left == set()
    assert output == ansible_output(RESULT, params(USERS), secrets)
    assert output['invocation']['module_args']['users'][1]['current_password'] == MASK
    assert output['invocation']['module_args']['login_password'] == MASK


@pytest.mark.parametrize('where', ['result', 'name', 'uri'])
def test_a_secret_anywhere_else_leaves_the_masking_to_ansible(where):
    users = [dict(u) for u in USERS]
    result = dict(RESULT, msg='ok')
    uri = 'http://localhost:19530'
    if where == 'result':
        result['msg'] = 'the server said Etl-secret: 1'
    elif where == 'name':
        users[0]['name'] = 'Bi-old-pass'
    else:
        uri = 'http://user:Root-pass: 1@localhost'
    secrets = secrets_of(users)
    output, left = narrowed_output(result, params(users, uri=uri), secrets)
    assert left == secrets
    assert output == ansible_output(result, params(users, uri=uri), secrets)
    assert not any(secret in repr(output) for secret in secrets)


def test_masked_follows_the_spec_into_list_items_and_leaves_unset_values():
    out = masked(params(USERS), SPEC)
    assert [u['password'] for u in out['users']] == [MASK, MASK]
    assert [u['current_password'] for u in out['users']] == [None, MASK]
    assert out['users'][0]['roles'] == ['db_ro'] and out['timeout'] == 10


def test_a_result_that_brings_its_own_invocation_is_left_alone():
    result = dict(RESULT, invocation={'module_args': {}})
    assert narrow(result, params(USERS), SPEC, {'x'}) == (result, {'x'})


def test_item_lists_longer_than_the_limit_are_counted_the_rest_kept():
    many = [{'name': 'u%d' % i, 'password': 'Pass-word-%d' % i} for i in range(3)]
    out = abridged(dict(params(many), protected_users=['a', 'b', 'c']), SPEC, longest=2)
    assert out['users'] == '3 items (listed in full at verbosity 3, -vvv)'
    assert out['protected_users'] == ['a', 'b', 'c'] and out['uri'] == 'http://localhost:19530'
    assert abridged(params(many), SPEC, longest=3) == params(many)


def test_an_abridged_invocation_holds_no_secret_and_needs_no_search():
    many = [{'name': 'u%d' % i, 'password': 'Pass-word-%d' % i} for i in range(3)]
    result, left = narrow(RESULT, abridged(params(many), SPEC, longest=2), SPEC, secrets_of(many))
    assert left == set() and result['invocation']['module_args']['users'].startswith('3 items')
    assert result['invocation']['module_args']['login_password'] == MASK


def test_without_secrets_the_invocation_is_still_given():
    result, left = narrow(RESULT, params(None, login_password=None), SPEC, set())
    assert left == set() and result['invocation']['module_args']['uri'] == 'http://localhost:19530'
