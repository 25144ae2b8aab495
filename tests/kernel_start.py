"""Starting a Jupyter kernel while other kernels start and run beside it.

jupyter_client chooses a new kernel's five TCP ports by asking the system for free ones,
releasing them and passing their numbers to the kernel, which binds them a moment later. In
between, another process (the second pytest worker, its kernel, their connections) can take
one of them, and the kernel dies at start with ZMQ's "Address already in use". Measured on a
2-core machine: 1 start in 120 with three processes starting kernels in a loop; CI met it once
in `make test-avx2`, where every cell of notebook 57 errored with "Kernel died before replying
to kernel_info". `start_kernel` starts again on that error only, and otherwise raises with the
end of the kernel's stderr, which nbval and nbclient would send to /dev/null.
"""

import logging
import tempfile

PORT_TAKEN = "Address already in use"
ATTEMPTS = 3
TOOK_A_PORT = "another process took one of its ports"

log = logging.getLogger(__name__)


def start_kernel(start, *, attempts=ATTEMPTS, **kwargs):
    """Return start(stderr=file, **kwargs), calling it again (up to `attempts` calls in all)
    while it raises RuntimeError and the kernel's stderr says a port was taken.

    start: nbval's or nbclient's kernel start, which passes `stderr` on to the kernel process.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, got {attempts!r}")
    for attempt in range(1, attempts + 1):
        # The kernel inherits the file; the parent's copy closes once the start returns.
        with tempfile.TemporaryFile() as stderr:
            try:
                return start(stderr=stderr, **kwargs)
            except RuntimeError as error:
                stderr.seek(0)
                said = stderr.read().decode(errors="replace")
                if PORT_TAKEN in said and attempt < attempts:
                    log.warning(f"kernel start {attempt} of {attempts}: {TOOK_A_PORT}")
                    continue
                raise RuntimeError(f"{error}; the kernel's stderr ends with:\n{said[-3000:]}") \
                    from error
