"""Request and answer bodies of the email routes (api/email_routes.py), for validation and the
OpenAPI document."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EmailAddressRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    email: str = Field(min_length=1, max_length=254, description="the address to confirm (name@example.com)")


class EmailAddressBody(BaseModel):
    email: str | None = Field(description="the address on file: the one awaiting confirmation, else the confirmed one")
    emailVerified: bool = Field(description="whether `email` is confirmed (only confirmed addresses get mail)")
    emailPending: str | None = Field(description="an address waiting for its confirmation link to be opened")


class UnsubscribedBody(BaseModel):
    unsubscribed: list[str] = Field(description="the categories whose email is now off")
    kept: list[str] = Field(description="critical categories named by the link: their email cannot be turned off")
