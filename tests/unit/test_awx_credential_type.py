# -*- coding: utf-8 -*-
# Copyright (c) Zilliz Ansible collection contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the AWX / Automation Controller custom credential type.

extensions/awx/zilliz_credential_type.yml is pasted into the controller or
created with awx.awx.credential_type. The controller validates `inputs` and
`injectors` with JSON schemas and a Jinja2 sandbox render (AWX
awx/main/fields.py: CredentialTypeInputField, CredentialTypeInjectorField);
the same rules are applied here so that a broken definition fails in CI
rather than in the controller. The file must also stay in step with the
environment variables that plugins/module_utils reads.
"""

from __future__ import annotations

import pathlib
import re

import pytest

yaml = pytest.importorskip('yaml')
jinja2 = pytest.importorskip('jinja2')
jsonschema = pytest.importorskip('jsonschema')

from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError  # noqa: E402
from jinja2.sandbox import ImmutableSandboxedEnvironment  # noqa: E402

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
CREDENTIAL_TYPE_FILE = REPO_ROOT / 'extensions' / 'awx' / 'zilliz_credential_type.yml'
MODULE_UTILS_DIR = REPO_ROOT / 'plugins' / 'module_utils'

EXPECTED_ENV = {
    'ZILLIZ_URI': 'uri',
    'ZILLIZ_USER': 'username',
    'ZILLIZ_PASSWORD': 'password',
    'ZILLIZ_TOKEN': 'token',
    'ZILLIZ_CA_CERT': 'ca_cert',
    'ZILLIZ_SERVER_NAME': 'server_name',
}
SECRET_FIELDS = {'password', 'token'}

# Schema of CredentialType.inputs, as AWX validates it.
INPUTS_SCHEMA = {
    'type': 'object',
    'additionalProperties': False,
    'properties': {
        'required': {'type': 'array', 'items': {'type': 'string'}},
        'fields': {
            'type': 'array',
            'items': {
                'type': 'object',
                'properties': {
                    'type': {'enum': ['string', 'boolean']},
                    'format': {'enum': ['ssh_private_key', 'url']},
                    'choices': {'type': 'array', 'minItems': 1, 'items': {'type': 'string'}, 'uniqueItems': True},
                    'id': {'type': 'string', 'pattern': '^[a-zA-Z_]+[a-zA-Z0-9_]*$'},
                    'label': {'type': 'string'},
                    'help_text': {'type': 'string'},
                    'multiline': {'type': 'boolean'},
                    'secret': {'type': 'boolean'},
                    'ask_at_runtime': {'type': 'boolean'},
                    'default': {},
                },
                'additionalProperties': False,
                'required': ['id', 'label'],
            },
        },
    },
}

# Schema of CredentialType.injectors, as AWX validates it.
INJECTORS_SCHEMA = {
    'type': 'object',
    'additionalProperties': False,
    'properties': {
        'file': {
            'type': 'object',
            'patternProperties': {r'^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$': {'type': 'string'}},
            'additionalProperties': False,
        },
        'env': {
            'type': 'object',
            'patternProperties': {'^[a-zA-Z_]+[a-zA-Z0-9_]*$': {'type': 'string', 'pattern': '^[\x00-\x7F]*$'}},
            'additionalProperties': False,
        },
        'extra_vars': {
            'type': 'object',
            'patternProperties': {'^[a-zA-Z_]+[a-zA-Z0-9_]*$': {'type': 'string'}},
            'additionalProperties': False,
        },
    },
}

# Variables the controller sets for a job itself; AWX refuses them in
# credential injectors (a subset of its ENV_BLOCKLIST), besides any ANSIBLE_*.
CONTROLLER_RESERVED_ENV = {
    'VIRTUAL_ENV', 'PATH', 'PYTHONPATH', 'JOB_ID', 'INVENTORY_ID', 'INVENTORY_SOURCE_ID',
    'INVENTORY_UPDATE_ID', 'AD_HOC_COMMAND_ID', 'REST_API_URL', 'REST_API_TOKEN',
    'MAX_EVENT_RES', 'CALLBACK_QUEUE', 'CALLBACK_CONNECTION', 'CACHE', 'JOB_CALLBACK_DEBUG',
    'INVENTORY_HOSTVARS', 'AWX_HOST', 'PROJECT_REVISION', 'SUPERVISOR_CONFIG_PATH',
}

JINJA_NAME = re.compile(r'\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)')


@pytest.fixture(scope='module')
def credential_type():
    with CREDENTIAL_TYPE_FILE.open(encoding='utf-8') as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope='module')
def fields(credential_type):
    return {field['id']: field for field in credential_type['inputs']['fields']}


def _templates(injectors):
    for section in ('file', 'env', 'extra_vars'):
        for key, template in injectors.get(section, {}).items():
            yield section, key, template


def test_top_level_keys(credential_type):
    assert set(credential_type) == {'name', 'kind', 'description', 'inputs', 'injectors'}
    assert isinstance(credential_type['name'], str) and credential_type['name'].strip()
    assert isinstance(credential_type['description'], str) and credential_type['description'].strip()
    # Only `cloud` and `net` custom credential types can be created.
    assert credential_type['kind'] == 'cloud'


def test_inputs_match_awx_schema(credential_type):
    jsonschema.Draft4Validator(INPUTS_SCHEMA).validate(credential_type['inputs'])


def test_injectors_match_awx_schema(credential_type):
    jsonschema.Draft4Validator(INJECTORS_SCHEMA).validate(credential_type['injectors'])


def test_each_input_is_complete(credential_type):
    ids = [field['id'] for field in credential_type['inputs']['fields']]
    assert len(ids) == len(set(ids)), 'field ids must be unique'
    assert 'tower' not in ids, '"tower" is a reserved field name'
    assert 'dependencies' not in credential_type['inputs'], 'not supported for custom credential types'
    for field in credential_type['inputs']['fields']:
        assert {'id', 'label', 'type'} <= set(field), field
        assert field['label'].strip(), field
        if field['type'] != 'string':
            for key in ('choices', 'multiline', 'format', 'secret'):
                assert key not in field, f'{key} not allowed for {field["type"]} field {field["id"]}'
        if 'default' in field:
            assert isinstance(field['default'], {'string': str, 'boolean': bool}[field['type']])


def test_expected_inputs(fields, credential_type):
    assert set(fields) == set(EXPECTED_ENV.values())
    assert credential_type['inputs']['required'] == ['uri']
    for field_id in credential_type['inputs']['required']:
        assert field_id in fields
    assert fields['ca_cert']['multiline'] is True
    assert fields['ca_cert']['label'] == 'CA certificate (PEM)'


def test_secrets_are_marked_secret(fields):
    for field_id, field in fields.items():
        if field_id in SECRET_FIELDS:
            assert field.get('secret') is True, f'{field_id} must be secret: true'
        else:
            assert not field.get('secret', False), f'{field_id} is not a secret'


def test_injector_env_names_allowed(credential_type):
    for name in credential_type['injectors']['env']:
        assert not name.startswith('ANSIBLE_'), f'{name}: AWX rejects ANSIBLE_* injector variables'
        assert name not in CONTROLLER_RESERVED_ENV, f'{name} is reserved by the controller'


def test_injected_variables_reference_declared_inputs(credential_type, fields):
    injectors = credential_type['injectors']
    file_names = {key.split('.', 1)[1] for key in injectors.get('file', {}) if key.startswith('template.')}
    for section, key, template in _templates(injectors):
        names = set(JINJA_NAME.findall(template))
        assert names, f'{section}.{key} injects no input'
        for name in names:
            assert name in fields or name == 'tower', f'{section}.{key} uses undeclared {name!r}'
        for file_name in re.findall(r'tower\.filename\.([A-Za-z_][A-Za-z0-9_]*)', template):
            assert file_name in file_names, f'{section}.{key} refers to missing file template.{file_name}'


def test_injectors_render_like_awx(credential_type, fields):
    """Render every injector as AWX's validation does: a sandbox with strict undefined names."""
    injectors = credential_type['injectors']
    template_names = [key for key in injectors.get('file', {}) if key.startswith('template')]

    class FileNames:
        def __str__(self):
            raise UndefinedError('Must define unnamed file injector in order to reference `tower.filename`.')

    class Tower:
        def __init__(self):
            self.filename = FileNames()

        def __str__(self):
            raise UndefinedError('Cannot directly reference reserved `tower` namespace container.')

    namespace = {field_id: 'EXAMPLE' for field_id in fields}
    namespace['tower'] = Tower()
    if 'template' in template_names:
        assert len(template_names) == 1, 'Must use multi-file syntax when injecting multiple files'
        namespace['tower'].filename = 'EXAMPLE_FILENAME'
    else:
        for name in template_names:
            setattr(namespace['tower'].filename, name.split('.', 1)[1], 'EXAMPLE_FILENAME')

    environment = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    for section, key, template in _templates(injectors):
        try:
            environment.from_string(template).render(namespace)
        except (UndefinedError, SecurityError, TemplateSyntaxError) as exc:
            pytest.fail(f'{section}.{key}: {exc}')


def test_ca_cert_file_injected_only_when_given(credential_type):
    """The controller writes every file template; with no CA the variable must be empty, not an empty file."""
    environment = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    template = environment.from_string(credential_type['injectors']['env']['ZILLIZ_CA_CERT'])

    class FileNames:
        ca_cert = '/runner/env/tmp_ca'

    class Tower:
        filename = FileNames()

    assert template.render(ca_cert='', tower=Tower()) == ''
    assert template.render(ca_cert='-----BEGIN CERTIFICATE-----', tower=Tower()) == '/runner/env/tmp_ca'


def test_env_injectors_map_to_inputs(credential_type):
    env = credential_type['injectors']['env']
    assert set(env) == set(EXPECTED_ENV)
    for name, field_id in EXPECTED_ENV.items():
        if name == 'ZILLIZ_CA_CERT':
            assert 'tower.filename.ca_cert' in env[name]
            assert credential_type['injectors']['file']['template.ca_cert'].strip() == '{{ ca_cert }}'
        else:
            assert env[name].strip() == '{{ %s }}' % field_id


def test_injected_env_vars_are_read_by_module_utils(credential_type):
    sources = sorted(MODULE_UTILS_DIR.glob('*.py'))
    assert sources, f'no Python files in {MODULE_UTILS_DIR}'
    text = '\n'.join(path.read_text(encoding='utf-8') for path in sources)
    unread = [name for name in credential_type['injectors']['env'] if not re.search(r'\b%s\b' % name, text)]
    assert not unread, f'injected but not read in plugins/module_utils: {unread}'


def _awx_job_env(credential_type, inputs, private_dir):
    """The environment a job gets from the credential, rendered as AWX does at run time.

    Inputs left empty are missing from the namespace and render as '' (plain
    Undefined); every file template is written, even when empty.
    """
    environment = ImmutableSandboxedEnvironment()
    namespace = {key: value for key, value in inputs.items() if len(value)}

    class Namespace:
        pass

    namespace['tower'] = tower = Namespace()
    for label, template in credential_type['injectors'].get('file', {}).items():
        path = private_dir / ('file_%s' % label.replace('.', '_'))
        path.write_text(environment.from_string(template).render(**namespace), encoding='utf-8')
        if '.' in label:
            if not hasattr(tower, 'filename'):
                tower.filename = Namespace()
            setattr(tower.filename, label.split('.', 1)[1], str(path))
        else:
            tower.filename = str(path)
    return {name: environment.from_string(template).render(**namespace)
            for name, template in credential_type['injectors']['env'].items()}


CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'


@pytest.mark.parametrize('inputs, expected', [
    pytest.param({'uri': 'https://c.example.com:19530', 'username': 'db_admin', 'password': 'Secret-123'},
                 {'login_user': 'db_admin', 'login_password': 'Secret-123', 'token': None, 'ca_cert': None,
                  'server_name': None},
                 id='user-password'),
    pytest.param({'uri': 'https://c.example.com', 'token': 'api-key-value'},
                 {'login_user': None, 'login_password': None, 'token': 'api-key-value', 'ca_cert': None},
                 id='api-key'),
    pytest.param({'uri': 'https://milvus.internal:19530', 'username': 'root', 'password': 'Milvus',
                  'ca_cert': CA_PEM, 'server_name': 'milvus.internal'},
                 {'login_user': 'root', 'ca_cert': 'FILE', 'server_name': 'milvus.internal', 'token': None},
                 id='private-ca'),
])
def test_module_options_from_awx_job_env(credential_type, tmp_path, monkeypatch, inputs, expected):
    """The connection options the modules get from a job's environment.

    AWX sets every env injector, with '' for inputs left empty: the modules
    must take an empty variable as unset (else, for example, an empty
    ZILLIZ_TOKEN next to ZILLIZ_USER trips the token/login_user exclusion).
    """
    connection = pytest.importorskip('ansible_collections.zilliz.cloud.plugins.module_utils._connection')
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    fields = {field['id']: '' for field in credential_type['inputs']['fields']}
    fields.update(inputs)
    env = _awx_job_env(credential_type, fields, tmp_path)
    for name in list(EXPECTED_ENV) + ['MILVUS_URI']:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    validator = ArgumentSpecValidator(
        connection.CONNECTION_ARGSPEC,
        required_together=getattr(connection, 'CONNECTION_REQUIRED_TOGETHER', None),
    )
    result = validator.validate({})
    assert not result.error_messages
    params = result.validated_parameters
    found, problems = connection.environment_credential(params)
    assert not problems
    params.update(found)
    assert params['uri'] == inputs['uri']
    for option, value in expected.items():
        if value == 'FILE':
            assert params[option] and pathlib.Path(params[option]).read_text(encoding='utf-8') == CA_PEM
        else:
            assert params[option] == value, option
