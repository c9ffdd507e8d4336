"""One TLS context per process, shared by every HTTP client the package makes.

Building a context loads the whole CA bundle: about 20 ms, once per client when
each builds its own. A batch makes clients for the price, the balance and its
workers, a ``run`` one for the API and one for the files; they all trust the
same roots. The context is built on first use; afterwards httpcore only sets
the same ALPN protocols on it for each connection, as it did on a context one
client shared between threads. It follows ``SSL_CERT_FILE`` and
``SSL_CERT_DIR`` as httpx does: a change of either builds a new one.
"""

from __future__ import annotations

import functools
import os
import ssl

import httpx

__all__ = ["shared_tls_context"]


def shared_tls_context() -> ssl.SSLContext:
    """httpx's default context (its CA bundle, ``SSL_CERT_FILE``/``SSL_CERT_DIR``), built once."""
    return _context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=4)
def _context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    # The arguments only key the cache: httpx reads the same variables itself.
    del cert_file, cert_dir
    return httpx.create_ssl_context()
