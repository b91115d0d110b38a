"""The migrations build the indexes the models declare — the same names on the same columns, in
order (the lists' query plans depend on them: docs/performance.md) — and no index the models
have dropped."""
import sqlalchemy as sa

from app.extensions import db


def test_the_migrated_database_has_exactly_the_models_indexes(app):
    inspector = sa.inspect(db.engine)
    for table in db.metadata.sorted_tables:
        declared = {i.name: [c.name for c in i.columns] for i in table.indexes}
        present = {i["name"]: i["column_names"] for i in inspector.get_indexes(table.name)
                   if i["name"] in declared or i["name"].startswith("ix_")}
        assert present == declared, table.name
