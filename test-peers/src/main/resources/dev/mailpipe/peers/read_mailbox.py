#!/usr/bin/python3
"""Reads every message of a mailbox with a real client (Python's imaplib or poplib), without
changing it, and prints each one base64-encoded on its own line. An optional fifth argument is the
loopback address to connect from (another client, to the server); an optional sixth the IMAP folder
(INBOX when absent)."""
import base64
import imaplib
import poplib
import socket
import sys

protocol, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
source = (sys.argv[5], 0) if len(sys.argv) > 5 else None
folder = sys.argv[6] if len(sys.argv) > 6 else "INBOX"


class IMAP(imaplib.IMAP4):
    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout, source_address=source)


class POP3(poplib.POP3):
    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout, source_address=source)


if protocol == "imap":
    m = IMAP("127.0.0.1", port)
    m.login(user, password)
    status, _ = m.select(folder, readonly=True)
    if status != "OK":
        sys.exit("no folder " + folder)
    _, data = m.search(None, "ALL")
    for num in data[0].split():
        _, msg = m.fetch(num, "(BODY.PEEK[])")
        print(base64.b64encode(msg[0][1]).decode())
    m.logout()
else:
    p = POP3("127.0.0.1", port)
    p.user(user)
    p.pass_(password)
    count, _ = p.stat()
    for i in range(1, count + 1):
        _, lines, _ = p.retr(i)
        print(base64.b64encode(b"\r\n".join(lines) + b"\r\n").decode())
    p.rset()
    p.quit()
