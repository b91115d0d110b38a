"""A real SMTP server for tests (aiosmtpd on 127.0.0.1, a free port), and the mails it received.

The fixture ``mailbox`` points the app's MAIL_SERVER/MAIL_PORT at it and stops it after the
test; ``mailbox.down()`` stops it mid-test (SMTP unreachable), ``mailbox.up()`` starts it again
on the same port.
"""
from __future__ import annotations

import email
import socket
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.controller import Controller


class _Collector:
    def __init__(self, into: list):
        self.into = into

    async def handle_DATA(self, server, session, envelope):
        self.into.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"


class Mailbox:
    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.port = 0
        self._controller: Controller | None = None

    def up(self) -> None:
        # aiosmtpd 1.4's start() checks the server by connecting to the port it was given, so
        # port=0 cannot be used as is: take a free port from the system first.
        if not self.port:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
        self._controller = Controller(_Collector(self.messages), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def down(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def text(message: EmailMessage) -> str:
        return message.get_body(("plain",)).get_content()

    @staticmethod
    def html(message: EmailMessage) -> str:
        return message.get_body(("html",)).get_content()


@pytest.fixture
def mailbox(app):
    box = Mailbox()
    box.up()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=box.port, MAIL_FROM="pilotflow@example.gov.cn",
                      BASE_URL="https://pilot.example.gov.cn")
    try:
        yield box
    finally:
        box.down()
