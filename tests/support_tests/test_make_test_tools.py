"""Tests of the tools behind `make test`: tools/step_cache.py remembers a
pass per content of the repository and nothing else; tools/run_steps.py runs
lanes at once, prints each step's time and stops after a failure."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def repository(tmp_path):
    """A git repository of one file, for the cache key to read."""
    repo = tmp_path / 'repo'
    repo.mkdir(exist_ok=True)
    if not (repo / '.git').exists():
        subprocess.run(['git', 'init', '-q', str(repo)], check=True)
        (repo / 'tracked.txt').write_text('one')
        subprocess.run(['git', '-C', str(repo), 'add', 'tracked.txt'], check=True)
    return repo


def step_cache(tmp_path, *command, name='probe', env=None):
    environment = dict(os.environ, ZILLIZ_STEP_CACHE=str(tmp_path / 'cache'),
                       ZILLIZ_STEP_CACHE_REPO=str(repository(tmp_path)), **(env or {}))
    return subprocess.run([sys.executable, str(REPO / 'tools' / 'step_cache.py'), name, '--key', 'v1', '--'] +
                          list(command), env=environment, stdout=subprocess.PIPE, text=True, check=False)


def test_a_pass_is_remembered_for_the_same_inputs_and_a_failure_never(tmp_path):
    marker = tmp_path / 'ran'
    touch = [sys.executable, '-c', 'import sys; open(sys.argv[1], "a").write("x")', str(marker)]
    assert step_cache(tmp_path, *touch).returncode == 0
    assert step_cache(tmp_path, *touch).returncode == 0
    assert marker.read_text() == 'x'                       # the second run was the remembered pass
    assert 'not run again' in step_cache(tmp_path, *touch).stdout
    assert step_cache(tmp_path, *touch, name='other').returncode == 0
    assert marker.read_text() == 'xx'                      # another name is another check
    failing = [sys.executable, '-c', 'raise SystemExit(3)']
    assert step_cache(tmp_path, *failing, name='failing').returncode == 3
    assert step_cache(tmp_path, *failing, name='failing').returncode == 3


def test_off_always_runs(tmp_path):
    marker = tmp_path / 'ran'
    touch = [sys.executable, '-c', 'import sys; open(sys.argv[1], "a").write("x")', str(marker)]
    step_cache(tmp_path, *touch)
    subprocess.run([sys.executable, str(REPO / 'tools' / 'step_cache.py'), 'probe', '--key', 'v1', '--'] + touch,
                   env=dict(os.environ, ZILLIZ_STEP_CACHE='off', ZILLIZ_STEP_CACHE_REPO=str(repository(tmp_path))),
                   check=True)
    assert marker.read_text() == 'xx'


def test_the_key_follows_the_files_and_the_tool_versions(tmp_path, monkeypatch):
    sys.path.insert(0, str(REPO / 'tools'))
    import step_cache as cache  # pylint: disable=import-outside-toplevel
    repo = repository(tmp_path)
    monkeypatch.setattr(cache, 'REPO', repo)
    assert cache.input_key('sanity', ['2.19']) == cache.input_key('sanity', ['2.19'])
    assert cache.input_key('sanity', ['2.19']) != cache.input_key('sanity', ['2.21'])
    before = cache.input_key('sanity', [])
    (repo / 'untracked.txt').write_text('a change')
    assert cache.input_key('sanity', []) != before
    (repo / '.gitignore').write_text('untracked.txt\n.gitignore\n')
    assert cache.input_key('sanity', []) == before         # ignored files are no input
    (repo / 'tracked.txt').write_text('two')
    assert cache.input_key('sanity', []) != before


def write_makefile(directory):
    (directory / 'Makefile').write_text(
        'slow-a:\n\t@sleep 3; echo a done\n'
        'slow-b:\n\t@sleep 3; echo b done\n'
        # broken fails only once the other lane has surely started (a lane's next step never starts after a failure).
        'broken:\n\t@sleep 1; echo broken output; exit 1\n'
        'after:\n\t@echo after\n'
        # about 1.2 s of CPU in a child of make
        'busy:\n\t@%s -c "import time; [0 for _ in iter(lambda: time.process_time() < 1.2, False)]"\n' % sys.executable)


def run_steps(directory, *phases):
    return subprocess.run([sys.executable, str(REPO / 'tools' / 'run_steps.py'), str(directory / 'logs')] +
                          list(phases), cwd=str(directory), stdout=subprocess.PIPE, text=True, check=False)


def test_lanes_run_at_once_and_each_step_prints_its_output_and_time(tmp_path):
    write_makefile(tmp_path)
    started = time.monotonic()
    result = run_steps(tmp_path, 'slow-a | slow-b', 'after')
    assert result.returncode == 0, result.stdout
    assert time.monotonic() - started < 5.5             # the two lanes ran at once
    for line in ('a done', 'b done', 'after'):
        assert line in result.stdout.splitlines(), line
    for step in ('slow-a', 'slow-b', 'after'):
        assert re.search(r'^    \(%s: \d+s, 0s of CPU\)$' % step, result.stdout, re.M), step
    assert result.stdout.index('b done') < result.stdout.index('after')     # phases in order
    assert (tmp_path / 'logs' / 'slow-a.log').read_text() == 'a done\n'


def test_a_step_prints_the_cpu_time_of_what_it_ran(tmp_path):
    write_makefile(tmp_path)
    result = run_steps(tmp_path, 'busy')
    assert result.returncode == 0, result.stdout
    assert re.search(r'^    \(busy: \d+s, [12]s of CPU\)$', result.stdout, re.M), result.stdout


def test_after_a_failure_no_step_starts_and_the_exit_status_is_1(tmp_path):
    write_makefile(tmp_path)
    result = run_steps(tmp_path, 'broken after | slow-a', 'after')
    assert result.returncode == 1
    assert 'broken output' in result.stdout and 'make test: broken FAILED' in result.stdout
    assert 'a done' in result.stdout                   # the running lane finished
    assert '\nafter\n' not in result.stdout and '(after:' not in result.stdout


def test_a_pass_while_a_file_changed_is_not_remembered(tmp_path):
    probe = repository(tmp_path) / 'tracked.txt'
    change = [sys.executable, '-c', 'import sys; open(sys.argv[1], "w").write("changed")', str(probe)]
    assert step_cache(tmp_path, *change).returncode == 0
    assert not list((tmp_path / 'cache').glob('probe-*'))
