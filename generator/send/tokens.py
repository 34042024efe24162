"""Signed tokens in links: unsubscribe (never expires), confirm (expires), form protection.

HMAC-signed with RUNDBRIEF_SECRET (itsdangerous); each purpose has its own salt, so a
token made for one purpose is worthless for another. The bounce token of a return path
(generator.send.bounces) is an HMAC of its own: lower-case hex, because mail servers may change
the case of a local part, and short, because a local part has at most 64 characters.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

CONFIRM_MAX_AGE = 7 * 24 * 3600
FORM_MAX_AGE = 3600


class TokenError(Exception):
    pass


def secret_from_environment() -> str:
    secret = os.environ.get("RUNDBRIEF_SECRET", "")
    if len(secret) < 16:
        raise TokenError("RUNDBRIEF_SECRET must be set to a random secret of at least 16 characters")
    return secret


class Tokens:
    def __init__(self, secret: str) -> None:
        self._unsubscribe = URLSafeSerializer(secret, salt="rundbrief-unsubscribe")
        self._confirm = URLSafeTimedSerializer(secret, salt="rundbrief-confirm")
        self._form = URLSafeTimedSerializer(secret, salt="rundbrief-form")
        self._bounce = hashlib.sha256(b"rundbrief-bounce\0" + secret.encode("utf-8")).digest()

    def send_code(self, slug: str) -> str:
        """Eight hex digits naming a send in a return path (the slug may be long)."""
        return hmac.new(self._bounce, b"send\0" + slug.encode("utf-8"), hashlib.sha256).hexdigest()[:8]

    def bounce_mac(self, slug: str, subscriber_id: int) -> str:
        """The proof that rundbrief sent ``slug`` to ``subscriber_id`` (48 bits, compared in constant time)."""
        data = b"bounce\0" + slug.encode("utf-8") + b"\0" + str(subscriber_id).encode("ascii")
        return hmac.new(self._bounce, data, hashlib.sha256).hexdigest()[:12]

    def check_bounce(self, slug: str, subscriber_id: int, mac: str) -> bool:
        return hmac.compare_digest(self.bounce_mac(slug, subscriber_id), mac.lower())

    def unsubscribe(self, subscriber_id: int) -> str:
        return self._unsubscribe.dumps(subscriber_id)

    def read_unsubscribe(self, token: str) -> int:
        try:
            value = self._unsubscribe.loads(token)
        except BadSignature as err:
            raise TokenError("invalid") from err
        if not isinstance(value, int):
            raise TokenError("invalid")
        return value

    def confirm(self, subscriber_id: int) -> str:
        return self._confirm.dumps(subscriber_id)

    def read_confirm(self, token: str) -> int:
        try:
            value = self._confirm.loads(token, max_age=CONFIRM_MAX_AGE)
        except SignatureExpired as err:
            raise TokenError("expired") from err
        except BadSignature as err:
            raise TokenError("invalid") from err
        if not isinstance(value, int):
            raise TokenError("invalid")
        return value

    def form(self, purpose: str, token: str) -> str:
        """A form field tying a POST to the page that showed it (cross-site posts fail)."""
        return self._form.dumps([purpose, token])

    def check_form(self, purpose: str, token: str, value: str) -> bool:
        try:
            return bool(self._form.loads(value, max_age=FORM_MAX_AGE) == [purpose, token])
        except BadSignature:
            return False
