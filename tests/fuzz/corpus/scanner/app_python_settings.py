"""Django settings for the acme-shop storefront.

Test corpus for leakhound: every credential in this file is fake, generated at random.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "^p@684t_c^#l-njekwpl*1i+ohk77u&i7ju#4#_^wi5v#zlv^r"
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = ["shop.acme-shop.internal", "localhost"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("DB_NAME", "shop"),
        "USER": os.environ.get("DB_USER", "shop_app"),
        "PASSWORD": os.environ["DB_PASSWORD"],
        "HOST": os.environ.get("DB_HOST", "localhost"),
        "PORT": 5432,
    }
}

# TODO(ops): move to the secret store before the next release.
GITHUB_TOKEN = "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"
STRIPE_WEBHOOK_SECRET = "whsec_viw7zKk0SlY68P57gFWX6Ei2eFSkW9s5"
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")

EMAIL_URL = "smtps://alerts:rNdrxCkRVGIQRhA0ethT@smtp.mailgun.org:465"
CELERY_BROKER_URL = "amqps://celery:ZaJBsGylZTWlznwdAD@rabbit.acme-shop.internal:5671/shop"
CELERY_RESULT_BACKEND = os.environ.get("REDIS_URL", "redis://localhost:6379/1")

# Local admin for the dev container only.
DEV_ADMIN_PASSWORD = "changeme"

AWS_STORAGE_BUCKET_NAME = "acme-shop-media"
MEDIA_URL = "https://acme-shop-media.s3.eu-west-1.amazonaws.com/"
