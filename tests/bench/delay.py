#!/usr/bin/python3
"""delay.py: a TCP proxy for make bench that delays both directions.

Usage: delay.py TARGET-PORT DELAY-MS

Listens on 127.0.0.1 on a port the system picks, prints that port as one
line on stdout, and forwards every connection to 127.0.0.1:TARGET-PORT.
Each chunk read from either side is stamped on arrival and written to the
other side DELAY-MS later, in the order it came; an end of input travels
the same way. So each client flight that waits for the server's answer
costs 2 x DELAY-MS, as on a link with that one-way latency. There is no
bandwidth limit, and TCP's own acknowledgements are neither delayed nor
held back (TCP_QUICKACK): a client that writes a flight in many small
pieces without TCP_NODELAY is not held up by Nagle's algorithm here, so
what is counted is protocol round trips, not TCP timer stalls.

One thread reads and one writes per direction: time.sleep() keeps to a
tenth of a millisecond, where an event loop's timers round to whole ones.
Runs until killed.
"""

import queue
import socket
import sys
import threading
import time


def pump(src, dst, delay):
    """Copies src to dst, each chunk delay seconds after it arrived."""
    chunks = queue.Queue()

    def reader():
        while True:
            try:
                # acknowledge at once, so that a client's Nagle algorithm
                # never waits on a delayed ACK: only data is delayed here
                src.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                data = src.recv(65536)
            except OSError:
                data = b""
            chunks.put((time.monotonic() + delay, data))
            if not data:
                return

    def writer():
        while True:
            due, data = chunks.get()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                if not data:
                    dst.shutdown(socket.SHUT_WR)
                    return
                dst.sendall(data)
            except OSError:
                return

    threads = [threading.Thread(target=reader, daemon=True),
               threading.Thread(target=writer, daemon=True)]
    for t in threads:
        t.start()
    return threads


def serve(client, target, delay):
    try:
        server = socket.create_connection(("127.0.0.1", target))
    except OSError:
        client.close()
        return
    for s in (client, server):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threads = pump(client, server, delay) + pump(server, client, delay)
    for t in threads:
        t.join()
    client.close()
    server.close()


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: delay.py TARGET-PORT DELAY-MS")
    target, delay = int(sys.argv[1]), float(sys.argv[2]) / 1000
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print(listener.getsockname()[1], flush=True)
    while True:
        client, _ = listener.accept()
        threading.Thread(target=serve, args=(client, target, delay),
                         daemon=True).start()


if __name__ == "__main__":
    main()
