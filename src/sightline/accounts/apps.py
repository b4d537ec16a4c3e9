from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sightline.accounts"
    label = "accounts"
    verbose_name = "Accounts"
