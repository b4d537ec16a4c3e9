from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "sightline.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
