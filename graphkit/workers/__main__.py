"""A query worker process, started by :meth:`graphkit.workers.WorkerPool.start`:
``python -m graphkit.workers FD MEMORY_LIMIT``."""

from __future__ import annotations

import socket
import sys

from graphkit.workers.pool import worker_main

if __name__ == "__main__":
    worker_main(socket.socket(fileno=int(sys.argv[1])), int(sys.argv[2]) or None)
