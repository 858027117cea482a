"""One client's steps against kmipd with PyKMIP 0.10's ProxyKmipClient.

usage: /usr/bin/python3 pykmip_access.py HOST PORT CA CERT KEY STEP...

Each STEP is "create" (an AES-256 key), "locate" (every object),
"get=ID", "activate=ID" or "destroy=ID"; each prints one JSON object on
stdout: {"step": "get=...", "ok": true, "result": ...} or {"step": ...,
"ok": false, "reason": "PERMISSION_DENIED", "error": "..."}. A failed step
does not stop the others. Exit status 0 unless the client cannot connect.
"""
import json
import logging
import sys

from kmip import enums
from kmip.core import exceptions as kmip_exceptions
from kmip.pie import client as pie_client
from kmip.pie import exceptions as pie_exceptions

logging.disable(logging.CRITICAL)


def main():
    host, port, ca, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    c = pie_client.ProxyKmipClient(hostname=host, port=port, cert=cert, key=key, ca=ca,
                                   config_file="/dev/null", kmip_version=enums.KMIPVersion.KMIP_1_2)
    c.open()
    try:
        for s in sys.argv[6:]:
            op, _, arg = s.partition("=")
            try:
                if op == "create":
                    result = c.create(enums.CryptographicAlgorithm.AES, 256)
                elif op == "locate":
                    result = c.locate()
                elif op == "get":
                    result = bytes(c.get(arg).value).hex()
                elif op == "activate":
                    result = c.activate(arg)
                elif op == "destroy":
                    result = c.destroy(arg)
                else:
                    raise ValueError("unknown step " + s)
                print(json.dumps({"step": s, "ok": True, "result": result}), flush=True)
            except (pie_exceptions.KmipOperationFailure, kmip_exceptions.KmipError) as e:
                reason = getattr(e, "reason", None)
                print(json.dumps({"step": s, "ok": False, "reason": getattr(reason, "name", str(reason)),
                                  "error": str(e)[:500]}), flush=True)
    finally:
        c.close()


if __name__ == "__main__":
    main()
