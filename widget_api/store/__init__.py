"""All SQL: the schema and its migrations, and one module per group of tables.

Plain functions over a sqlite-utils Database, with no Flask imports except `app_db` (one
connection per request), so they can be tested and benchmarked alone. Times are ISO 8601 UTC.
"""
