-- The changes the PostgreSQL corpus streams, after the snapshot. Each statement commits
-- on its own unless inside BEGIN ... COMMIT.

-- Numbers: limits, fractions, negative values, NULLs.
INSERT INTO corpus.numbers (c_smallint, c_integer, c_bigint, c_numeric, c_numeric_noscale, c_numeric_int,
  c_decimal, c_real, c_double, c_money, c_bool, c_positive, c_oid)
  VALUES (32767, 2147483647, 9223372036854775807, 99999999.9999, 123456789012345678901234567890.123456789,
          9999999999, 999.99, 3.4028235e38, 1.7976931348623157e308, 92233720368547758.07, true, 2147483647, 4294967295);
INSERT INTO corpus.numbers (c_smallint, c_integer, c_bigint, c_numeric, c_numeric_noscale, c_numeric_int,
  c_decimal, c_real, c_double, c_money, c_bool, c_positive, c_oid)
  VALUES (-32768, -2147483648, -9223372036854775808, -0.0001, -0.000000000000000000001,
          -9999999999, -999.99, -1.17549435e-38, 4.9e-324, -92233720368547758.08, false, 1, 0);
INSERT INTO corpus.numbers (c_smallint, c_integer, c_bigint, c_numeric, c_numeric_noscale, c_numeric_int,
  c_decimal, c_real, c_double, c_money, c_bool, c_positive, c_oid)
  VALUES (0, 0, 0, 0, 0, 0, 0, 0, -0.0, 0, false, 3, 7);
INSERT INTO corpus.numbers (c_numeric_noscale, c_real, c_double) VALUES ('NaN', 'NaN', 'Infinity');
INSERT INTO corpus.numbers (c_real, c_double) VALUES ('-Infinity', 'NaN');
INSERT INTO corpus.numbers (c_smallint) VALUES (NULL);
UPDATE corpus.numbers SET c_numeric = c_numeric / 2, c_numeric_noscale = 1e-5 WHERE id = 2;
DELETE FROM corpus.numbers WHERE id = 3;

-- Text and binary, bits, enums.
INSERT INTO corpus.texts VALUES (1, 'ab', 'varchar', 'no length', 'text with "quotes", \backslash, ünïcödé 🎉 and a
newline', 'x', 'a_name', 'MiXeD', '\x00ff10207f80'::bytea, 'happy', B'1', B'10100101', B'1101', 'a fat cat', 'top.middle.leaf');
INSERT INTO corpus.texts VALUES (2, '', '', '', '', NULL, '', '', ''::bytea, 'sad', B'0', B'00000000', B'', '', '');
INSERT INTO corpus.texts (id) VALUES (3);
UPDATE corpus.texts SET c_enum = 'ok', c_bytea = '\xdeadbeef'::bytea, c_varbit = B'1111111100000001' WHERE id = 1;
DELETE FROM corpus.texts WHERE id = 2;

-- Dates and times: precisions, zones, far past and future, infinity.
SET TIME ZONE 'UTC';
INSERT INTO corpus.times VALUES (1, '2024-02-29', '13:14:15.123456', '13:14:15', '13:14:15.123', '13:14:15.123456+02:30',
  '2024-02-29 13:14:15.123456', '2024-02-29 13:14:15', '2024-02-29 13:14:15.123',
  '2024-02-29 13:14:15.123456+01', '2024-02-29 13:14:15.123+01', '1 year 2 mons 3 days 04:05:06.789', '2 years 3 months');
INSERT INTO corpus.times VALUES (2, '0001-01-01', '00:00:00', '23:59:59', '24:00:00', '00:00:00-12',
  '1900-01-01 00:00:00', '1969-12-31 23:59:59', '1970-01-01 00:00:00.001',
  '1969-12-31 23:59:59.999999+00', '2262-04-11 23:47:16.854+00', '-1 days -02:00:00', '-1 year');
INSERT INTO corpus.times VALUES (3, 'infinity', NULL, NULL, NULL, NULL, 'infinity', '-infinity', NULL, 'infinity', '-infinity', '0', NULL);
INSERT INTO corpus.times VALUES (4, '9999-12-31', '23:59:59.999999', NULL, NULL, '23:59:59.999999+14', '9999-12-31 23:59:59.999999',
  NULL, NULL, '9999-12-31 23:59:59.999999+00', NULL, '1000 years', NULL);
UPDATE corpus.times SET c_interval = '1 mon -1 day 00:00:00.000001' WHERE id = 1;

-- Structured values.
INSERT INTO corpus.structured VALUES (1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2.5, "x"], "b": {"c": null}}',
  '{"b": {"c": null}, "a": [1, 2.5, "x"]}', '<doc><item n="1">x &amp; y</item></doc>',
  'a => 1, "b c" => "d e", n => NULL', ARRAY['one', 'two', NULL, 'with "quote"'], ARRAY['ab', 'cd'],
  ARRAY[1, 2, 3], ARRAY[9223372036854775807, -1], ARRAY[1.5, -0.25], ARRAY[1.10, 22.00],
  ARRAY['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid], ARRAY['2024-01-01'::date, '1970-01-01'], ARRAY['sad', 'happy']::corpus.mood[],
  '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
  '(1.5,-2.25)', '{1,-1,0}', '[(0,0),(1,1)]', '((0,0),(2,3))', '[(0,0),(1,1),(2,0)]', '((0,0),(1,1),(2,0))', '<(1,1),5>',
  '[1,10)', '[-5,5]', '(0.5,1.5]', '[2024-01-01 00:00,2024-02-01 00:00)', '[2024-01-01 00:00+00,)', '[2024-01-01,2024-12-31]',
  '{[1,3),[5,8)}', '16/B374D848');
INSERT INTO corpus.structured VALUES (2, '00000000-0000-0000-0000-000000000000', '[]', '{}', '<empty/>', '',
  '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}',
  '::1', '2001:db8::/32', '00:00:00:00:00:00', '00:00:00:00:00:00:00:00',
  '(0,0)', '{0,1,0}', '[(0,0),(0,0)]', '((0,0),(0,0))', '((0,0),(1,0),(1,1))', '((0,0),(0,0),(0,0))', '<(0,0),0>',
  'empty', '(,)', 'empty', '(,)', 'empty', '(,2024-01-01)', '{}', '0/0');
INSERT INTO corpus.structured (id) VALUES (3);
UPDATE corpus.structured SET c_jsonb = '{"changed": true}', c_hstore = 'x => y', c_int_array = ARRAY[4] WHERE id = 1;
DELETE FROM corpus.structured WHERE id = 2;

-- TOAST: large values, then an update that leaves them alone (Debezium sends its
-- placeholder for each), then one that changes some.
INSERT INTO corpus.toasted VALUES (1, 0,
  (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 1000) i),
  (SELECT decode(string_agg(md5(i::text), ''), 'hex') FROM generate_series(1, 1000) i),
  (SELECT array_agg(hashtext(i::text)) FROM generate_series(1, 5000) i),
  (SELECT array_agg(md5(i::text)) FROM generate_series(1, 1000) i),
  (SELECT jsonb_agg(md5(i::text)) FROM generate_series(1, 1000) i),
  (SELECT json_agg(md5(i::text)) FROM generate_series(1, 1000) i));
UPDATE corpus.toasted SET counter = counter + 1 WHERE id = 1;
UPDATE corpus.toasted SET counter = counter + 1, c_text = 'small now', c_int_array = ARRAY[1] WHERE id = 1;
DELETE FROM corpus.toasted WHERE id = 1;

-- REPLICA IDENTITY FULL against DEFAULT: deletes with and without the old row.
INSERT INTO corpus.full_identity VALUES (1, 'full', 10.50, 'kept'), (2, 'full two', 20.00, NULL);
UPDATE corpus.full_identity SET amount = 11.75 WHERE id = 1;
DELETE FROM corpus.full_identity WHERE id = 1;
INSERT INTO corpus.no_key VALUES ('no key', 1), ('no key', 1);
UPDATE corpus.no_key SET amount = 2 WHERE label = 'no key';
DELETE FROM corpus.no_key WHERE label = 'no key';
INSERT INTO corpus.composite VALUES ('eu', 1, 'first'), ('us', 1, 'second');
UPDATE corpus.composite SET label = 'renamed' WHERE region = 'eu';
-- A primary-key change: Debezium sends a delete (and tombstone) of the old key and a create.
UPDATE corpus.composite SET code = 2 WHERE region = 'us';
DELETE FROM corpus.composite WHERE region = 'eu';
DELETE FROM corpus.seed WHERE id = 2;

-- A transaction over several tables, with a transactional logical message in it.
BEGIN;
INSERT INTO corpus.seed VALUES (3, 'three', 'in a transaction');
UPDATE corpus.numbers SET c_integer = 42 WHERE id = 1;
SELECT pg_logical_emit_message(true, 'corpus', 'inside a transaction');
INSERT INTO corpus.texts (id, c_text) VALUES (10, 'in a transaction');
DELETE FROM corpus.full_identity WHERE id = 2;
COMMIT;

-- Logical decoding messages, outside a transaction of changes.
SELECT pg_logical_emit_message(true, 'corpus', 'transactional');
SELECT pg_logical_emit_message(false, 'corpus', 'not transactional');
SELECT pg_logical_emit_message(false, 'corpus-bytes', '\x00ff0a'::bytea);

-- Truncates: one table, then two in one statement.
INSERT INTO corpus.truncated VALUES (1, 'gone soon');
INSERT INTO corpus.truncated_too VALUES (1, 'gone soon too');
TRUNCATE corpus.truncated;
INSERT INTO corpus.truncated VALUES (2, 'gone soon');
TRUNCATE corpus.truncated, corpus.truncated_too;

-- Schema changes mid-stream: a column added (with a default), another dropped, a type
-- widened, a table created.
ALTER TABLE corpus.seed ADD COLUMN extra integer DEFAULT 7;
INSERT INTO corpus.seed (id, label) VALUES (4, 'four');
UPDATE corpus.seed SET extra = 8 WHERE id = 1;
ALTER TABLE corpus.seed DROP COLUMN note;
INSERT INTO corpus.seed VALUES (5, 'five', 9);
ALTER TABLE corpus.seed ALTER COLUMN extra TYPE bigint;
UPDATE corpus.seed SET extra = 9000000000 WHERE id = 5;
CREATE TABLE corpus.created_later (id integer PRIMARY KEY, label varchar(8));
INSERT INTO corpus.created_later VALUES (1, 'late');

INSERT INTO corpus.done VALUES (1);
