"""The module side of the engine for planner tests: check mode and a connection to a fake server."""


class Module:
    def __init__(self, server, check_mode=False):
        self.server, self.check_mode = server, check_mode

    def connection_problems(self):
        return []

    def connect(self, validated=False):
        return self.server
