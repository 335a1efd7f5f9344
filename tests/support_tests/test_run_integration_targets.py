"""Tests of tools/run_integration_targets.py that need no server: the secret
scan finds every form of a secret, the secrets and user names come from the
targets, the config file is private, and stopping the runner stops what it
started."""

import base64
import importlib.util
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / 'tools'
sys.path.insert(0, str(TOOLS))
import milvus_local  # noqa: E402  pylint: disable=wrong-import-position
_spec = importlib.util.spec_from_file_location('run_integration_targets', REPO / 'tools' / 'run_integration_targets.py')
runner = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runner)

SECRET = 'Pw: "q" é @'


def test_scan_finds_raw_escaped_and_authorization_header_forms():
    header = base64.b64encode(('zu_alice:' + SECRET).encode('utf-8')).decode('ascii')
    for text in (SECRET, 'Pw: \\"q\\" \\u00e9 @', 'Pw: \\"q\\" é @', 'authorization: Basic ' + header):
        assert runner.leaked('x %s y' % text, {SECRET}, {'root', 'zu_alice'}) == 1, text
    assert runner.leaked('Pw: q e @ VALUE_SPECIFIED_IN_NO_LOG_PARAMETER', {SECRET}, {'zu_alice'}) == 0


def test_every_target_secret_and_user_is_collected():
    found = runner.target_secrets()
    for path in runner.TARGETS.glob('*/vars/main.yml'):
        data = runner.yaml.safe_load(path.read_text(encoding='utf-8')) or {}
        for key, value in data.items():
            if key.startswith('secret_'):
                assert value in found, '%s: %s' % (path, key)
    assert len(found) >= 10
    users = runner.target_users()
    assert {'root', 'zu_alice', 'zcc_user', 'zui_plain'} <= users
    assert not [name for name in users if name[0].isupper()], 'task titles taken for user names'


def test_config_is_private_and_quoted(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, 'CONFIG', tmp_path / 'integration_config.yml')
    runner.write_config(SimpleNamespace(uri='http://127.0.0.1:1', root_password=SECRET))
    assert stat.S_IMODE(os.stat(runner.CONFIG).st_mode) == 0o600
    data = runner.yaml.safe_load(runner.CONFIG.read_text(encoding='utf-8'))
    assert data == {'zilliz_uri': 'http://127.0.0.1:1', 'zilliz_login_user': 'root',
                    'zilliz_login_password': SECRET, 'zilliz_version': runner.MILVUS_VERSION,
                    'zilliz_server_profile': runner.MILVUS_VERSION, 'zilliz_server_model': False}


def test_config_names_the_model_profile_and_its_login_user(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, 'CONFIG', tmp_path / 'integration_config.yml')
    server, what = runner.make_server('model:zilliz-cloud', SECRET)
    assert what == 'model of zilliz-cloud'
    with server:
        runner.write_config(server)
    data = runner.yaml.safe_load(runner.CONFIG.read_text(encoding='utf-8'))
    assert data['zilliz_login_user'] == 'db_admin' and data['zilliz_login_password'] == SECRET
    assert data['zilliz_server_profile'] == 'zilliz-cloud' and data['zilliz_server_model'] is True


def test_tarball_import_check_finds_what_is_missing():
    spec = importlib.util.spec_from_file_location('check_tarball_imports', REPO / 'tools' / 'check_tarball_imports.py')
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    files = {
        'requirements.txt': 'pymilvus>=2.4\n',
        'plugins/module_utils/_a.py': 'import os\nimport grpc\ntry:\n    import nothere\nexcept ImportError:\n    pass\n',
        'plugins/modules/m.py': 'from ansible_collections.zilliz.cloud.plugins.module_utils._a import x\n'
                                'from ansible_collections.zilliz.cloud.plugins.module_utils._gone import y\n',
        'tests/conftest.py': 'import helper\n',
        'tests/helper.py': '',
        'tests/unit/test_x.py': 'from conftest import z\nimport helper\nimport milvus_local\n',
    }
    found = checker.problems(list(files), files.get)
    assert found == ['plugins/modules/m.py:2 imports ansible_collections.zilliz.cloud.plugins.module_utils._gone, '
                     'which the tarball lacks',
                     'tests/unit/test_x.py:3 imports milvus_local, which the tarball lacks']


def test_stopping_the_runner_stops_what_ansible_test_started(tmp_path):
    """SIGTERM to the runner while its child runs: the child's own children go too."""
    pid_file = tmp_path / 'grandchild.pid'
    script = ('import sys; sys.path.insert(0, %r); import signal, run_integration_targets as r; '
              'signal.signal(signal.SIGTERM, r._terminate); '
              'r.run_as_group(["sh", "-c", "sleep 60 & echo $! > %s; wait"])' % (str(TOOLS), pid_file))
    runner = subprocess.Popen([sys.executable, '-c', script])
    deadline = time.monotonic() + 20
    while not (pid_file.exists() and pid_file.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    runner.send_signal(signal.SIGTERM)
    assert runner.wait(timeout=20) == 128 + signal.SIGTERM
    deadline = time.monotonic() + 5
    while milvus_local._pid_alive(grandchild) and time.monotonic() < deadline:  # pylint: disable=protected-access
        time.sleep(0.05)
    assert not milvus_local._pid_alive(grandchild)  # pylint: disable=protected-access
