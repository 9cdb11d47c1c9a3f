from django.urls import path

from accord.datasets import views

urlpatterns = [
    path("datasets/", views.dataset_list, name="datasets"),
    path("datasets/import/", views.upload, name="dataset_upload"),
    path("datasets/<uuid:dataset_id>/", views.dataset_detail, name="dataset_detail"),
    path("datasets/uploads/<uuid:upload_id>/", views.upload_status, name="dataset_upload_status"),
    path("datasets/uploads/<uuid:upload_id>/columns/", views.upload_map, name="dataset_upload_map"),
]
