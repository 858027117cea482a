#!/usr/bin/python3
"""Emit reference KMIP TTLV messages encoded by PyKMIP.

Run with the Debian interpreter (python3-pykmip is installed for it):

    /usr/bin/python3 testdata/pykmip/encode.py

Every message is built from PyKMIP's own classes (kmip.core.messages.*,
payloads, objects, attributes, secrets) and serialised with PyKMIP's
write().  One JSON object per line is written to stdout:

    {"name": "create_request_1.2", "kind": "RequestMessage",
     "version": "1.2", "hex": "42007801..."}

The output is deterministic: fixed timestamps, fixed identifiers and key
bytes derived from fixed seeds (no randomness, no clock).

KMIP 2.0 notes (PyKMIP 0.10.0):
  * Create/Register/CreateKeyPair/Locate requests are written with the 2.0
    Attributes / CommonAttributes / PrivateKeyAttributes /
    PublicKeyAttributes structures (PyKMIP converts its TemplateAttribute
    objects on write).
  * Create, Register and CreateKeyPair *responses* drop the optional
    TemplateAttribute in 2.0 (PyKMIP neither reads nor writes an Attributes
    structure there), so the 2.0 responses carry identifiers only.
  * PyKMIP supports neither VendorAttribute nor Attributes inside KeyValue,
    so none are generated.
  * Entries generated for one version only (get_response_public_key,
    discover_versions_request_empty, mixed_batch_request) are only there to
    keep the count down; PyKMIP could write them in both forms.  Ephemeral and
    ServerHashedPassword are 2.0-only fields.
  * Transparent* key formats (KeyMaterial as a structure) cannot be
    decoded by PyKMIP's KeyValue, so private keys are registered as
    PKCS#1 DER bytes (KeyFormatType PKCS_1).
"""

import hashlib
import json
import sys

from kmip.core import attributes
from kmip.core import enums
from kmip.core import misc
from kmip.core import objects
from kmip.core import secrets
from kmip.core import utils
from kmip.core.factories.attributes import AttributeFactory
from kmip.core.messages import contents
from kmip.core.messages import messages
from kmip.core.messages import payloads

V = enums.KMIPVersion

# 2020-01-01T00:00:00Z and 2020-01-01T00:00:01Z
TS_REQUEST = 1577836800
TS_RESPONSE = 1577836801

AF = AttributeFactory()


# ---------------------------------------------------------------------------
# Deterministic key material (stdlib only).
# ---------------------------------------------------------------------------

def _expand(seed, nbytes):
    out = b""
    counter = 0
    while len(out) < nbytes:
        out += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:nbytes]


_SMALL_PRIMES = [p for p in range(3, 2000)
                 if all(p % d for d in range(2, int(p ** 0.5) + 1))]
# Fixed Miller-Rabin witnesses: the primality test (and therefore the
# generated key) is fully deterministic.
_WITNESSES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47,
              53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109,
              113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173]


def _is_probable_prime(n):
    for p in _SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for a in _WITNESSES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(seed, bits, e):
    n = int.from_bytes(_expand(seed, bits // 8), "big")
    n |= (3 << (bits - 2)) | 1  # top two bits set: p*q has exactly 2*bits
    while True:
        if _is_probable_prime(n) and (n - 1) % e != 0:
            return n
        n += 2


def _der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def _der_int(v):
    b = v.to_bytes(v.bit_length() // 8 + 1, "big")  # keeps sign bit clear
    return b"\x02" + _der_len(len(b)) + b


def _der_seq(items):
    body = b"".join(items)
    return b"\x30" + _der_len(len(body)) + body


def rsa_2048_pkcs1():
    """Return (private PKCS#1 DER, public PKCS#1 DER) of a fixed RSA key."""
    e = 65537
    p = _prime(b"kmipwire-testdata-rsa-p", 1024, e)
    q = _prime(b"kmipwire-testdata-rsa-q", 1024, e)
    if p < q:
        p, q = q, p
    n = p * q
    d = pow(e, -1, (p - 1) * (q - 1))
    priv = _der_seq([_der_int(x) for x in (
        0, n, e, d, p, q, d % (p - 1), d % (q - 1), pow(q, -1, p))])
    pub = _der_seq([_der_int(n), _der_int(e)])
    return priv, pub


AES_KEY = bytes(range(0x00, 0x20))  # 32 bytes, AES-256
RSA_PRIV_DER, RSA_PUB_DER = rsa_2048_pkcs1()


# ---------------------------------------------------------------------------
# Helpers building PyKMIP objects.  Each call returns fresh objects: PyKMIP
# mutates attribute value tags in place when converting TemplateAttribute to
# the 2.0 Attributes structure, so objects must never be shared between
# messages written with different versions.
# ---------------------------------------------------------------------------

def protocol_version(version):
    major, minor = {
        V.KMIP_1_0: (1, 0), V.KMIP_1_1: (1, 1), V.KMIP_1_2: (1, 2),
        V.KMIP_1_3: (1, 3), V.KMIP_1_4: (1, 4), V.KMIP_2_0: (2, 0),
    }[version]
    return contents.ProtocolVersion(major, minor)


def attr(name, value):
    return AF.create_attribute(name, value)


def name_attr(text):
    return AF.create_attribute(enums.AttributeType.NAME, text)


def usage_mask(*flags):
    return attr(enums.AttributeType.CRYPTOGRAPHIC_USAGE_MASK, list(flags))


def aes_template(label):
    return objects.TemplateAttribute(attributes=[
        attr(enums.AttributeType.CRYPTOGRAPHIC_ALGORITHM,
             enums.CryptographicAlgorithm.AES),
        attr(enums.AttributeType.CRYPTOGRAPHIC_LENGTH, 256),
        usage_mask(enums.CryptographicUsageMask.ENCRYPT,
                   enums.CryptographicUsageMask.DECRYPT),
        name_attr(label),
    ])


def symmetric_key():
    return secrets.SymmetricKey(objects.KeyBlock(
        key_format_type=misc.KeyFormatType(enums.KeyFormatType.RAW),
        key_value=objects.KeyValue(objects.KeyMaterial(AES_KEY)),
        cryptographic_algorithm=attributes.CryptographicAlgorithm(
            enums.CryptographicAlgorithm.AES),
        cryptographic_length=attributes.CryptographicLength(256),
    ))


def private_key():
    return secrets.PrivateKey(objects.KeyBlock(
        key_format_type=misc.KeyFormatType(enums.KeyFormatType.PKCS_1),
        key_value=objects.KeyValue(objects.KeyMaterial(RSA_PRIV_DER)),
        cryptographic_algorithm=attributes.CryptographicAlgorithm(
            enums.CryptographicAlgorithm.RSA),
        cryptographic_length=attributes.CryptographicLength(2048),
    ))


def public_key():
    return secrets.PublicKey(objects.KeyBlock(
        key_format_type=misc.KeyFormatType(enums.KeyFormatType.PKCS_1),
        key_value=objects.KeyValue(objects.KeyMaterial(RSA_PUB_DER)),
        cryptographic_algorithm=attributes.CryptographicAlgorithm(
            enums.CryptographicAlgorithm.RSA),
        cryptographic_length=attributes.CryptographicLength(2048),
    ))


def request(version, items, **header):
    hdr = messages.RequestHeader(
        protocol_version=protocol_version(version),
        time_stamp=contents.TimeStamp(TS_REQUEST),
        batch_count=contents.BatchCount(len(items)),
        **header
    )
    return messages.RequestMessage(request_header=hdr, batch_items=items)


def response(version, items, server_hashed_password=None):
    hdr = messages.ResponseHeader(
        protocol_version=protocol_version(version),
        time_stamp=contents.TimeStamp(TS_RESPONSE),
        batch_count=contents.BatchCount(len(items)),
        server_hashed_password=server_hashed_password,
    )
    return messages.ResponseMessage(response_header=hdr, batch_items=items)


def req_item(op, payload, batch_id=None, ephemeral=None):
    return messages.RequestBatchItem(
        operation=contents.Operation(op),
        unique_batch_item_id=(contents.UniqueBatchItemID(batch_id)
                              if batch_id is not None else None),
        request_payload=payload,
        ephemeral=ephemeral,
    )


def resp_item(op, payload, batch_id=None):
    return messages.ResponseBatchItem(
        operation=contents.Operation(op),
        unique_batch_item_id=(contents.UniqueBatchItemID(batch_id)
                              if batch_id is not None else None),
        result_status=contents.ResultStatus(enums.ResultStatus.SUCCESS),
        response_payload=payload,
    )


def failed_item(op, batch_id, reason, text):
    return messages.ResponseBatchItem(
        operation=contents.Operation(op),
        unique_batch_item_id=(contents.UniqueBatchItemID(batch_id)
                              if batch_id is not None else None),
        result_status=contents.ResultStatus(
            enums.ResultStatus.OPERATION_FAILED),
        result_reason=contents.ResultReason(reason),
        result_message=contents.ResultMessage(text),
    )


# ---------------------------------------------------------------------------
# Message builders.  Each takes the KMIPVersion and returns a message object.
# ---------------------------------------------------------------------------

UID_AES = "1f165d65-cbbd-4bd6-9867-80e0b390acf9"
UID_PRIV = "7a9c2f00-3c4e-4b7d-8f1e-0d2a6b5c4e31"
UID_PUB = "7a9c2f00-3c4e-4b7d-8f1e-0d2a6b5c4e32"
UID_REG_AES = "0b8a4e7c-1d2e-4f60-9a1b-2c3d4e5f6a7b"
UID_REG_PRIV = "0b8a4e7c-1d2e-4f60-9a1b-2c3d4e5f6a7c"
UID_MISSING = "00000000-0000-0000-0000-000000000000"


def create_request(v):
    return request(v, [req_item(
        enums.Operation.CREATE,
        payloads.CreateRequestPayload(
            object_type=enums.ObjectType.SYMMETRIC_KEY,
            template_attribute=aes_template("kmipwire-aes-256"),
        ))])


def create_response(v):
    # The TemplateAttribute (server-set attributes) is only written for 1.x.
    ta = None
    if v < V.KMIP_2_0:
        ta = objects.TemplateAttribute(attributes=[
            attr(enums.AttributeType.UNIQUE_IDENTIFIER, UID_AES),
        ])
    return response(v, [resp_item(
        enums.Operation.CREATE,
        payloads.CreateResponsePayload(
            object_type=enums.ObjectType.SYMMETRIC_KEY,
            unique_identifier=UID_AES,
            template_attribute=ta,
        ))])


def create_key_pair_request(v):
    common = objects.CommonTemplateAttribute(attributes=[
        attr(enums.AttributeType.CRYPTOGRAPHIC_ALGORITHM,
             enums.CryptographicAlgorithm.RSA),
        attr(enums.AttributeType.CRYPTOGRAPHIC_LENGTH, 2048),
    ])
    priv = objects.PrivateKeyTemplateAttribute(attributes=[
        name_attr("kmipwire-rsa-private"),
        usage_mask(enums.CryptographicUsageMask.SIGN),
    ])
    pub = objects.PublicKeyTemplateAttribute(attributes=[
        name_attr("kmipwire-rsa-public"),
        usage_mask(enums.CryptographicUsageMask.VERIFY),
    ])
    return request(v, [req_item(
        enums.Operation.CREATE_KEY_PAIR,
        payloads.CreateKeyPairRequestPayload(
            common_template_attribute=common,
            private_key_template_attribute=priv,
            public_key_template_attribute=pub,
        ))])


def create_key_pair_response(v):
    priv_ta = pub_ta = None
    if v < V.KMIP_2_0:
        priv_ta = objects.PrivateKeyTemplateAttribute(attributes=[
            attr(enums.AttributeType.STATE, enums.State.PRE_ACTIVE),
        ])
        pub_ta = objects.PublicKeyTemplateAttribute(attributes=[
            attr(enums.AttributeType.STATE, enums.State.PRE_ACTIVE),
        ])
    return response(v, [resp_item(
        enums.Operation.CREATE_KEY_PAIR,
        payloads.CreateKeyPairResponsePayload(
            private_key_unique_identifier=UID_PRIV,
            public_key_unique_identifier=UID_PUB,
            private_key_template_attribute=priv_ta,
            public_key_template_attribute=pub_ta,
        ))])


def register_symmetric_key_request(v):
    return request(v, [req_item(
        enums.Operation.REGISTER,
        payloads.RegisterRequestPayload(
            object_type=enums.ObjectType.SYMMETRIC_KEY,
            template_attribute=objects.TemplateAttribute(attributes=[
                usage_mask(enums.CryptographicUsageMask.ENCRYPT,
                           enums.CryptographicUsageMask.DECRYPT),
                name_attr("kmipwire-registered-aes"),
            ]),
            managed_object=symmetric_key(),
        ))])


def register_private_key_request(v):
    return request(v, [req_item(
        enums.Operation.REGISTER,
        payloads.RegisterRequestPayload(
            object_type=enums.ObjectType.PRIVATE_KEY,
            template_attribute=objects.TemplateAttribute(attributes=[
                usage_mask(enums.CryptographicUsageMask.SIGN),
                name_attr("kmipwire-registered-rsa"),
                attr(enums.AttributeType.OBJECT_GROUP, "kmipwire"),
            ]),
            managed_object=private_key(),
        ))])


def register_response(v):
    ta = None
    if v < V.KMIP_2_0:
        ta = objects.TemplateAttribute(attributes=[
            attr(enums.AttributeType.STATE, enums.State.PRE_ACTIVE),
        ])
    return response(v, [resp_item(
        enums.Operation.REGISTER,
        payloads.RegisterResponsePayload(
            unique_identifier=UID_REG_AES,
            template_attribute=ta,
        ))])


def get_request(v):
    return request(v, [req_item(
        enums.Operation.GET,
        payloads.GetRequestPayload(
            unique_identifier=UID_AES,
            key_format_type=enums.KeyFormatType.RAW,
        ))])


def get_response_symmetric_key(v):
    return response(v, [resp_item(
        enums.Operation.GET,
        payloads.GetResponsePayload(
            object_type=enums.ObjectType.SYMMETRIC_KEY,
            unique_identifier=UID_AES,
            secret=symmetric_key(),
        ))])


def get_response_private_key(v):
    return response(v, [resp_item(
        enums.Operation.GET,
        payloads.GetResponsePayload(
            object_type=enums.ObjectType.PRIVATE_KEY,
            unique_identifier=UID_PRIV,
            secret=private_key(),
        ))])


def get_response_public_key(v):
    return response(v, [resp_item(
        enums.Operation.GET,
        payloads.GetResponsePayload(
            object_type=enums.ObjectType.PUBLIC_KEY,
            unique_identifier=UID_PUB,
            secret=public_key(),
        ))])


def locate_request(v):
    return request(v, [req_item(
        enums.Operation.LOCATE,
        payloads.LocateRequestPayload(
            maximum_items=10,
            attributes=[
                attr(enums.AttributeType.OBJECT_TYPE,
                     enums.ObjectType.SYMMETRIC_KEY),
                attr(enums.AttributeType.CRYPTOGRAPHIC_ALGORITHM,
                     enums.CryptographicAlgorithm.AES),
                name_attr("kmipwire-aes-256"),
            ],
        ))])


def locate_response(v):
    return response(v, [resp_item(
        enums.Operation.LOCATE,
        payloads.LocateResponsePayload(
            located_items=2,
            unique_identifiers=[UID_AES, UID_REG_AES],
        ))])


def destroy_request(v):
    return request(v, [req_item(
        enums.Operation.DESTROY,
        payloads.DestroyRequestPayload(
            unique_identifier=attributes.UniqueIdentifier(UID_AES),
        ))])


def destroy_response(v):
    return response(v, [resp_item(
        enums.Operation.DESTROY,
        payloads.DestroyResponsePayload(
            unique_identifier=attributes.UniqueIdentifier(UID_AES),
        ))])


def query_request(v):
    return request(v, [req_item(
        enums.Operation.QUERY,
        payloads.QueryRequestPayload(query_functions=[
            enums.QueryFunction.QUERY_OPERATIONS,
            enums.QueryFunction.QUERY_OBJECTS,
            enums.QueryFunction.QUERY_SERVER_INFORMATION,
        ]))])


def query_response(v):
    return response(v, [resp_item(
        enums.Operation.QUERY,
        payloads.QueryResponsePayload(
            operations=[
                enums.Operation.CREATE,
                enums.Operation.CREATE_KEY_PAIR,
                enums.Operation.REGISTER,
                enums.Operation.LOCATE,
                enums.Operation.GET,
                enums.Operation.DESTROY,
                enums.Operation.QUERY,
                enums.Operation.DISCOVER_VERSIONS,
            ],
            object_types=[
                enums.ObjectType.SYMMETRIC_KEY,
                enums.ObjectType.PUBLIC_KEY,
                enums.ObjectType.PRIVATE_KEY,
            ],
            vendor_identification="kmipwire test vendor",
        ))])


def discover_versions_request(v):
    return request(v, [req_item(
        enums.Operation.DISCOVER_VERSIONS,
        payloads.DiscoverVersionsRequestPayload(protocol_versions=[
            contents.ProtocolVersion(2, 0),
            contents.ProtocolVersion(1, 4),
            contents.ProtocolVersion(1, 2),
        ]))])


def discover_versions_request_empty(v):
    return request(v, [req_item(
        enums.Operation.DISCOVER_VERSIONS,
        payloads.DiscoverVersionsRequestPayload())])


def discover_versions_response(v):
    return response(v, [resp_item(
        enums.Operation.DISCOVER_VERSIONS,
        payloads.DiscoverVersionsResponsePayload(protocol_versions=[
            contents.ProtocolVersion(2, 0),
            contents.ProtocolVersion(1, 4),
            contents.ProtocolVersion(1, 3),
            contents.ProtocolVersion(1, 2),
        ]))])


def get_batch_request(v):
    return request(
        v,
        [
            req_item(enums.Operation.GET,
                     payloads.GetRequestPayload(unique_identifier=uid),
                     batch_id=bytes([0x01, i]))
            for i, uid in enumerate([UID_AES, UID_PRIV, UID_MISSING], 1)
        ],
        batch_error_cont_option=contents.BatchErrorContinuationOption(
            enums.BatchErrorContinuationOption.CONTINUE),
        batch_order_option=contents.BatchOrderOption(True),
    )


def get_batch_response(v):
    return response(v, [
        resp_item(enums.Operation.GET,
                  payloads.GetResponsePayload(
                      object_type=enums.ObjectType.SYMMETRIC_KEY,
                      unique_identifier=UID_AES,
                      secret=symmetric_key()),
                  batch_id=b"\x01\x01"),
        resp_item(enums.Operation.GET,
                  payloads.GetResponsePayload(
                      object_type=enums.ObjectType.PRIVATE_KEY,
                      unique_identifier=UID_PRIV,
                      secret=private_key()),
                  batch_id=b"\x01\x02"),
        failed_item(enums.Operation.GET, b"\x01\x03",
                    enums.ResultReason.ITEM_NOT_FOUND,
                    "Object " + UID_MISSING + " not found"),
    ])


def get_response_failed(v):
    return response(v, [failed_item(
        enums.Operation.GET, None, enums.ResultReason.ITEM_NOT_FOUND,
        "Could not locate object: " + UID_MISSING)])


def mixed_batch_request(v):
    # Create + Locate + Destroy in one message, with a header carrying
    # MaximumResponseSize, AsynchronousIndicator and Authentication.
    cred = objects.Credential(
        credential_type=enums.CredentialType.USERNAME_AND_PASSWORD,
        credential_value=objects.UsernamePasswordCredential(
            username="alice", password="s3cret-passw0rd"),
    )
    items = [
        req_item(enums.Operation.CREATE,
                 payloads.CreateRequestPayload(
                     object_type=enums.ObjectType.SYMMETRIC_KEY,
                     template_attribute=aes_template("kmipwire-batch")),
                 batch_id=b"\xa1"),
        req_item(enums.Operation.LOCATE,
                 payloads.LocateRequestPayload(
                     maximum_items=1,
                     attributes=[name_attr("kmipwire-batch")]),
                 batch_id=b"\xa2"),
        req_item(enums.Operation.DESTROY,
                 payloads.DestroyRequestPayload(
                     unique_identifier=attributes.UniqueIdentifier(UID_AES)),
                 batch_id=b"\xa3"),
    ]
    return request(
        v, items,
        maximum_response_size=contents.MaximumResponseSize(1048576),
        asynchronous_indicator=contents.AsynchronousIndicator(False),
        authentication=contents.Authentication(credentials=[cred]),
        batch_error_cont_option=contents.BatchErrorContinuationOption(
            enums.BatchErrorContinuationOption.STOP),
    )


def get_request_ephemeral(v):
    # Ephemeral (request batch item) only exists in KMIP 2.0.
    return request(v, [req_item(
        enums.Operation.GET,
        payloads.GetRequestPayload(unique_identifier=UID_AES),
        batch_id=b"\x00\x00\x00\x2a",
        ephemeral=True,
    )])


def discover_versions_response_hashed_password(v):
    # ServerHashedPassword (response header) only exists in KMIP 2.0.
    msg = discover_versions_response(v)
    msg.response_header.server_hashed_password = hashlib.sha256(
        b"kmipwire").digest()
    return msg


# name, builder, versions
CATALOG = [
    ("create_request", create_request, "both"),
    ("create_response", create_response, "both"),
    ("create_key_pair_request", create_key_pair_request, "both"),
    ("create_key_pair_response", create_key_pair_response, "both"),
    ("register_symmetric_key_request", register_symmetric_key_request,
     "both"),
    ("register_private_key_request", register_private_key_request, "both"),
    ("register_response", register_response, "both"),
    ("get_request", get_request, "both"),
    ("get_response_symmetric_key", get_response_symmetric_key, "both"),
    ("get_response_private_key", get_response_private_key, "both"),
    ("get_response_public_key", get_response_public_key, "1"),
    ("locate_request", locate_request, "both"),
    ("locate_response", locate_response, "both"),
    ("destroy_request", destroy_request, "both"),
    ("destroy_response", destroy_response, "both"),
    ("query_request", query_request, "both"),
    ("query_response", query_response, "both"),
    ("discover_versions_request", discover_versions_request, "both"),
    ("discover_versions_request_empty", discover_versions_request_empty,
     "1"),
    ("discover_versions_response", discover_versions_response, "both"),
    ("get_batch_request", get_batch_request, "both"),
    ("get_batch_response", get_batch_response, "both"),
    ("get_response_failed", get_response_failed, "both"),
    ("mixed_batch_request", mixed_batch_request, "1.4"),
    ("get_request_ephemeral", get_request_ephemeral, "2"),
    ("discover_versions_response_hashed_password",
     discover_versions_response_hashed_password, "2"),
]

VERSIONS = {
    "both": [V.KMIP_1_2, V.KMIP_2_0],
    "1": [V.KMIP_1_2],
    "1.4": [V.KMIP_1_4],
    "2": [V.KMIP_2_0],
}


def encode(msg, version):
    stream = utils.BytearrayStream()
    msg.write(stream, kmip_version=version)
    return bytes(stream.buffer)


def main():
    out = sys.stdout
    for base, build, which in CATALOG:
        for version in VERSIONS[which]:
            msg = build(version)
            kind = type(msg).__name__
            vtext = "{:.1f}".format(version.value)
            out.write(json.dumps({
                "name": "{}_{}".format(base, vtext),
                "kind": kind,
                "version": vtext,
                "hex": encode(msg, version).hex(),
            }) + "\n")


if __name__ == "__main__":
    try:
        main()
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. "encode.py | head"
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
