import mimetypes
from pathlib import Path

from django.conf import settings
from django.http import Http404, JsonResponse
from django.views.static import serve
from jwt.algorithms import RSAAlgorithm
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.views import TokenViewBase

from .middleware import request_counts
from .variants import KEY_ID, PUBLIC_KEY, VARIANTS

mimetypes.add_type("text/javascript", ".js")


def user_json(user):
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
    }


class MeView(APIView):
    """GET /api/me/: who the Bearer access token belongs to (IsAuthenticated)."""

    permission_classes = [IsAuthenticated]

    def get(self, request, variant=None):
        return Response(user_json(request.user))


class VariantMeView(MeView):
    """/v/<variant>/api/me/: accepts that variant's access tokens only."""

    def get_authenticators(self):
        return [_variant(self.kwargs)["authentication"]()]


def _variant(kwargs):
    variant = VARIANTS.get(kwargs.get("variant"))
    if variant is None:
        raise Http404("no such variant")
    return variant.classes


class VariantTokenView(TokenViewBase):
    """Obtain, refresh or blacklist with the variant's SimpleJWT serializer (TokenViewBase's own post)."""

    serializer_key = ""

    def get_serializer_class(self):
        return _variant(self.kwargs)[self.serializer_key]

    def post(self, request, variant):
        # The wrapped variant wraps its answers only; requests are SimpleJWT's own ({"refresh": …}).
        wrap = VARIANTS[variant].wrap if variant in VARIANTS else False
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as e:
            raise InvalidToken(e.args[0]) from e
        body = serializer.validated_data
        return Response({"data": body} if wrap else body, status=status.HTTP_200_OK)


class JwksView(APIView):
    """The RS256 variants' public key as a JWK Set."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request, variant):
        if variant not in VARIANTS or not VARIANTS[variant].jwks:
            raise Http404("no such variant")
        jwk = RSAAlgorithm.to_jwk(PUBLIC_KEY, as_dict=True)
        return Response({"keys": [{**jwk, "use": "sig", "alg": "RS256", "kid": KEY_ID}]})


def counts(request):
    """GET /_test/requests/: how many requests each method+path got (test bookkeeping, not an API)."""
    return JsonResponse(request_counts())


def health(request):
    return JsonResponse({"ok": True})


def dist(request, path):
    return serve(request, path, document_root=settings.DIST_DIR)


def page(request, path):
    for directory in settings.PAGES_DIRS:
        if (Path(directory) / path).is_file():
            return serve(request, path, document_root=directory)
    raise Http404("no such page")
