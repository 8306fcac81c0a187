-- Keys compared as they are sent or as test_db keeps them, not by the table's case-insensitive
-- collation.

-- An Idempotency-Key is an opaque string: `Key-A` and `key-a` are two keys. Under the default
-- collation a second request with `key-a` found `Key-A`'s answer (a replay of another request, or
-- a 422). Every key is visible ASCII, so its bytes are its characters.
ALTER TABLE idempotency_keys
    MODIFY idem_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;

-- `PUT /departments/D008/manager` stored `D008` as written (the collation let the department's
-- foreign key match) before dept_no was made canonical where it enters: its manager then managed
-- no `d008`. Such rows are made test_db's own spelling; the primary key (emp_no, dept_no) was
-- case-insensitive too, so no row has a twin in the other case.
UPDATE dept_manager SET dept_no = LOWER(dept_no)
WHERE CAST(dept_no AS BINARY) <> CAST(LOWER(dept_no) AS BINARY);
