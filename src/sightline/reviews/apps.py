from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "sightline.reviews"
    label = "reviews"
    verbose_name = "Reviews"
