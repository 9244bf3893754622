-- The changes the MariaDB corpus streams, after the snapshot. Each statement commits on
-- its own unless inside START TRANSACTION ... COMMIT.
SET time_zone = '+00:00';
-- Our transactions get GTIDs of their own domain, 7-1-N: the runner tells them from other
-- clients' transactions on the shared server (whose BEGIN and END the connector sends too).
SET SESSION gtid_domain_id = 7;

-- A transaction that changes no captured table: its BEGIN and END (event_count 0) only.
INSERT INTO corpus_other.elsewhere VALUES (1);

-- Numbers: limits, fractions, negative values, NULLs.
INSERT INTO corpus.numbers (c_tinyint, c_tinyint_u, c_smallint, c_smallint_u, c_mediumint, c_mediumint_u, c_int, c_int_u,
  c_bigint, c_bigint_u, c_decimal, c_decimal_int, c_decimal_wide, c_float, c_double, c_bit1, c_bit10, c_bit64, c_bool)
  VALUES (127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295,
          9223372036854775807, 18446744073709551615, 99999999.9999, 9999999999,
          12345678901234567890123456789012345.123456789012345678901234567890, 3.40282e38, 1.7976931348623157e308,
          b'1', b'1111111111', b'1111111111111111111111111111111111111111111111111111111111111111', true);
INSERT INTO corpus.numbers (c_tinyint, c_tinyint_u, c_smallint, c_smallint_u, c_mediumint, c_mediumint_u, c_int, c_int_u,
  c_bigint, c_bigint_u, c_decimal, c_decimal_int, c_decimal_wide, c_float, c_double, c_bit1, c_bit10, c_bit64, c_bool)
  VALUES (-128, 0, -32768, 0, -8388608, 0, -2147483648, 0,
          -9223372036854775808, 0, -0.0001, -9999999999, -0.000000000000000000000000000001, -1.17549e-38, 4.9e-324,
          b'0', b'0000000001', b'1000000000000000000000000000000000000000000000000000000000000000', false);
INSERT INTO corpus.numbers (c_tinyint) VALUES (NULL);
UPDATE corpus.numbers SET c_decimal = c_decimal / 2, c_bigint_u = 9223372036854775808 WHERE id = 2;
DELETE FROM corpus.numbers WHERE id = 3;

-- Text and binary kinds, enum and set.
INSERT INTO corpus.texts VALUES (1, 'ab', 'varchar', x'00ff1020', x'00ff10207f80',
  'tiny', 'text with "quotes", \\backslash, ünïcödé 🎉 and a\nnewline', 'medium', 'long',
  x'00', x'deadbeef', x'cafe', x'babe', 'happy', 'x,z', 'café');
INSERT INTO corpus.texts VALUES (2, '', '', x'', x'', '', '', '', '', x'', x'', x'', x'', 'sad', '', '');
INSERT INTO corpus.texts (id) VALUES (3);
UPDATE corpus.texts SET c_enum = 'ok', c_set = 'x,y,z', c_blob = x'0102' WHERE id = 1;
DELETE FROM corpus.texts WHERE id = 2;

-- Dates and times.
INSERT INTO corpus.times VALUES (1, '2024-02-29', '13:14:15', '13:14:15.123', '-838:59:59.000000',
  '2024-02-29 13:14:15', '2024-02-29 13:14:15.123', '2024-02-29 13:14:15.123456',
  '2024-02-29 13:14:15', '2024-02-29 13:14:15.123', '2024-02-29 13:14:15.123456', 2024);
INSERT INTO corpus.times VALUES (2, '1000-01-01', '00:00:00', '838:59:59.000', '00:00:00.000001',
  '1000-01-01 00:00:00', '1970-01-01 00:00:00.001', '9999-12-31 23:59:59.999999',
  '1970-01-01 00:00:01', '2038-01-19 03:14:07.999', '1999-12-31 23:59:59.999999', 1901);
INSERT INTO corpus.times (id, c_year) VALUES (3, 2155);
UPDATE corpus.times SET c_time6 = '-00:00:00.000001', c_timestamp = '2001-02-03 04:05:06' WHERE id = 1;

-- JSON and spatial values.
INSERT INTO corpus.structured VALUES (1, '{"a": [1, 2.5, "x"], "b": {"c": null}}',
  ST_GeomFromText('POINT(1.5 -2.25)'), ST_GeomFromText('LINESTRING(0 0, 1 1, 2 0)'),
  ST_GeomFromText('POLYGON((0 0, 4 0, 4 4, 0 4, 0 0))'), ST_GeomFromText('POINT(3 4)', 4326),
  ST_GeomFromText('MULTIPOINT(0 0, 1 1)'), ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1), LINESTRING(0 0, 1 1))'));
INSERT INTO corpus.structured (id, c_json) VALUES (2, '[]');
UPDATE corpus.structured SET c_json = '{"changed": true}', c_geometry = ST_GeomFromText('LINESTRING(1 1, 2 2)') WHERE id = 1;
DELETE FROM corpus.structured WHERE id = 2;

INSERT INTO corpus.mariadb_types VALUES (1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
INSERT INTO corpus.mariadb_types VALUES (2, NULL);
UPDATE corpus.mariadb_types SET c_uuid = '00000000-0000-0000-0000-000000000001' WHERE id = 2;
DELETE FROM corpus.mariadb_types WHERE id = 1;

-- Without a key, composite keys, a key change.
INSERT INTO corpus.no_key VALUES ('no key', 1), ('no key', 1);
UPDATE corpus.no_key SET amount = 2 WHERE label = 'no key';
DELETE FROM corpus.no_key WHERE label = 'no key';
INSERT INTO corpus.composite VALUES ('eu', 1, 'first'), ('us', 1, 'second');
UPDATE corpus.composite SET label = 'renamed' WHERE region = 'eu';
UPDATE corpus.composite SET code = 2 WHERE region = 'us';
DELETE FROM corpus.composite WHERE region = 'eu';
DELETE FROM corpus.seed WHERE id = 2;

-- A transaction over several tables.
START TRANSACTION;
INSERT INTO corpus.seed VALUES (3, 'three', 'in a transaction');
UPDATE corpus.numbers SET c_int = 42 WHERE id = 1;
INSERT INTO corpus.texts (id, c_text) VALUES (10, 'in a transaction');
DELETE FROM corpus.no_key;
COMMIT;

-- A truncate.
INSERT INTO corpus.truncated VALUES (1, 'gone soon');
TRUNCATE TABLE corpus.truncated;

-- Schema changes: columns added, changed, renamed and dropped; tables created, renamed, dropped.
ALTER TABLE corpus.seed ADD COLUMN extra int DEFAULT 7;
INSERT INTO corpus.seed (id, label) VALUES (4, 'four');
ALTER TABLE corpus.seed MODIFY COLUMN extra bigint;
UPDATE corpus.seed SET extra = 9000000000 WHERE id = 4;
ALTER TABLE corpus.seed RENAME COLUMN label TO title;
ALTER TABLE corpus.seed DROP COLUMN note;
INSERT INTO corpus.seed VALUES (5, 'five', 9);
CREATE TABLE corpus.created_later (id int NOT NULL PRIMARY KEY, label varchar(8));
INSERT INTO corpus.created_later VALUES (1, 'late');
RENAME TABLE corpus.created_later TO corpus.renamed_later;
INSERT INTO corpus.renamed_later VALUES (2, 'renamed');
DROP TABLE corpus.renamed_later;

INSERT INTO corpus.done VALUES (1);
