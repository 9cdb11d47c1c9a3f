"""A URL conf for the zone tests: the real one plus probe views behind each marker."""

from accord.urls import urlpatterns as real_patterns
from tests.web.test_view_markers import zone_urlpatterns

urlpatterns = [*real_patterns, *zone_urlpatterns]
