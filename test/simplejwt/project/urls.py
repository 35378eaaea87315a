from django.urls import path, re_path
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
    TokenVerifyView,
)

from api import views

urlpatterns = [
    # SimpleJWT exactly as its documentation wires it.
    path("api/token/", TokenObtainPairView.as_view()),
    path("api/token/refresh/", TokenRefreshView.as_view()),
    path("api/token/verify/", TokenVerifyView.as_view()),
    path("api/token/blacklist/", TokenBlacklistView.as_view()),
    path("api/me/", views.MeView.as_view()),
    # The same server in other shapes (api/variants.py).
    path("v/<str:variant>/api/token/", views.VariantTokenView.as_view(serializer_key="obtain")),
    path("v/<str:variant>/api/token/refresh/", views.VariantTokenView.as_view(serializer_key="refresh_serializer")),
    path("v/<str:variant>/api/token/blacklist/", views.VariantTokenView.as_view(serializer_key="blacklist")),
    path("v/<str:variant>/api/me/", views.VariantMeView.as_view()),
    path("v/<str:variant>/api/jwks/", views.JwksView.as_view()),
    # Test plumbing: the built bundle and the pages, same origin as the API.
    path("_test/requests/", views.counts),
    path("_test/health/", views.health),
    re_path(r"^dist/(?P<path>.+)$", views.dist),
    re_path(r"^(?P<path>[\w.-]+\.html)$", views.page),
]
