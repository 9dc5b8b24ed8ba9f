"""A TCP relay that can hold every byte: an enforcer that hangs, as its clients see it
(test/integration/enforcers/harness.ts has its TypeScript twin, TcpRelay.pause)."""

from __future__ import annotations

import socket
import threading


class FreezingRelay:
    """A TCP relay to the real enforcer that can stop passing bytes on, both ways, while
    keeping every connection open: an enforcer that hangs, as a client sees it."""

    def __init__(self, upstream: str) -> None:
        host, port = upstream.rsplit(":", 1)
        self._upstream = (host, int(port))
        self._server = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self._server.getsockname()[1]}"
        self.frozen = threading.Event()
        self._sockets: list[socket.socket] = [self._server]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._upstream)
            self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if self.frozen.is_set():
                    continue  # swallowed: the peer waits for an answer that never comes
                sink.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        for s in self._sockets:
            s.close()
