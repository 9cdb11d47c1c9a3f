from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "accord.casework"
    label = "casework"
    verbose_name = "Casework"
