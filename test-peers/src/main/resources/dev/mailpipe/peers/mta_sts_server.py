#!/usr/bin/python3
"""An HTTPS server for MTA-STS policies (RFC 8461 3.3) on loopback: GET /.well-known/mta-sts.txt
answers the policy file named after the request's Host (<dir>/<host>.txt) as text/plain, 404 when
there is none; a file <dir>/<host>.endless is sent again and again without end (a hostile server).
Prints "ready" once it listens."""
import argparse
import http.server
import os
import ssl
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--host", required=True)
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--dir", required=True)
parser.add_argument("--cert", required=True)
parser.add_argument("--key", required=True)
args = parser.parse_args()


class Policy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        path = os.path.join(args.dir, host + ".txt")
        endless = os.path.join(args.dir, host + ".endless")
        if self.path == "/.well-known/mta-sts.txt" and os.path.exists(endless):
            chunk = open(endless, "rb").read() * 1000
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            try:
                while True:
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                return
        if self.path != "/.well-known/mta-sts.txt" or not os.path.exists(path):
            self.send_error(404)
            return
        body = open(path, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *a):
        sys.stdout.write("%s %s\n" % (self.headers.get("Host"), fmt % a))
        sys.stdout.flush()


server = http.server.ThreadingHTTPServer((args.host, args.port), Policy)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(args.cert, args.key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print("ready", flush=True)
server.serve_forever()
