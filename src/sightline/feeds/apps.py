from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "sightline.feeds"
    label = "feeds"
    verbose_name = "Feeds"
