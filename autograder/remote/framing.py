"""The fork server's message format, spoken by both ends: one JSON object per line on a
unix socket.  It runs in the grader and, as text, in the fork server: no imports of the
grader's, and no ``from __future__`` (its text lands in the middle of the server's source)."""
import json
import socket


def send_message(conn: socket.socket, message: dict) -> None:
    conn.sendall(json.dumps(message).encode() + b"\n")


def read_message(conn: socket.socket) -> dict:
    """The next message; ``ConnectionError`` if the other end closed first.  Never reads past
    the message's end, so ``select`` still reports a next one that arrived with it."""
    line = b""
    while True:
        peeked = conn.recv(65536, socket.MSG_PEEK)
        if not peeked:
            raise ConnectionError("the other end closed the connection")
        end = peeked.find(b"\n")
        line += conn.recv(end + 1 if end >= 0 else len(peeked))
        if end >= 0:
            return json.loads(line)
