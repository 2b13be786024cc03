"""Where pyvirt-pki reads and writes: libvirt's places, or one directory (``--dir``).

libvirt's places are the system's (``/etc/pki/CA/cacert.pem``, ``/etc/pki/libvirt/...``) for
root, and ``~/.pki/libvirt/`` for a user's client certificate; one directory holds the files
under the names ``pkipath=`` expects (``cacert.pem``, ``cacrl.pem``, ``clientcert.pem``,
``clientkey.pem``, ``servercert.pem``, ``serverkey.pem``).  The CA's private key and the join tokens, which
libvirt has no place for, sit beside the CA certificate: ``/etc/pki/CA/private/cakey.pem``
and ``/etc/pki/CA/private/pyvirt-join-tokens.json``, or ``cakey.pem`` and
``join-tokens.json`` in the directory.  The daemon finds them from its CA certificate's path
the same way (:func:`layout_for_ca`).
"""

from __future__ import annotations

import os

from pyvirt._record import record
from pyvirt.rpc._tls import (
    CA_CERT,
    CA_CRL,
    CLIENT_CERT,
    CLIENT_KEY,
    SERVER_CERT,
    SERVER_KEY,
    user_pki_dir,
)


@record
class Layout:
    """The files of one PKI."""

    cacert: str
    cakey: str
    cacrl: str
    servercert: str
    serverkey: str
    clientcert: str
    clientkey: str
    tokens: str


def directory_layout(path: str) -> Layout:
    """Every file in *path*, named as ``pkipath=`` expects."""
    j = os.path.join
    return Layout(
        j(path, "cacert.pem"),
        j(path, "cakey.pem"),
        j(path, "cacrl.pem"),
        j(path, "servercert.pem"),
        j(path, "serverkey.pem"),
        j(path, "clientcert.pem"),
        j(path, "clientkey.pem"),
        j(path, "join-tokens.json"),
    )


def system_layout() -> Layout:
    return Layout(
        CA_CERT,
        "/etc/pki/CA/private/cakey.pem",
        CA_CRL,
        SERVER_CERT,
        SERVER_KEY,
        CLIENT_CERT,
        CLIENT_KEY,
        "/etc/pki/CA/private/pyvirt-join-tokens.json",
    )


def default_layout(directory: str | None, *, client: bool = False) -> Layout:
    """*directory* when given; else the system places for root, and for a user's client
    files ``~/.pki/libvirt`` (where libvirt's client looks first)."""
    if directory:
        return directory_layout(directory)
    if client and os.geteuid() != 0:
        return directory_layout(user_pki_dir())
    return system_layout()


def layout_for_ca(cacert: str) -> Layout:
    """The layout a CA certificate at *cacert* belongs to (the daemon's way to find the CA
    key and the join tokens)."""
    if os.path.abspath(cacert) == CA_CERT:
        return system_layout()
    return directory_layout(os.path.dirname(os.path.abspath(cacert)))
