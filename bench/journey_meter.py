"""The measures of ``bench/journey.py``: what Chromium puts on the wire per step (through the
DevTools protocol), the step's network span and floor, and the tables printed."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Step:
    name: str
    seconds: float = 0.0  # polled: the click to Playwright seeing the next page
    received: int = 0
    sent: int = 0
    requests: int = 0
    span: float = 0.0  # the first request out to the last byte in
    connections: int = 0
    floor: float = 0.0  # one round trip and the bytes at the link's rates


@dataclass
class Meter:
    """Counts what Chromium puts on the wire for one page, through the DevTools protocol."""

    requests: int = 0
    received: int = 0
    sent: int = 0
    answers: list = field(default_factory=list)  # (status, method, URL) of each, for -v
    first: float | None = None  # the step's first request leaving (DevTools timestamps)
    last: float | None = None  # the step's last byte arriving
    inflight: set = field(default_factory=set)  # requests sent and not yet finished
    _cached: set = field(default_factory=set)

    def attach(self, cdp) -> None:
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", lambda e: self._cached.add(e["requestId"]))
        cdp.on("Network.responseReceived", self._answered)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)

    def start_step(self) -> None:
        self.first = self.last = None

    def span(self) -> float:
        return (self.last - self.first) if self.first is not None and self.last else 0.0

    def _finished(self, event) -> None:
        self.inflight.discard(event["requestId"])
        self._add(event.get("encodedDataLength", 0))
        self._ended(event["timestamp"])

    def _failed(self, event) -> None:
        self.inflight.discard(event["requestId"])
        self._ended(event["timestamp"])

    def _ended(self, timestamp: float) -> None:
        self.last = max(self.last or timestamp, timestamp)

    def _sent(self, event) -> None:
        request = event["request"]
        if not request["url"].startswith("data:"):
            self.inflight.add(event["requestId"])
            if self.first is None:
                self.first = event["timestamp"]
        if "redirectResponse" in event:  # a 303 answered: one round trip
            self.requests += 1
            self.answers.append((event["redirectResponse"]["status"], request["url"]))
        if request["url"].startswith("data:"):  # the favicon placeholder: nothing on the wire
            return
        body = sum(len(e.get("bytes", "")) * 3 // 4 for e in request.get("postDataEntries", []))
        self.sent += body + sum(len(k) + len(v) + 4 for k, v in request.get("headers", {}).items())

    def _answered(self, event) -> None:
        """A response from the server (not from the browser's cache): one round trip."""
        response = event["response"]
        if (
            response["url"].startswith("data:")
            or event["requestId"] in self._cached
            or response.get("fromDiskCache")
            or response.get("fromPrefetchCache")
        ):
            return
        self.requests += 1
        self.answers.append((response["status"], response["url"]))

    def _add(self, n: int) -> None:
        self.received += int(n)

    def snapshot(self) -> tuple[int, int, int]:
        return self.requests, self.received, self.sent


@dataclass
class Total:
    received: int
    sent: int
    requests: int
    connections: int
    span: float
    floor: float
    polled: float


def report(title: str, spec: dict, steps: list[Step]) -> Total:
    print(f"\n{title}: " + ", ".join(f"{k}={v:g}" for k, v in spec.items()))
    print(
        f"  {'step':31} {'received':>9} {'sent':>7} {'reqs':>4} {'conns':>5} "
        f"{'span':>6} {'floor':>6} {'polled':>6}"
    )
    for s in steps:
        print(
            f"  {s.name:31} {s.received:9,} {s.sent:7,} {s.requests:4} {s.connections:5} "
            f"{s.span:6.2f} {s.floor:6.2f} {s.seconds:6.2f}"
        )
    total = Total(
        sum(s.received for s in steps),
        sum(s.sent for s in steps),
        sum(s.requests for s in steps),
        sum(s.connections for s in steps),
        sum(s.span for s in steps),
        # the journey's floor: each step's, and the handshake of one connection
        sum(s.floor for s in steps) + spec["latency"] / 1000,
        sum(s.seconds for s in steps),
    )
    print(
        f"  {'total':31} {total.received:9,} {total.sent:7,} {total.requests:4} "
        f"{total.connections:5} {total.span:6.2f} {total.floor:6.2f} {total.polled:6.2f}"
    )
    print(f"  network span / floor: {total.span / total.floor:.2f}")
    return total
