"""Run a check once per set of inputs: a pass is remembered, keyed on the
content of every file git knows in the repository (tracked, and untracked
but not ignored) and on the versions of the tools that run it.

    python tools/step_cache.py NAME [--key TEXT ...] -- COMMAND [ARG ...]

When a pass of NAME with the same key is remembered (in
~/.cache/zilliz-cloud/steps, or $ZILLIZ_STEP_CACHE), says so and exits 0;
otherwise runs COMMAND and remembers a pass. ZILLIZ_STEP_CACHE=off always
runs. For checks whose outcome depends only on those inputs (sanity, lint,
docs); never for tests against servers.
"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

# The tests of this tool point it at a repository of their own.
REPO = Path(os.environ.get('ZILLIZ_STEP_CACHE_REPO') or Path(__file__).resolve().parents[1])


def input_key(name, extra):
    digest = hashlib.sha256(('\0'.join([name] + extra)).encode('utf-8'))
    listing = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard', '-z'], cwd=str(REPO), check=True,
                             stdout=subprocess.PIPE).stdout
    for path in sorted(p for p in listing.decode('utf-8').split('\0') if p):
        digest.update(path.encode('utf-8') + b'\0')
        try:
            digest.update(hashlib.sha256((REPO / path).read_bytes()).digest())
        except OSError:
            digest.update(b'missing')
    return digest.hexdigest()[:24]


def main(argv):
    if '--' not in argv or not argv[0] or argv[0].startswith('-'):
        print(__doc__)
        return 2
    split = argv.index('--')
    name, options, command = argv[0], argv[1:split], argv[split + 1:]
    extra = [value for flag, value in zip(options[::2], options[1::2]) if flag == '--key']
    setting = os.environ.get('ZILLIZ_STEP_CACHE', '')
    if setting == 'off':
        return subprocess.call(command)
    cache = Path(setting or Path.home() / '.cache' / 'zilliz-cloud' / 'steps')
    stamp = cache / ('%s-%s' % (name, input_key(name, extra)))
    if stamp.exists():
        print('%s: passed before with these inputs (%s), not run again; ZILLIZ_STEP_CACHE=off runs it'
              % (name, stamp.name))
        return 0
    code = subprocess.call(command)
    # A file changed while it ran: the pass may not be of the inputs keyed.
    if code == 0 and stamp.name == '%s-%s' % (name, input_key(name, extra)):
        cache.mkdir(parents=True, exist_ok=True)
        stamp.touch()
    return code


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
