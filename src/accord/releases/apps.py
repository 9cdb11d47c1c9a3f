from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "accord.releases"
    label = "releases"
    verbose_name = "Releases"
