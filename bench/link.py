"""A slow link on loopback: a TCP proxy that charges what a mobile link charges (issue 16).

DevTools' throttling adds its latency to each request and knows nothing of connections, so a
page that opens a new TCP connection for every request (``Connection: close``) looks as fast as
one that reuses it. This proxy sits between the browser and the server, and per connection:

- the handshake: nothing the browser sends goes on before ``handshake_rtts`` round trips after
  the connection opened (TCP: SYN, SYN-ACK, then the request; TLS 1.3 would add one more);
- each direction: every chunk is queued behind the previous ones at the link's rate (bytes per
  second) and arrives half a round trip after it left; the end of the stream too.

Nothing here needs privileges (netem in a network namespace would: ``unshare -n`` is refused
to an ordinary user on most machines, and ``tc`` needs CAP_NET_ADMIN). It is a model: no
packet loss, no TCP slow start, and each connection has the whole rate (a browser rarely has
two transfers at once on these pages). It counts connections and keeps, per connection, when
it opened, for the report."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

CHUNK = 16 * 1024


@dataclass
class Shape:
    down: float  # bytes per second, server → browser
    up: float  # bytes per second, browser → server
    rtt: float  # seconds
    handshake_rtts: int = 1


@dataclass
class Link:
    """``Link(shape, target_port).start()`` → the port the browser connects to."""

    shape: Shape
    target_port: int
    host: str = "127.0.0.1"
    opened: list[float] = field(default_factory=list)  # loop time of each connection
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.base_events.Server | None = None

    def start(self) -> int:
        ready = threading.Event()
        port: list[int] = []

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._connection, self.host, 0)
            )
            port.append(self._server.sockets[0].getsockname()[1])
            ready.set()
            self._loop.run_forever()

        threading.Thread(target=run, daemon=True, name="slow-link").start()
        ready.wait(10)
        return port[0]

    def stop(self) -> None:
        """Close the listener and every connection still open, then the loop."""
        if self._loop is None:
            return

        async def shut() -> None:
            # the connections cancelled below would each report their cancellation
            asyncio.get_running_loop().set_exception_handler(lambda loop, context: None)
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            asyncio.get_running_loop().stop()

        asyncio.run_coroutine_threadsafe(shut(), self._loop)

    @property
    def connections(self) -> int:
        return len(self.opened)

    async def _connection(self, client_r, client_w) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        self.opened.append(start)
        try:
            server_r, server_w = await asyncio.open_connection(self.host, self.target_port)
        except OSError:
            client_w.close()
            return
        shape = self.shape
        half = shape.rtt / 2
        # the browser may send only once the handshake is done: SYN out and SYN-ACK back
        up = _Pipe(
            client_r, server_w, shape.up, half, free_at=start + shape.handshake_rtts * shape.rtt
        )
        down = _Pipe(server_r, client_w, shape.down, half, free_at=start)
        await asyncio.gather(up.run(), down.run(), return_exceptions=True)
        for writer in (client_w, server_w):
            writer.close()


class _Pipe:
    """One direction of one connection: read as fast as it comes, deliver at the link's pace."""

    def __init__(self, reader, writer, rate: float, one_way: float, free_at: float):
        self.reader, self.writer = reader, writer
        self.rate, self.one_way, self.free_at = rate, one_way, free_at
        self.queue: asyncio.Queue = asyncio.Queue()

    async def run(self) -> None:
        await asyncio.gather(self._read(), self._deliver())

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                data = await self.reader.read(CHUNK)
            except (ConnectionError, OSError):
                data = b""
            now = loop.time()
            # queued behind what is still on the wire, then as long as its bytes take
            self.free_at = max(self.free_at, now) + len(data) / self.rate
            await self.queue.put((self.free_at + self.one_way, data))
            if not data:
                return

    async def _deliver(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            when, data = await self.queue.get()
            delay = when - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                if not data:
                    if self.writer.can_write_eof():
                        self.writer.write_eof()
                    return
                self.writer.write(data)
                await self.writer.drain()
            except (ConnectionError, OSError):
                return
