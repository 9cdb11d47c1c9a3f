"""A URL conf with one view nobody marked, for the start-up refusal test."""

from accord.urls import urlpatterns as real_patterns
from tests.web.test_view_markers import unmarked_urlpatterns

urlpatterns = [*real_patterns, *unmarked_urlpatterns]
