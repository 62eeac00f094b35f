"""SMTP delivery (concierge/mail/transport.py): a worker keeps its connection between messages,
and starts a new one when the server has closed it, after any failure, or when it is stale."""

from __future__ import annotations

import os
from email.message import EmailMessage

import pytest

from concierge.mail import transport
from concierge.mail.transport import PermanentSendError, send_smtp
from tests.conftest import SmtpRecorder, free_port
from workers import runner


def message(n: int) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "concierge@mentoring.example"
    msg["To"] = f"p{n}@example.org"
    msg["Subject"] = f"Message {n}"
    msg.set_content("Hello")
    return msg


@pytest.fixture
def server():
    """Start (and restart, on the same port) a real SMTP server on loopback."""
    from aiosmtpd.controller import Controller

    port = free_port()
    recorder = SmtpRecorder()
    running: list[Controller] = []

    def start() -> None:
        controller = Controller(recorder, hostname="127.0.0.1", port=port)
        controller.start()
        running.append(controller)

    def stop() -> None:
        running.pop().stop()

    start()
    recorder.url = f"smtp://127.0.0.1:{port}"
    recorder.start, recorder.stop = start, stop
    transport.close_kept()
    try:
        yield recorder
    finally:
        transport.close_kept()
        while running:
            stop()


def connections(recorder: SmtpRecorder) -> int:
    return len(set(recorder.peers))


def test_messages_in_a_row_share_one_connection(server):
    for n in range(5):
        send_smtp(server.url, message(n), "bounce@mentoring.example")
    assert len(server.messages) == 5
    assert connections(server) == 1


def test_a_process_the_worker_forks_starts_without_its_connection(server):
    send_smtp(server.url, message(1), "bounce@mentoring.example")
    runner._keep_smtp_for_this_process()  # as make_worker does
    child = os.fork()
    if child == 0:  # RQ's scheduler, say: it must never write on the worker's SMTP session
        os._exit(0 if transport._kept.connection is None else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    send_smtp(server.url, message(2), "bounce@mentoring.example")
    assert len(server.messages) == 2
    assert connections(server) == 1  # the worker's own session goes on


def test_a_connection_the_server_closed_is_replaced_without_an_error(server):
    send_smtp(server.url, message(1), "bounce@mentoring.example")
    server.stop()  # the server goes away between messages (a restart, its idle timeout)
    server.start()
    send_smtp(server.url, message(2), "bounce@mentoring.example")
    assert len(server.messages) == 2
    assert connections(server) == 2


def test_after_a_refusal_the_next_message_starts_on_a_new_connection(server):
    send_smtp(server.url, message(1), "bounce@mentoring.example")
    server.refuse_with = "550 5.1.1 No such user"
    with pytest.raises(PermanentSendError, match="550"):
        send_smtp(server.url, message(2), "bounce@mentoring.example")
    server.refuse_with = None
    send_smtp(server.url, message(3), "bounce@mentoring.example")
    assert connections(server) == 2


def test_a_stale_or_much_used_connection_is_replaced(server, monkeypatch):
    monkeypatch.setattr(transport, "KEEP_MESSAGES", 2)
    for n in range(5):
        send_smtp(server.url, message(n), "bounce@mentoring.example")
    assert connections(server) == 3  # 2 + 2 + 1
    monkeypatch.setattr(transport, "KEEP_IDLE_SECONDS", 0.0)  # every connection is already idle too long
    send_smtp(server.url, message(5), "bounce@mentoring.example")
    send_smtp(server.url, message(6), "bounce@mentoring.example")
    assert connections(server) == 5


def test_another_server_gets_its_own_connection(server):
    from aiosmtpd.controller import Controller

    other = SmtpRecorder()
    port = free_port()
    controller = Controller(other, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        send_smtp(server.url, message(1), "bounce@mentoring.example")
        send_smtp(f"smtp://127.0.0.1:{port}", message(2), "bounce@mentoring.example")
        send_smtp(server.url, message(3), "bounce@mentoring.example")
    finally:
        controller.stop()
    assert len(other.messages) == 1 and len(server.messages) == 2


class CountingQuits(SmtpRecorder):
    quits = 0

    async def handle_QUIT(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.quits += 1
        return "221 Bye"


def test_closing_says_goodbye_only_to_a_server_still_there():
    from aiosmtpd.controller import Controller

    recorder = CountingQuits()
    port = free_port()
    url = f"smtp://127.0.0.1:{port}"
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        send_smtp(url, message(1), "bounce@mentoring.example")
        transport.close_kept()
        transport.close_kept()  # nothing kept: nothing to do
        assert recorder.quits == 1
        send_smtp(url, message(2), "bounce@mentoring.example")
    finally:
        controller.stop()
    transport.close_kept()  # the server has gone: closed without waiting on a QUIT
    assert recorder.quits == 1 and len(set(recorder.peers)) == 2
