from django.urls import path

from accord.monitoring import before_after_views, release_views, training_views, views

urlpatterns = [
    path("analysis/", views.analysis_form, name="analysis"),
    path("analysis/runs/<uuid:run_id>/", views.analysis_run, name="analysis_run"),
    path(
        "analysis/runs/<uuid:run_id>/<slug:table>.csv",
        views.analysis_download,
        name="analysis_download",
    ),
    path("analysis/before-after/", before_after_views.before_after_page, name="before_after"),
    path("analysis/before-after.csv", before_after_views.before_after_csv, name="before_after_csv"),
    path("training/", training_views.training_coverage, name="training"),
    path(
        "training/<uuid:dataset_id>.csv",
        training_views.training_coverage_csv,
        name="training_csv",
    ),
    path("releases/", release_views.release_list, name="releases"),
    path("releases/receive/", release_views.release_receive, name="release_receive"),
    path("releases/<uuid:uid>/", release_views.release_detail, name="release_detail"),
    path(
        "releases/<uuid:uid>/<slug:table>.csv",
        release_views.release_table_csv,
        name="release_table_csv",
    ),
    path("public/releases/", release_views.public_releases, name="public_releases"),
    path("public/releases/<uuid:uid>/", release_views.public_release, name="public_release"),
]
