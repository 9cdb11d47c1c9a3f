from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "accord.datasets"
    label = "datasets"
    verbose_name = "Datasets"
