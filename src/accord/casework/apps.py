from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "accord.casework"
    label = "casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        from accord.casework import checks  # noqa: F401 - registers the system checks
