"""Records when the playbook started and how long each task took, into the
JSON file named by BENCH_TIMINGS (tools/benchmark.py --profile)."""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.tasks, self.current, self.first = [], None, None

    def _close(self):
        if self.current:
            name, started = self.current
            self.tasks.append([name, time.time() - started])
            self.current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close()
        self.first = self.first or time.time()
        self.current = (task.get_name(), time.time())

    def v2_playbook_on_stats(self, stats):
        self._close()
        with open(os.environ['BENCH_TIMINGS'], 'w') as stream:
            json.dump({'first_task_at': self.first, 'tasks': self.tasks}, stream)
