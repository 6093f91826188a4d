"""Running the server: stdio for a host that spawns it, Streamable HTTP for one that connects.

HTTP binds to loopback unless told otherwise, and every request's Host and Origin
headers must name this server (421 and 403 otherwise, from the SDK's middleware), so a
web page cannot reach it through DNS rebinding. Binding elsewhere exposes the
repository's artifacts and checks to the network, so it takes an explicit flag.
"""

from __future__ import annotations

import ipaddress
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from mcp.server.transport_security import TransportSecuritySettings

from codecot_mcp.errors import InvalidInputError

Transport = Literal["stdio", "http"]

HTTP_PATH = "/mcp"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")

log = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def http_security(host: str, extra_hosts: Sequence[str] = ()) -> TransportSecuritySettings:
    """Hosts and origins a request may name: loopback, the bound address, and any named extra."""
    bound = f"[{host}]" if ":" in host and not host.startswith("[") else host
    names = list(dict.fromkeys([*LOOPBACK_NAMES, bound, *extra_hosts]))
    if "0.0.0.0" in names or "[::]" in names:  # noqa: S104 (wildcard names are removed here, never bound)
        names = [n for n in names if n not in ("0.0.0.0", "[::]")]  # noqa: S104 (wildcard names are removed here, never bound)
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{n}:*" for n in names],
        allowed_origins=[f"{scheme}://{n}:*" for n in names for scheme in ("http", "https")],
    )


def serve(
    root: Path,
    transport: Transport = "stdio",
    host: str = "127.0.0.1",
    port: int = 8000,
    allow_remote: bool = False,
    allowed_hosts: Sequence[str] = (),
) -> None:
    """Serve until the host closes stdio or the HTTP server is stopped."""
    if transport == "http" and not is_loopback(host) and not allow_remote:
        raise InvalidInputError(
            f"refusing to bind to non-loopback address {host}",
            hint="pass --allow-remote if the repository may be reached from the network",
        )
    from codecot_mcp.server.app import build_server

    server = build_server(root)
    if transport == "stdio":
        server.run("stdio")
        return
    if not is_loopback(host):
        log.warning(
            "serving %s on %s:%d: anyone who can reach this address can read the artifacts and run "
            "the configured checks",
            root,
            host,
            port,
        )
    print(f"codecot-mcp: serving Streamable HTTP on http://{host}:{port}{HTTP_PATH}", file=sys.stderr)
    server.run(
        "streamable-http",
        host=host,
        port=port,
        streamable_http_path=HTTP_PATH,
        transport_security=http_security(host, allowed_hosts),
    )
