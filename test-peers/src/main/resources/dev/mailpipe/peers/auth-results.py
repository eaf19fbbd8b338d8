#!/usr/bin/python3
"""python3-authheaders' verdict on the message on stdin, as an Authentication-Results field.

Usage: auth-results.py <authserv-id> <client ip> <mail from> <helo>. SPF, DKIM and DMARC are
looked up through the system resolver: run it where /etc/resolv.conf names a server on loopback."""
import sys

import authheaders

authserv, ip, mail_from, helo = sys.argv[1:5]
message = sys.stdin.buffer.read()
print(authheaders.authenticate_message(message, authserv, ip=ip, mail_from=mail_from, helo=helo,
                                       spf=True, dkim=True, dmarc=True))
