"""extensions/awx/zilliz_credential_type.yml against the rules AWX applies to a
custom credential type (AWX docs, "Custom Credential Types"): kind `cloud` or
`net`; fields with an id, a label and type string or boolean; `required`
naming fields; secrets marked `secret`; injector environment variables not
starting with ANSIBLE_. And the modules read every variable it injects,
taking an empty one (AWX injects '' for an input left empty) as unset."""

import pathlib
import re

import pytest
import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.zilliz.cloud.plugins.module_utils._connection import (
    CONNECTION_ARGSPEC, CONNECTION_REQUIRED_TOGETHER, CREDENTIAL_ENV, environment_credential,
)

PATH = pathlib.Path(__file__).resolve().parents[2] / 'extensions' / 'awx' / 'zilliz_credential_type.yml'
SECRETS = {'password', 'token'}


@pytest.fixture(scope='module')
def credential_type():
    return yaml.safe_load(PATH.read_text(encoding='utf-8'))


def test_kind_and_fields(credential_type):
    assert credential_type['kind'] in ('cloud', 'net')
    assert credential_type['name'] and set(credential_type) <= {'name', 'kind', 'description', 'inputs', 'injectors'}
    fields = credential_type['inputs']['fields']
    ids = [field['id'] for field in fields]
    assert len(ids) == len(set(ids))
    for field in fields:
        assert re.match(r'^[a-zA-Z_][a-zA-Z0-9_]*$', field['id']) and field['label']
        assert field.get('type', 'string') in ('string', 'boolean')
    assert set(credential_type['inputs']['required']) <= set(ids)
    assert credential_type['inputs']['required'] == ['uri']


def test_secrets_and_only_secrets_are_marked_secret(credential_type):
    assert {f['id'] for f in credential_type['inputs']['fields'] if f.get('secret')} == SECRETS


def test_injectors_use_declared_fields_and_allowed_names(credential_type):
    ids = {field['id'] for field in credential_type['inputs']['fields']}
    injectors = credential_type['injectors']
    assert set(injectors) <= {'env', 'file', 'extra_vars'}
    for name, template in injectors['env'].items():
        assert not name.startswith('ANSIBLE_'), name
        used = set(re.findall(r'\b([a-z_]+)\b', template)) - {'tower', 'filename', 'if', 'else'}
        assert used <= ids, (name, used - ids)
    # AWX writes the file even for an empty input: point at it only when there is a CA.
    assert injectors['file'] == {'template.ca_cert': '{{ ca_cert }}'}
    assert injectors['env']['ZILLIZ_CA_CERT'] == "{{ tower.filename.ca_cert if ca_cert else '' }}"


def test_the_modules_read_every_injected_variable(credential_type):
    read = set(name for option, name in CREDENTIAL_ENV)
    for spec in CONNECTION_ARGSPEC.values():
        if 'fallback' in spec:
            read.update(spec['fallback'][1])
    assert set(credential_type['injectors']['env']) <= read


@pytest.mark.parametrize('env, expected', [
    ({'ZILLIZ_URI': 'https://c.example.com:19530', 'ZILLIZ_USER': 'db_admin', 'ZILLIZ_PASSWORD': 'Secret-123'},
     {'login_user': 'db_admin', 'login_password': 'Secret-123', 'token': None}),
    ({'ZILLIZ_URI': 'https://c.example.com', 'ZILLIZ_TOKEN': 'api-key-value'},
     {'login_user': None, 'login_password': None, 'token': 'api-key-value'}),
])
def test_inputs_left_empty_are_unset_for_the_modules(credential_type, monkeypatch, env, expected):
    for name in list(credential_type['injectors']['env']) + ['MILVUS_URI']:
        monkeypatch.setenv(name, env.get(name, ''))
    result = ArgumentSpecValidator(CONNECTION_ARGSPEC, required_together=CONNECTION_REQUIRED_TOGETHER).validate({})
    assert not result.error_messages
    params = result.validated_parameters
    # The credential comes from the environment whole, only when the task names none.
    found, problems = environment_credential(params)
    assert not problems
    params.update(found)
    assert params['uri'] == env['ZILLIZ_URI'] and params['ca_cert'] is None and params['server_name'] is None
    for option, value in expected.items():
        assert params[option] == value, option
