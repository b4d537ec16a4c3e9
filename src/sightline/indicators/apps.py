from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "sightline.indicators"
    label = "indicators"
    verbose_name = "Indicators"
