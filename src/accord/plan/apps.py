from django.apps import AppConfig


class PlanConfig(AppConfig):
    name = "accord.plan"
    label = "plan"
    verbose_name = "Action plan"
