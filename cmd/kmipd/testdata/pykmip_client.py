"""Drive kmipd with PyKMIP 0.10's ProxyKmipClient over TLS.

usage: /usr/bin/python3 pykmip_client.py HOST PORT CA [CERT KEY] [VERSION]

Runs create, register, get, get_attributes, locate, activate, revoke,
destroy, encrypt, decrypt, sign, signature_verify and mac, one step after
the other, checking the cryptographic results independently with the
cryptography package (the registered AES key's ciphertext, the HMAC of a
registered key, the RSA signature under the public key from get), and prints one JSON object per step on stdout:
{"op": "create", "ok": true, "detail": "..."} or {"op": ..., "ok": false,
"error": "..."}. A failed step does not stop the others (later steps that
need its result are reported as skipped). Exit status 0 unless the client
cannot even connect.
"""
import hashlib
import hmac
import json
import logging
import sys
import traceback

from cryptography.hazmat.primitives import hashes, padding as sym_padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kmip import enums
from kmip.core.factories import attributes as attr_factory
from kmip.pie import client as pie_client
from kmip.pie import objects

logging.disable(logging.CRITICAL)


def _der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def _pkcs1_to_spki(der):
    """Wraps a PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo."""
    alg = bytes.fromhex("300d06092a864886f70d0101010500")
    bit = b"\x03" + _der_len(len(der) + 1) + b"\x00" + der
    body = alg + bit
    return b"\x30" + _der_len(len(body)) + body


def main():
    host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    cert = key = None
    if len(sys.argv) >= 6:
        cert, key = sys.argv[4] or None, sys.argv[5] or None
    version = enums.KMIPVersion.KMIP_1_2
    if len(sys.argv) >= 7:
        version = getattr(enums.KMIPVersion, "KMIP_" + sys.argv[6].replace(".", "_"))
    c = pie_client.ProxyKmipClient(
        hostname=host, port=port, cert=cert, key=key, ca=ca,
        config_file="/dev/null", kmip_version=version)
    state = {}

    def step(op, fn, needs=()):
        missing = [n for n in needs if n not in state]
        if missing:
            print(json.dumps({"op": op, "ok": False, "skipped": True,
                              "error": "skipped: needs " + ", ".join(missing)}), flush=True)
            return
        try:
            detail = fn()
            print(json.dumps({"op": op, "ok": True, "detail": str(detail)[:300]}), flush=True)
        except Exception as e:  # report and go on
            msg = "%s: %s" % (type(e).__name__, e)
            print(json.dumps({"op": op, "ok": False, "error": msg[:2000],
                              "trace": traceback.format_exc()[-1500:]}), flush=True)

    c.open()
    try:
        def create():
            state["aes"] = c.create(
                enums.CryptographicAlgorithm.AES, 256, name="kmipd-pykmip-aes",
                cryptographic_usage_mask=[enums.CryptographicUsageMask.ENCRYPT,
                                          enums.CryptographicUsageMask.DECRYPT])
            return state["aes"]
        step("create", create)

        def register():
            key = objects.SymmetricKey(
                enums.CryptographicAlgorithm.AES, 128, bytes(range(16)),
                [enums.CryptographicUsageMask.ENCRYPT, enums.CryptographicUsageMask.DECRYPT],
                name="kmipd-pykmip-registered")
            state["reg"] = c.register(key)
            return state["reg"]
        step("register", register)

        def get():
            obj = c.get(state["reg"])
            if bytes(obj.value) != bytes(range(16)):
                raise AssertionError("get returned key bytes %s" % bytes(obj.value).hex())
            return "%s %s" % (type(obj).__name__, bytes(obj.value).hex())
        step("get", get, ["reg"])

        def get_attributes():
            uid, attrs = c.get_attributes(state["aes"], ["Cryptographic Algorithm", "Cryptographic Length"])
            got = {a.attribute_name.value: a.attribute_value for a in attrs}
            alg = got.get("Cryptographic Algorithm")
            length = got.get("Cryptographic Length")
            if uid != state["aes"] or alg is None or alg.value != enums.CryptographicAlgorithm.AES \
                    or length is None or length.value != 256:
                raise AssertionError("get_attributes: uid %s, attributes %s" % (uid, got))
            return "%s %s" % (uid, {k: str(v) for k, v in got.items()})
        step("get_attributes", get_attributes, ["aes"])

        def locate():
            af = attr_factory.AttributeFactory()
            uids = c.locate(attributes=[af.create_attribute(enums.AttributeType.NAME, "kmipd-pykmip-aes")])
            if uids != [state["aes"]]:
                raise AssertionError("locate by name: %s, want [%s]" % (uids, state["aes"]))
            return uids
        step("locate", locate, ["aes"])

        def activate():
            c.activate(state["aes"])
            state["active"] = True
        step("activate", activate, ["aes"])

        def encrypt():
            params = {"block_cipher_mode": enums.BlockCipherMode.CBC,
                      "padding_method": enums.PaddingMethod.PKCS5,
                      "cryptographic_algorithm": enums.CryptographicAlgorithm.AES}
            ct, iv = c.encrypt(b"attack at dawn, kmipwire", uid=state["aes"],
                               cryptographic_parameters=params, iv_counter_nonce=bytes(16))
            state["ct"] = (ct, iv if iv is not None else bytes(16), params)
            return ct.hex()
        step("encrypt", encrypt, ["active"])

        def decrypt():
            ct, iv, params = state["ct"]
            pt = c.decrypt(ct, uid=state["aes"], cryptographic_parameters=params, iv_counter_nonce=iv)
            if pt != b"attack at dawn, kmipwire":
                raise AssertionError("decrypt gave %r" % pt)
            return pt
        step("decrypt", decrypt, ["ct"])

        def encrypt_known_key():
            c.activate(state["reg"])
            params = {"block_cipher_mode": enums.BlockCipherMode.CBC,
                      "padding_method": enums.PaddingMethod.PKCS5,
                      "cryptographic_algorithm": enums.CryptographicAlgorithm.AES}
            pt = b"known key, known answer"
            ct, _ = c.encrypt(pt, uid=state["reg"], cryptographic_parameters=params,
                              iv_counter_nonce=bytes(16))
            padder = sym_padding.PKCS7(128).padder()
            enc = Cipher(algorithms.AES(bytes(range(16))), modes.CBC(bytes(16))).encryptor()
            want = enc.update(padder.update(pt) + padder.finalize()) + enc.finalize()
            if ct != want:
                raise AssertionError("AES-128-CBC ciphertext %s, want %s" % (ct.hex(), want.hex()))
            return ct.hex()
        step("encrypt_known_key", encrypt_known_key, ["reg"])

        def create_key_pair():
            pub, priv = c.create_key_pair(
                enums.CryptographicAlgorithm.RSA, 2048,
                public_usage_mask=[enums.CryptographicUsageMask.VERIFY],
                private_usage_mask=[enums.CryptographicUsageMask.SIGN])
            state["pub"], state["priv"] = pub, priv
            c.activate(priv)
            c.activate(pub)
            return "%s %s" % (pub, priv)
        step("create_key_pair", create_key_pair)

        sig_params = {"cryptographic_algorithm": enums.CryptographicAlgorithm.RSA,
                      "hashing_algorithm": enums.HashingAlgorithm.SHA_256,
                      "padding_method": enums.PaddingMethod.PKCS1v15}

        def sign():
            state["sig"] = c.sign(b"signed by kmipd", uid=state["priv"], cryptographic_parameters=sig_params)
            pub = c.get(state["pub"])
            der = bytes(pub.value)
            try:
                key = serialization.load_der_public_key(der)
            except ValueError:
                key = serialization.load_der_public_key(_pkcs1_to_spki(der))
            key.verify(state["sig"], b"signed by kmipd", asym_padding.PKCS1v15(), hashes.SHA256())
            return state["sig"].hex()[:64] + "… (verified with cryptography)"
        step("sign", sign, ["priv"])

        def signature_verify():
            v = c.signature_verify(b"signed by kmipd", state["sig"], uid=state["pub"],
                                   cryptographic_parameters=sig_params)
            if v != enums.ValidityIndicator.VALID:
                raise AssertionError("signature_verify: %s" % v)
            bad = c.signature_verify(b"not signed by kmipd", state["sig"], uid=state["pub"],
                                     cryptographic_parameters=sig_params)
            if bad != enums.ValidityIndicator.INVALID:
                raise AssertionError("signature_verify of another message: %s" % bad)
            return v
        step("signature_verify", signature_verify, ["sig", "pub"])

        def mac():
            secret = bytes(range(32, 64))
            key = objects.SymmetricKey(
                enums.CryptographicAlgorithm.HMAC_SHA256, 256, secret,
                [enums.CryptographicUsageMask.MAC_GENERATE])
            uid = c.register(key)
            c.activate(uid)
            got_uid, m = c.mac(b"authenticate me", uid=uid, algorithm=enums.CryptographicAlgorithm.HMAC_SHA256)
            want = hmac.new(secret, b"authenticate me", hashlib.sha256).digest()
            if got_uid != uid or m != want:
                raise AssertionError("mac: uid %s, %s, want %s" % (got_uid, m.hex(), want.hex()))
            return m.hex()
        step("mac", mac)

        def revoke():
            c.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, state["aes"])
            state["revoked"] = True
        step("revoke", revoke, ["active"])

        def destroy():
            c.destroy(state["aes"])
            try:
                c.get(state["aes"])
            except Exception:
                return "destroyed; get fails"
            raise AssertionError("get after destroy succeeded")
        step("destroy", destroy, ["revoked"])
    finally:
        c.close()


if __name__ == "__main__":
    main()
