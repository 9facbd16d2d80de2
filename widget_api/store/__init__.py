"""All SQL: the schema and its migrations, and one module per group of tables.

Plain functions over a sqlite-utils Database, with no Flask imports except `app_db` (one
connection per request), so they can be tested and benchmarked alone. Times are ISO 8601 UTC.
`sqlite.connect` opens every connection the project makes (the same pragmas everywhere).

Rows are read as dicts through sqlite-utils: `db.table(name).rows_where(...)` for one table,
`db.query(sql)` for joins, aggregates and the reads the widget polls (it does not look the
table up first). Single rows off the hot paths are written with `db.table(name).insert(row)`.
Raw SQL stays where it is clearer or cheaper: conditional UPDATEs checked by their row count
(claims, the outbox, the daily job), `BEGIN IMMEDIATE` transactions (`sqlite.write_transaction`,
never `db.atomic()`'s deferred BEGIN), the migrations, keyset paging, upserts that add to a
count, and the INSERTs of a handoff and of the ask path, where sqlite-utils' insert would cost
three times the statement.
"""
