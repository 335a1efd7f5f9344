"""python tools/milvus_model start|stop|status --profile P --state-file F

start runs the model in a detached process and writes F (uri, pid, profile,
login user; never the password). The login user's password comes from
--root-password-file or MILVUS_MODEL_ROOT_PASSWORD, never from argv; without
either it is "Milvus". `serve` is what start runs (in the foreground).
"""

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time

# tools/ (this package and milvus_local) on the path however this is run.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from milvus_local import _pid_alive as _alive  # noqa: E402  pylint: disable=wrong-import-position
from milvus_model import ModelMilvus  # noqa: E402  pylint: disable=wrong-import-position

PASSWORD_ENV = 'MILVUS_MODEL_ROOT_PASSWORD'


def _load(path):
    try:
        with open(path, encoding='utf-8') as stream:
            return json.load(stream)
    except (FileNotFoundError, ValueError):
        return None


def _serve(args):
    srv = ModelMilvus(args.profile, root_password=os.environ.pop(PASSWORD_ENV, None) or None,
                      max_user_num=args.max_user_num, max_role_num=args.max_role_num).start()
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    state = {'uri': srv.uri, 'pid': os.getpid(), 'profile': srv.profile, 'login_user': srv.login_user,
             'version': srv.version}
    with open(args.state_file + '.tmp', 'w', encoding='utf-8') as stream:
        json.dump(state, stream, indent=2)
    os.replace(args.state_file + '.tmp', args.state_file)
    while not stop:
        time.sleep(0.2)
    srv.stop()
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog='milvus_model', description='Model of newer Milvus servers (tests only)')
    sub = parser.add_subparsers(dest='cmd', required=True)
    for name in ('start', 'serve'):
        cmd = sub.add_parser(name)
        cmd.add_argument('--profile', required=True)
        cmd.add_argument('--state-file', required=True)
        cmd.add_argument('--root-password-file')
        cmd.add_argument('--max-user-num', type=int)
        cmd.add_argument('--max-role-num', type=int)
    for name in ('stop', 'status'):
        sub.add_parser(name).add_argument('--state-file', required=True)
    args = parser.parse_args(argv)
    state = _load(args.state_file)
    running = bool(state) and _alive(state['pid'])

    if args.cmd == 'serve':
        return _serve(args)
    if args.cmd == 'start':
        if running:
            sys.stderr.write('already running: %s\n' % state['uri'])
            return 1
        env = dict(os.environ)
        if args.root_password_file:
            with open(args.root_password_file, encoding='utf-8') as stream:
                env[PASSWORD_ENV] = stream.read().rstrip('\r\n')
        with contextlib.suppress(FileNotFoundError):
            os.unlink(args.state_file)
        argv = [sys.executable, os.path.dirname(os.path.abspath(__file__)), 'serve', '--profile', args.profile,
                '--state-file', args.state_file]
        for option in ('max_user_num', 'max_role_num'):
            if getattr(args, option):
                argv += ['--' + option.replace('_', '-'), str(getattr(args, option))]
        # Not our stdout: whoever reads it (a test, $(...)) would wait for the model to end.
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,  # pylint: disable=consider-using-with
                                stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            state = _load(args.state_file)
            if state:
                print(state['uri'])
                return 0
            if proc.poll() is not None:
                sys.stderr.write('the model exited (code %s)\n' % proc.returncode)
                return 1
            time.sleep(0.05)
        proc.kill()
        sys.stderr.write('the model did not start within 20 s\n')
        return 1
    if args.cmd == 'status':
        print('%s %s' % ('running' if running else 'stopped', state['uri'] if state else '(no state file)'))
        return 0 if running else 3
    if running:
        os.kill(state['pid'], signal.SIGTERM)
        deadline = time.monotonic() + 5
        while _alive(state['pid']) and time.monotonic() < deadline:
            time.sleep(0.05)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(args.state_file)
    return 0


if __name__ == '__main__':
    sys.exit(main())
