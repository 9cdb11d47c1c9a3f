from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "accord.web"
    label = "web"
    verbose_name = "Web shell"

    def ready(self) -> None:
        from accord.web import checks  # noqa: F401
