"""Email routes: the signed-in user's address (set, remove), the confirmation link, and the
one-click unsubscribe (RFC 8058) that works without signing in.

The two link routes are opened from a mail: GET answers a small HTML page (no script, so it
works under the app's CSP); the unsubscribe page's button POSTs back to the same URL, which is
also what a mail provider's one-click POST (`List-Unsubscribe=One-Click`) does. A GET never
changes anything, so a link scanner prefetching the URL unsubscribes nobody. POST answers
JSON, or the HTML page when a browser submitted the form.
"""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from notification_center.api.deps import ApiError, require_user
from notification_center.api.email_bodies import EmailAddressBody, EmailAddressRequest, UnsubscribedBody
from notification_center.api.model_body import model_body
from notification_center.api.spec import ApiRoute, Operation, Param, Reply
from notification_center.mail import addresses, unsubscribe

_TOKEN = (Param("token", "query", {"type": "string"}, "the signed token from the mail's link", required=True),)
_STYLE = "font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1f2328"


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f'<body style="{_STYLE}"><h1>{escape(title)}</h1>{body}<p><a href="/">Open the inbox</a></p></body></html>'
    )
    return HTMLResponse(html, status_code=status)


async def set_address(request: Request) -> Response:
    user = await require_user(request)
    body = await model_body(request, EmailAddressRequest)
    try:
        answer = await addresses.request_async(user_id=user.id, address=body.email)
    except addresses.AddressError as exc:
        if exc.retry_after is not None:
            headers = {"Retry-After": str(exc.retry_after)}
            raise ApiError(
                exc.status, exc.message, headers=headers, field=exc.field, retryAfter=exc.retry_after
            ) from None
        raise ApiError(exc.status, exc.message, field=exc.field) from None
    return JSONResponse(answer, status_code=202 if answer["emailPending"] else 200)


async def remove_address(request: Request) -> Response:
    user = await require_user(request)
    return JSONResponse(await addresses.remove_async(user_id=user.id))


async def confirm(request: Request) -> Response:
    confirmed = await addresses.confirm_async(request.query_params.get("token", ""))
    if confirmed is None:
        body = "<p>This confirmation link is not valid: it has expired, was replaced by a newer one, or is damaged.</p>"
        return _page("Link not valid", body, 400)
    address = escape(confirmed["email"] or "")
    body = f'<p data-testid="email-confirmed">Notifications can now be sent to {address}.</p>'
    return _page("Address confirmed", body)


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


async def unsubscribe_page(request: Request) -> Response:
    token = request.query_params.get("token", "")
    found = await unsubscribe.describe_async(token)
    if found is None:
        return _page("Link not valid", "<p>This unsubscribe link is not valid.</p>", 400)
    names = escape(", ".join(found))
    form = (
        f"<p>Stop email for: {names}?</p>"
        f'<form method="post" action="/api/email/unsubscribe?token={escape(token, quote=True)}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Unsubscribe</button></form>'
    )
    return _page("Unsubscribe", form)


async def unsubscribe_now(request: Request) -> Response:
    done = await unsubscribe.apply_async(request.query_params.get("token", ""))
    if done is None:
        if _wants_html(request):
            return _page("Link not valid", "<p>This unsubscribe link is not valid.</p>", 400)
        raise ApiError(400, "token: not a valid unsubscribe token", field="token")
    if _wants_html(request):
        names = escape(", ".join(done["unsubscribed"]) or "nothing")
        kept = ""
        if done["kept"]:
            kept = f"<p>Critical categories keep sending email: {escape(', '.join(done['kept']))}.</p>"
        return _page("Unsubscribed", f"<p>No more email for: {names}.</p>{kept}")
    return JSONResponse(done)


_HTML = "text/html"
routes = [
    ApiRoute(
        "/api/email/address",
        set_address,
        "PUT",
        Operation(
            "Set or change this user's email address: a confirmation link is mailed to it",
            "email",
            (
                Reply(200, "it is the confirmed address already; nothing mailed", EmailAddressBody),
                Reply(202, "kept as pending; the confirmation link was mailed", EmailAddressBody),
                Reply(409, "this server sends no email (NC_SMTP_URL is not set)"),
                Reply(422, "not an email address; `field` names it"),
                Reply(
                    429, "too many address changes by this user (NC_EMAIL_CONFIRM_RATE_LIMIT)", headers=("Retry-After",)
                ),
                Reply(502, "the SMTP server refused the confirmation mail; the address stays pending"),
            ),
            auth="user",
            body=EmailAddressRequest,
        ),
    ),
    ApiRoute(
        "/api/email/address",
        remove_address,
        "DELETE",
        Operation(
            "Remove this user's email address (confirmed and pending): no more mail",
            "email",
            (Reply(200, "removed", EmailAddressBody),),
            auth="user",
        ),
    ),
    ApiRoute(
        "/api/email/confirm",
        confirm,
        "GET",
        Operation(
            "Open the confirmation link from the mail: the pending address becomes the confirmed one",
            "email",
            (
                Reply(200, "confirmed (an HTML page)", None, _HTML),
                Reply(400, "a forged, expired or replaced link (an HTML page)", None, _HTML),
            ),
            params=_TOKEN,
        ),
    ),
    ApiRoute(
        "/api/email/unsubscribe",
        unsubscribe_page,
        "GET",
        Operation(
            "The List-Unsubscribe link opened in a browser: a page with an Unsubscribe button (changes nothing)",
            "email",
            (
                Reply(200, "the page", None, _HTML),
                Reply(400, "a forged or damaged token (an HTML page)", None, _HTML),
            ),
            params=_TOKEN,
        ),
    ),
    ApiRoute(
        "/api/email/unsubscribe",
        unsubscribe_now,
        "POST",
        Operation(
            "One-click unsubscribe (RFC 8058), no sign-in: the token's categories stop sending email",
            "email",
            (
                Reply(200, "email is off for those categories (HTML when a browser's form sent it)", UnsubscribedBody),
                Reply(400, "a forged or damaged token; `field` is token"),
            ),
            params=_TOKEN,
            description="The body (`List-Unsubscribe=One-Click`, form-encoded) is not needed and not read.",
        ),
    ),
]
