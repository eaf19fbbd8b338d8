#!/usr/bin/python3
"""A scriptable SMTP sink for the end-to-end tests, on aiosmtpd (Debian's python3-aiosmtpd).

Saves every message it accepts as <dir>/<n>.eml (the DATA content exactly as received,
dot-unstuffed) with <n>.env beside it (MAIL FROM and RCPT TO lines) and <n>.session (which
connection carried it, and whether it was inside TLS). --mode picks a behaviour:
accept, tempfail (451 to RCPT), reject (550 to RCPT), slow (30 s before answering the
end of DATA), lagging (1.5 s before accepting at the end of DATA), drop (close the connection
at the end of DATA without answering). Prints "ready" once listening.
Listens only where it is told (loopback addresses in the tests)."""
import argparse
import asyncio
import itertools
import os
import signal
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, mode):
        self.directory = directory
        self.mode = mode
        self.counter = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode == "tempfail":
            return "451 4.3.2 try again later"
        if self.mode == "reject" or address.startswith("reject"):
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.mode == "drop":
            # The content arrived, but the connection ends before any reply.
            server.transport.close()
            return "421 4.4.2 gone"
        if self.mode == "slow":
            await asyncio.sleep(30)
        if self.mode == "lagging":
            # Accepts, but only after a pause: many deliveries are under way at any moment.
            await asyncio.sleep(1.5)
        n = next(self.counter)
        base = os.path.join(self.directory, "%d-%08d" % (os.getpid(), n))  # sorts in arrival order
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".env", "w") as f:
            f.write("MAIL FROM:%s\n" % envelope.mail_from)
            for r in envelope.rcpt_tos:
                f.write("RCPT TO:%s\n" % r)
        with open(base + ".session", "w") as f:
            f.write("SESSION:%d\nTLS:%s\n" % (id(session), "yes" if session.ssl is not None else "no"))
        os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 OK queued"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--mode", default="accept", choices=["accept", "tempfail", "reject", "slow", "lagging", "drop"])
    p.add_argument("--tls-cert", help="offer STARTTLS with this certificate (PEM)")
    p.add_argument("--tls-key", help="and this key (PEM)")
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    tls = None
    if a.tls_cert:
        import ssl
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(a.tls_cert, a.tls_key)
    controller = Controller(Sink(a.dir, a.mode), hostname=a.host, port=a.port,
                            decode_data=False, enable_SMTPUTF8=True, server_hostname="sink.test",
                            tls_context=tls)
    controller.start()
    print("ready", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    main()
