"""An MLLP listener (HL7 v2 over TCP) on the practice network: each message is kept and answered.

Framing: <VT> message <FS><CR>. The answer is an ACK (AA) once the message is safely stored,
or a NACK (AE) naming the problem; a duplicate is acknowledged (AA) since the lab may resend.
"""

from __future__ import annotations

import logging
import socketserver

from django.db import close_old_connections, connections

from intramuros.interop.labs.hl7v2 import ack
from intramuros.interop.labs.services import DuplicateMessage, decode, lab_message_receive
from intramuros.interop.models import LabMessageStatus

START, END = b"\x0b", b"\x1c\r"
MAX_FRAME = 2 * 1024 * 1024
log = logging.getLogger("intramuros.mllp")


def handle_frame(frame: bytes) -> bytes:
    raw = decode(frame)
    try:
        message = lab_message_receive(raw=raw, source="mllp")
    except DuplicateMessage:
        return START + ack(raw, accepted=True, text="duplicate").encode() + END
    accepted = message.status != LabMessageStatus.REJECTED
    return START + ack(raw, accepted=accepted, text=message.reason).encode() + END


class MLLPHandler(socketserver.StreamRequestHandler):
    timeout = 60

    def handle(self):
        try:
            self._serve()
        finally:
            connections.close_all()  # this thread's own database connection ends with the lab's connection

    def _serve(self):
        buffer = b""
        while True:
            try:
                chunk = self.request.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            if len(buffer) > MAX_FRAME + 16:
                self.request.sendall(START + ack("", accepted=False, text="message too large").encode() + END)
                return
            while END in buffer:
                frame, buffer = buffer.split(END, 1)
                frame = frame[frame.find(START) + 1:] if START in frame else frame
                close_old_connections()
                try:
                    answer = handle_frame(frame)
                except Exception:  # the connection must be answered whatever happens; the lab will resend
                    log.exception("MLLP message could not be stored")
                    answer = START + ack(decode(frame), accepted=False, text="storage error").encode() + END
                self.request.sendall(answer)


class MLLPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
