"""
The same SimpleJWT server in a few shapes real deployments have, each under /v/<name>/api/:
SimpleJWT's own token classes, views and serializers, subclassed only where SimpleJWT says to
(token class attributes, TokenObtainPairSerializer.get_token). /api/ itself is SimpleJWT untouched.

  long     access tokens live 20 s (refresh-leeway tests)
  profile  get_token() adds claims under names the kit does not guess: display_name, profile.{login,mail,groups}
  wrapped  answers come back as {"data": {"access", "refresh"}} (a dotted refreshKey); requests are
           SimpleJWT's own ({"refresh": …})
  rs       RS256 with ISSUER and AUDIENCE, public key at jwks/ (verify in the browser); typ "JWT"
  rs-typed as rs, but access tokens carry the RFC 9068 header typ "at+jwt"
"""
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Optional

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import (
    TokenBlacklistSerializer,
    TokenObtainPairSerializer,
    TokenRefreshSerializer,
)
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

ISSUER = "https://simplejwt.test"
AUDIENCE = "auth-elements-e2e"
KEY_ID = "e2e-rs256"

_private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_PEM = _private.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
PUBLIC_KEY = _private.public_key()
PUBLIC_PEM = PUBLIC_KEY.public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
).decode()


class TypedTokenBackend(TokenBackend):
    """SimpleJWT's backend, writing a `typ` header (and the key id) into the tokens it signs."""

    def __init__(self, *args, typ: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.typ = typ

    def encode(self, payload):
        claims = dict(payload)
        if self.audience is not None:
            claims["aud"] = self.audience
        if self.issuer is not None:
            claims["iss"] = self.issuer
        return jwt.encode(
            claims,
            self.prepared_signing_key,
            algorithm=self.algorithm,
            headers={"typ": self.typ, "kid": KEY_ID},
        )


def rs_backend(typ: Optional[str] = None) -> TokenBackend:
    args = ("RS256", PRIVATE_PEM, PUBLIC_PEM, AUDIENCE, ISSUER)
    return TypedTokenBackend(*args, typ=typ) if typ else TokenBackend(*args)


@dataclass
class Variant:
    name: str
    access_seconds: int
    backend: Optional[TokenBackend] = None  # None: SimpleJWT's settings (HS256, SECRET_KEY)
    access_backend: Optional[TokenBackend] = None  # None: same as `backend`
    profile_claims: bool = False
    wrap: bool = False
    jwks: bool = False
    classes: dict = field(default_factory=dict)

    def __post_init__(self):
        cls = self.name.title().replace("-", "")
        access_attrs = {"lifetime": timedelta(seconds=self.access_seconds)}
        refresh_attrs = {}
        if self.backend is not None:
            refresh_attrs["_token_backend"] = self.backend
            access_attrs["_token_backend"] = self.access_backend or self.backend
        access = type(f"{cls}AccessToken", (AccessToken,), access_attrs)
        refresh = type(f"{cls}RefreshToken", (RefreshToken,), {**refresh_attrs, "access_token_class": access})
        variant = self

        class Obtain(TokenObtainPairSerializer):
            token_class = refresh

            @classmethod
            def get_token(cls, user):
                token = super().get_token(user)
                if variant.profile_claims:
                    token["display_name"] = f"{user.first_name} {user.last_name}".strip()
                    token["profile"] = {
                        "login": user.username,
                        "mail": user.email,
                        "groups": sorted(user.groups.values_list("name", flat=True)),
                    }
                return token

        class Refresh(TokenRefreshSerializer):
            token_class = refresh

        class Blacklist(TokenBlacklistSerializer):
            token_class = refresh

        class Authentication(JWTAuthentication):
            def get_validated_token(self, raw_token):
                try:
                    return access(raw_token)
                except TokenError as e:
                    raise InvalidToken({"detail": str(e), "token_class": access.__name__}) from e

        self.classes = {
            "access": access,
            "refresh": refresh,
            "obtain": Obtain,
            "refresh_serializer": Refresh,
            "blacklist": Blacklist,
            "authentication": Authentication,
        }


VARIANTS = {
    v.name: v
    for v in [
        Variant("long", 20),
        Variant("profile", 20, profile_claims=True),
        Variant("wrapped", settings.ACCESS_SECONDS, wrap=True),
        Variant("rs", 20, backend=rs_backend(), jwks=True),
        Variant("rs-typed", 20, backend=rs_backend(), access_backend=rs_backend("at+jwt"), jwks=True),
    ]
}
