from django.apps import AppConfig


class EiaConfig(AppConfig):
    name = "accord.eia"
    label = "eia"
    verbose_name = "Equality impact assessments"
