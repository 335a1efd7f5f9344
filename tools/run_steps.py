"""Run `make` steps in concurrent lanes, phase after phase (make test).

    python tools/run_steps.py LOG_DIR PHASE [PHASE ...]

A PHASE is lanes separated by `|`, a lane is steps separated by spaces:

    "sanity lint | build install-test" "integration-targets | integration"

runs the two lanes of the first phase at once (each lane's steps one after
the other), then, when both are done, the two lanes of the second phase.
Each step is `make STEP`, its output kept in LOG_DIR/STEP.log and printed
whole when the step ends, followed by its time and the CPU time it took
(with every process it waited for): `    (STEP: 12s, 20s of CPU)`. After a
failure no new step starts; the steps running finish, and the exit status
is 1.
"""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

PRINT_LOCK = threading.Lock()


def run_lane(steps, log_dir, failed):
    for step in steps:
        if failed:
            return
        log = log_dir / ('%s.log' % step)
        started = time.monotonic()
        with open(log, 'wb') as stream:
            proc = subprocess.Popen(['make', '--no-print-directory', step], stdout=stream,  # pylint: disable=consider-using-with
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            # wait4: the CPU time of the step and of every process it waited for.
            dummy, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = code = os.waitstatus_to_exitcode(status)
        seconds = int(round(time.monotonic() - started))
        cpu = int(round(usage.ru_utime + usage.ru_stime))
        with PRINT_LOCK:
            sys.stdout.write(log.read_text(encoding='utf-8', errors='replace'))
            if code:
                failed.append(step)
                print('make test: %s FAILED (log: %s)' % (step, log))
            print('    (%s: %ss, %ss of CPU)' % (step, seconds, cpu), flush=True)


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    log_dir = Path(argv[0])
    log_dir.mkdir(parents=True, exist_ok=True)
    failed = []
    started = time.monotonic()
    for phase in argv[1:]:
        lanes = [lane.split() for lane in phase.split('|') if lane.split()]
        threads = [threading.Thread(target=run_lane, args=(lane, log_dir, failed)) for lane in lanes]
        phase_started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print('    (phase %s: %ds)' % (' | '.join(' '.join(lane) for lane in lanes),
                                       round(time.monotonic() - phase_started)), flush=True)
        if failed:
            print('\nmake test: FAILED: %s' % ', '.join(failed))
            return 1
    print('\nmake test: all steps passed in %ds' % round(time.monotonic() - started))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
