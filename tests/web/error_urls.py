"""The real URLs plus one public view that fails, for the error-page tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from accord.policy.views import public
from accord.urls import urlpatterns as real_patterns


@public
def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret detail: case WQY-Y4P3")


urlpatterns = [*real_patterns, path("broken/", broken, name="broken")]
handler500 = "accord.web.errors.server_error"
