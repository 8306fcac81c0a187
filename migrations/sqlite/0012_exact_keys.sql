-- See the MySQL migration of the same number. SQLite compares text as bytes (the BINARY
-- collation) and its foreign keys refused another spelling of a dept_no, so nothing was stored
-- differently; this keeps the two sets of migrations in step.
SELECT 1;
