"""tests/kernel_start.py: a kernel that dies because another process took one of its ports is
started again; any other failure raises at once, with the kernel's stderr."""

import socket

import pytest
from jupyter_client import KernelManager

from kernel_start import PORT_TAKEN, TOOK_A_PORT, start_kernel


def failing_start(said, failures):
    """A kernel start that writes `said` to the kernel's stderr and raises, `failures` times;
    then it returns the number of calls."""
    calls = []

    def start(stderr, **kwargs):
        calls.append(kwargs)
        if len(calls) <= failures:
            stderr.write(said.encode())
            raise RuntimeError("Kernel died before replying to kernel_info")
        return len(calls)

    return start, calls


def test_a_taken_port_is_tried_again(caplog):
    start, calls = failing_start(f"zmq.error.ZMQError: {PORT_TAKEN} (addr='tcp://…')", 2)
    assert start_kernel(start, kernel_name="python3") == 3
    assert calls == [{"kernel_name": "python3"}] * 3
    assert caplog.text.count(TOOK_A_PORT) == 2


def test_other_failures_raise_at_once_with_the_kernels_stderr():
    start, calls = failing_start("ModuleNotFoundError: No module named 'ipykernel'", 1)
    with pytest.raises(RuntimeError, match="(?s)kernel_info.*No module named 'ipykernel'"):
        start_kernel(start)
    assert len(calls) == 1


def test_the_attempts_are_bounded():
    start, calls = failing_start(PORT_TAKEN, 5)
    with pytest.raises(RuntimeError, match=PORT_TAKEN):
        start_kernel(start, attempts=3)
    assert len(calls) == 3
    with pytest.raises(ValueError, match="attempts must be at least 1, got 0"):
        start_kernel(start, attempts=0)


def test_a_real_kernel_whose_port_is_taken_starts_on_new_ports():
    """The first kernel is told to use a port this test holds: it dies with ZMQ's error, and
    the second start, on free ports, gives a kernel that answers."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        managers = []

        def start(stderr):
            manager = KernelManager(kernel_name="python3")
            if not managers:
                manager.cache_ports = False  # else jupyter_client picks every port itself
                manager.shell_port = taken
            managers.append(manager)
            manager.start_kernel(stderr=stderr)
            client = manager.client()
            client.start_channels()
            try:
                client.wait_for_ready(timeout=60)
            except RuntimeError:
                client.stop_channels()
                manager.shutdown_kernel(now=True)
                raise
            return manager, client

        manager, client = start_kernel(start)
    try:
        assert len(managers) == 2
        assert manager.shell_port != taken
        reply = client.execute_interactive("6 * 7", timeout=30)
        assert reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
