-- The distinct first names, so that a search learns which first names a prefix starts by reading
-- a few rows of a small table instead of skipping (or, re-planned, reading row by row) through
-- employees_first_name_ix; and a version that moves with every change of the names, so that a
-- service may keep what it learned until then (src/repository/directory/names.rs). Kept by the
-- changes that add employees; filled here for a database that already holds test_db.
CREATE TABLE IF NOT EXISTS first_names (
    first_name  VARCHAR(14)     NOT NULL,
    PRIMARY KEY (first_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS directory_version (
    id          TINYINT         NOT NULL,
    version     BIGINT          NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT directory_version_one CHECK (id = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT IGNORE INTO first_names (first_name) SELECT DISTINCT first_name FROM employees;
INSERT IGNORE INTO directory_version (id, version) VALUES (1, 0);
