"""Database engines for reporting jobs. Test corpus: credentials are fake."""
from pymongo import MongoClient
from sqlalchemy import create_engine

# Read replica of the legacy shop database.
legacy = create_engine(
    "mysql+pymysql://reporting:nQzcx9kabMdj0v7aJb2S@mysql-replica.acme-shop.internal:3306/legacy_shop",
    pool_pre_ping=True,
)

# Unit tests run against the throwaway container from docker-compose.test.yml.
test_engine = create_engine("postgresql://postgres:postgres@localhost:5432/shop_test")

events = MongoClient(
    "mongodb+srv://events-writer:GunBzw0QGO8tM1Ne@cluster0.k3v9q.mongodb.net/events?retryWrites=true&w=majority"
)


def get_engine(url: str):
    """url comes from DATABASE_URL, e.g. postgresql://user:${DB_PASSWORD}@host/db."""
    return create_engine(url)
