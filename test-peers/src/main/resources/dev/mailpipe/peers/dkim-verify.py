#!/usr/bin/python3
"""Verifies every DKIM-Signature of the message on stdin with python3-dkim (dkimpy).

Key records come from the zone files named on the command line (TXT records under
<selector>._domainkey.<domain>), not from the network: one line per signature on stdout,
"<d> <s> pass" or "<d> <s> fail", and exit status 0 only when every signature passes."""
import re
import sys

import dkim


def records(paths):
    txt = {}
    for path in paths:
        text = open(path).read()
        origin = ""
        for m in re.finditer(r'^\$ORIGIN\s+(\S+)', text, re.M):
            origin = m.group(1)
        # name IN TXT ( "a" "b" ) or name IN TXT "a" "b", possibly over several lines.
        for m in re.finditer(r'^(\S+)\s+(?:\d+\s+)?IN\s+TXT\s+\(?((?:\s*"[^"]*")+)\s*\)?', text, re.M):
            name = m.group(1)
            if not name.endswith("."):
                name = name + "." + origin
            txt[name.lower().rstrip(".")] = "".join(re.findall(r'"([^"]*)"', m.group(2))).encode()
    return txt


def main():
    txt = records(sys.argv[1:])
    message = sys.stdin.buffer.read()
    d = dkim.DKIM(message)
    signatures = [v for k, v in d.headers if k.lower() == b"dkim-signature"]
    if not signatures:
        print("no DKIM-Signature")
        return 1
    ok = True
    for i, sig in enumerate(signatures):
        tags = dict(t.strip().split("=", 1) for t in re.sub(r"\s+", "", sig.decode()).split(";") if "=" in t)
        verified = d.verify(idx=i, dnsfunc=lambda name, timeout=5: txt.get(name.decode().lower().rstrip("."), b""))
        print(tags.get("d"), tags.get("s"), "pass" if verified else "fail")
        ok = ok and verified
    return 0 if ok else 1


sys.exit(main())
