"""Run the ansible-test integration targets against every server at once.

    python tools/run_target_matrix.py --targets "A B" --access "C D" --zilliz-cloud "E F" [PROFILE ...]

Run by `make integration-targets`. Every target runs against the real Milvus
2.3.5, the access targets against the model (tools/milvus_model) as each
PROFILE, and the Zilliz Cloud ones against its profile. ansible-test writes
the config file and its output inside the tree it runs from, so each server
gets its own copy of the tree (the files git tracks or would track) under
.tmp/target-matrix/, and the runs go at the same time (on two cores that
saves no CPU, but it lets one `make` step fill the cores the other lanes of
make test leave). Each run is
tools/run_integration_targets.py from its copy (it starts and always stops its
server, and scans its output for secrets). Their outputs are printed one after
the other when all have ended; the exit status is 1 when any run failed.
"""

import argparse
import os
import signal
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / '.tmp' / 'target-matrix'


def tree_files():
    """The files of the working tree that git tracks or would track."""
    listing = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=str(REPO),
                             stdout=subprocess.PIPE, check=True).stdout
    return sorted(set(name for name in listing.decode('utf-8').split('\0') if name))


def copy_tree(dest, files):
    shutil.rmtree(str(dest), ignore_errors=True)
    for name in files:
        source = REPO / name
        if source.is_file() and not source.is_symlink():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(str(source), str(target))
    link = dest / '.tmp' / 'collections' / 'ansible_collections' / 'zilliz' / 'cloud'
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(dest)


def make_ansible_test_key():
    """ansible-test makes ~/.ansible/test/id_rsa on its first run, and a second
    run starting meanwhile fails on its prompt to overwrite it (seen on a fresh
    machine): make it once, with ansible-test's own command, before the runs."""
    key = Path.home() / '.ansible' / 'test' / 'id_rsa'
    if not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(['ssh-keygen', '-m', 'PEM', '-q', '-t', 'rsa', '-N', '', '-f', str(key)],
                       stdin=subprocess.DEVNULL, check=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--targets', default='', help='targets for the real server (empty: all)')
    parser.add_argument('--access', default='', help='targets for the model profiles')
    parser.add_argument('--zilliz-cloud', default='', help='targets for the zilliz-cloud profile')
    parser.add_argument('--extra', default='', help='more ansible-test integration arguments for every run')
    parser.add_argument('profiles', nargs='*')
    args = parser.parse_args(argv)
    runs = [('real', None, args.targets.split())]
    for profile in args.profiles:
        targets = args.zilliz_cloud if profile == 'zilliz-cloud' else args.access
        runs.append(('model-%s' % profile, 'model:%s' % profile, targets.split()))
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))
    files = tree_files()
    make_ansible_test_key()
    started = time.monotonic()
    jobs = []
    for name, server, targets in runs:
        tree = WORK / name
        copy_tree(tree, files)
        log = WORK / ('%s.log' % name)
        command = [sys.executable, str(tree / 'tools' / 'run_integration_targets.py')]
        command += (['--server', server] if server else []) + args.extra.split() + targets
        out = open(str(log), 'w', encoding='utf-8')  # pylint: disable=consider-using-with
        jobs.append((name, log, out, subprocess.Popen(command, cwd=str(tree), stdout=out, stderr=subprocess.STDOUT,
                                                      stdin=subprocess.DEVNULL, env=dict(os.environ))))
    failed = []
    try:
        for name, log, out, proc in jobs:
            code = proc.wait()
            out.close()
            print('\n==> ansible-test integration: %s (exit %d)' % (name, code))
            print(log.read_text(encoding='utf-8', errors='replace').rstrip())
            if code:
                failed.append(name)
    finally:
        # Stopped early (SIGTERM, Ctrl-C): each runner stops its server and its ansible-test.
        for job in jobs:
            if job[3].poll() is None:
                job[3].terminate()
        for job in jobs:
            job[3].wait()
    summary = '; failed: ' + ', '.join(failed) if failed else ''
    print('\ntarget matrix: %d runs at once in %.0fs%s' % (len(jobs), time.monotonic() - started, summary))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
