from django.urls import path

from accord.monitoring import views

urlpatterns = [
    path("analysis/", views.analysis_form, name="analysis"),
    path("analysis/runs/<uuid:run_id>/", views.analysis_run, name="analysis_run"),
    path(
        "analysis/runs/<uuid:run_id>/<slug:table>.csv",
        views.analysis_download,
        name="analysis_download",
    ),
]
