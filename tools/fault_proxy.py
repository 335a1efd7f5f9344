"""A misbehaving TCP proxy on loopback, for tests of networks that fail.

Development tool only: it is not part of the collection. Standard library
only (asyncio in a background thread), so a test can start and stop it:

    with FaultProxy(target_port=19530, rtt=0.04, cut_after_seconds=0.5) as proxy:
        ...  # connect to proxy.uri ('http://127.0.0.1:<port>')

Faults, each optional and changeable while the proxy runs (plain attributes):

- ``delay_up`` / ``delay_down``: seconds added to every chunk from the
  client to the server / back (``rtt=`` sets both to half of it). Chunks keep
  their order; throughput is not limited, only latency added.
- ``cut_after_seconds``: every connection is reset this long after it was
  accepted.
- ``cut_after_bytes``: every connection is reset once this many bytes (both
  directions together) have passed.
- ``cut_first`` (attribute ``cut_next``, counting down): the first N
  connections are reset as soon as they are accepted (before anything
  reaches the server).
- ``target_port=None``: nothing behind the proxy; every connection is
  accepted and reset at once.

"Reset" is a TCP RST on both sides (SO_LINGER 0), as a load balancer that
drops a connection sends; ``cut_mode='close'`` sends FIN instead.
Counters: ``accepted``, ``cuts``.

As a command (by hand)::

    python tools/fault_proxy.py --target 127.0.0.1:19530 [--listen-port 0]
        [--rtt-ms 50] [--cut-after-seconds 0.5] [--cut-after-bytes N]
        [--cut-first N] [--cut-mode reset|close]
"""

import argparse
import asyncio
import socket
import struct
import sys
import threading
import time

CHUNK = 65536


class FaultProxy:
    """A TCP proxy from 127.0.0.1:<port> to target_host:target_port with faults."""

    def __init__(self, target_port=None, target_host='127.0.0.1', listen_host='127.0.0.1', listen_port=0,
                 rtt=None, delay_up=0.0, delay_down=0.0, cut_after_seconds=None, cut_after_bytes=None,
                 cut_first=0, cut_mode='reset'):
        if cut_mode not in ('reset', 'close'):
            raise ValueError('cut_mode must be reset or close')
        self.target_host, self.target_port = target_host, target_port
        self.listen_host, self.port = listen_host, listen_port
        self.delay_up, self.delay_down = (rtt / 2.0, rtt / 2.0) if rtt is not None else (delay_up, delay_down)
        self.cut_after_seconds = cut_after_seconds
        self.cut_after_bytes = cut_after_bytes
        self.cut_next = cut_first
        self.cut_mode = cut_mode
        self.accepted = 0
        self.cuts = 0
        self._loop = None
        self._thread = None
        self._server = None
        self._pipes = set()

    @property
    def uri(self):
        return 'http://%s:%d' % (self.listen_host, self.port)

    @property
    def rtt(self):
        return self.delay_up + self.delay_down

    @rtt.setter
    def rtt(self, seconds):
        self.delay_up = self.delay_down = seconds / 2.0

    # ----- life cycle (from any thread) ---------------------------------------
    def start(self):
        if self._thread is not None:
            return self
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(self._loop, ready), name='fault-proxy',
                                        daemon=True)
        self._thread.start()
        ready.wait()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        try:
            future.result(timeout=10)
        except BaseException:
            self.stop()
            raise
        return self

    @staticmethod
    def _run(loop, ready):
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        loop.run_forever()
        loop.close()

    async def _listen(self):
        self._server = await asyncio.start_server(self._accept, self.listen_host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    def cut_all(self):
        """Reset every open connection now."""
        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._cut_all(), self._loop).result(timeout=10)

    async def _cut_all(self):
        for pipe in list(self._pipes):
            pipe.cut()

    def stop(self):
        if self._thread is None:
            return
        loop, self._loop = self._loop, None

        async def shutdown():
            if self._server is not None:
                self._server.close()
            await self._cut_all()
            current = asyncio.current_task()
            pending = [task for task in asyncio.all_tasks() if task is not current]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        try:
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            self._thread.join(timeout=10)
            self._thread = None
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # ----- connections (in the proxy's thread) --------------------------------
    async def _accept(self, client_reader, client_writer):
        try:
            await self._serve(client_reader, client_writer)
        except asyncio.CancelledError:
            client_writer.transport.abort()     # stop(): asyncio's callback must not see the cancellation

    async def _serve(self, client_reader, client_writer):
        self.accepted += 1
        if self.target_port is None or self.cut_next > 0:
            self.cut_next = max(0, self.cut_next - 1)
            self.cuts += 1
            _reset(client_writer, self.cut_mode)
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            self.cuts += 1
            _reset(client_writer, self.cut_mode)
            return
        pipe = _Pipe(self, client_writer, server_writer)
        self._pipes.add(pipe)
        try:
            await pipe.run(client_reader, server_reader)
        finally:
            self._pipes.discard(pipe)


class _Pipe:
    """One proxied connection: two directions, each a reader and a delayed writer."""

    def __init__(self, proxy, client_writer, server_writer):
        self.proxy = proxy
        self.writers = (client_writer, server_writer)
        self.bytes = 0
        self.done = False
        self.tasks = []

    async def run(self, client_reader, server_reader):
        proxy = self.proxy
        self.tasks = [
            asyncio.ensure_future(self._direction(client_reader, self.writers[1], lambda: proxy.delay_up)),
            asyncio.ensure_future(self._direction(server_reader, self.writers[0], lambda: proxy.delay_down)),
        ]
        if proxy.cut_after_seconds is not None:
            self.tasks.append(asyncio.ensure_future(self._cut_later(proxy.cut_after_seconds)))
        # Both directions end cleanly (EOF forwarded), or one fails and the
        # whole connection goes.
        await asyncio.wait(self.tasks[:2])
        self.close()

    async def _direction(self, reader, writer, delay):
        queue = asyncio.Queue()
        sender = asyncio.ensure_future(self._send(queue, writer))
        try:
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    break
                self.bytes += len(data)
                limit = self.proxy.cut_after_bytes
                if limit is not None and self.bytes >= limit:
                    self.cut()
                    return
                queue.put_nowait((time.monotonic() + delay(), data))
            queue.put_nowait(None)
            await sender
        except OSError:
            self.close()
        finally:
            sender.cancel()

    @staticmethod
    async def _send(queue, writer):
        while True:
            item = await queue.get()
            if item is None:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            due, data = item
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()

    async def _cut_later(self, seconds):
        await asyncio.sleep(seconds)
        self.cut()

    def cut(self):
        if not self.done:
            self.proxy.cuts += 1
            for writer in self.writers:
                _reset(writer, self.proxy.cut_mode)
        self.close()

    def close(self):
        if self.done:
            return
        self.done = True
        current = asyncio.current_task()
        for task in self.tasks:
            if task is not current:
                task.cancel()
        for writer in self.writers:
            writer.close()


def _reset(writer, mode):
    """Close a connection at once: RST (mode 'reset') or FIN ('close')."""
    sock = writer.get_extra_info('socket')
    if mode == 'reset' and sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        except OSError:
            pass
    writer.transport.abort()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--target', help='host:port behind the proxy (omit: nothing behind it)')
    parser.add_argument('--listen-port', type=int, default=0)
    parser.add_argument('--rtt-ms', type=float, default=0.0, help='round trip added, split over both directions')
    parser.add_argument('--cut-after-seconds', type=float)
    parser.add_argument('--cut-after-bytes', type=int)
    parser.add_argument('--cut-first', type=int, default=0)
    parser.add_argument('--cut-mode', choices=('reset', 'close'), default='reset')
    args = parser.parse_args(argv)
    host, port = '127.0.0.1', None
    if args.target:
        host, dummy, port = args.target.rpartition(':')
        port = int(port)
    proxy = FaultProxy(target_port=port, target_host=host or '127.0.0.1', listen_port=args.listen_port,
                       rtt=args.rtt_ms / 1000.0, cut_after_seconds=args.cut_after_seconds,
                       cut_after_bytes=args.cut_after_bytes, cut_first=args.cut_first, cut_mode=args.cut_mode)
    with proxy:
        print('listening on %s -> %s' % (proxy.uri, args.target or 'nothing'), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
