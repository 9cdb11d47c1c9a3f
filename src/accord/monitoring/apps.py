from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "accord.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring"
