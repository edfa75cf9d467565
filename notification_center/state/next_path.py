"""Where to go after sign-in: a path on this origin, decided once, on the server.

`next` comes from the URL, so an attacker chooses it. Browsers and routers keep
normalising a URL after any check on its raw text: they drop tabs and newlines, read "\\"
as "/", resolve "." and ".." segments (also written "%2e"), and some decode "%2f". Each of
those can turn "/<something>/evil.example" into "//evil.example", a link to another host.
So the path is first decoded and normalised the way the most generous reader would, and
only that normalised form (re-encoded, with no empty segments) is ever used. What cannot
be read unambiguously falls back to "/".
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit

HOME = "/"
MAX_LENGTH = 2048
_DECODE_ROUNDS = 4  # "%252e" is "%2e" is "."; text still changing after this is refused
_PATH_SAFE = "/!$&'()*+,;=:@-._~"
_QUERY_SAFE = _PATH_SAFE + "?%"


def _is_plain(text: str) -> bool:
    """No control characters, spaces or backslashes: nothing a browser would rewrite."""
    return not any(ch <= " " or ch == "\x7f" or ch == "\\" for ch in text)


def _decode(path: str) -> str | None:
    for _ in range(_DECODE_ROUNDS):
        decoded = unquote(path)
        if decoded == path:
            return path
        path = decoded
    return None


def _normalise(path: str) -> str:
    """Dot segments resolved and empty segments dropped, so no "//" can remain."""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    trailing = path.endswith(("/", "/.", "/..")) and bool(segments)
    return "/" + "/".join(segments) + ("/" if trailing else "")


def safe_next(raw: str | None) -> str:
    """A path (with query and fragment) on this origin to go to after sign-in, else "/"."""
    if not raw or len(raw) > MAX_LENGTH or not raw.startswith("/") or not _is_plain(raw):
        return HOME
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return HOME
    decoded = _decode(parts.path)
    if decoded is None or not _is_plain(decoded):
        return HOME
    try:
        target = quote(_normalise(decoded), safe=_PATH_SAFE)
        if parts.query:
            target += "?" + quote(parts.query, safe=_QUERY_SAFE)
        if parts.fragment:
            target += "#" + quote(parts.fragment, safe=_QUERY_SAFE)
    except UnicodeError:  # lone surrogates cannot be encoded
        return HOME
    # By construction; checked again because this is the one property that matters.
    if not target.startswith("/") or target.startswith("//"):
        return HOME
    return target
