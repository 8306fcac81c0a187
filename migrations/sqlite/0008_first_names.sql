-- The distinct first names and the version of the names: see the MySQL migration of the same
-- number. Binary comparison here, as on employees: two spellings of a name are two rows.
CREATE TABLE IF NOT EXISTS first_names (
    first_name  VARCHAR(14)     NOT NULL PRIMARY KEY
);

CREATE TABLE IF NOT EXISTS directory_version (
    id          INTEGER         NOT NULL PRIMARY KEY CHECK (id = 1),
    version     INTEGER         NOT NULL
);

INSERT OR IGNORE INTO first_names (first_name) SELECT DISTINCT first_name FROM employees;
INSERT OR IGNORE INTO directory_version (id, version) VALUES (1, 0);
