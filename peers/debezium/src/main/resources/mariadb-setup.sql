-- The tables of the MariaDB corpus, made afresh for each run in database `corpus`. Rows
-- inserted here are read by the connector's initial snapshot (op "r");
-- mariadb-changes.sql streams the rest.
DROP DATABASE IF EXISTS corpus;
CREATE DATABASE corpus CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
-- Not captured: a change here is a transaction without events.
DROP DATABASE IF EXISTS corpus_other;
CREATE DATABASE corpus_other;
CREATE TABLE corpus_other.elsewhere (id int NOT NULL PRIMARY KEY);

-- Every integer width, signed and unsigned; decimals, floats, bits, booleans.
CREATE TABLE corpus.numbers (
  id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  c_tinyint tinyint,
  c_tinyint_u tinyint unsigned,
  c_smallint smallint,
  c_smallint_u smallint unsigned,
  c_mediumint mediumint,
  c_mediumint_u mediumint unsigned,
  c_int int,
  c_int_u int unsigned,
  c_bigint bigint,
  c_bigint_u bigint unsigned,
  c_decimal decimal(12, 4),
  c_decimal_int decimal(10, 0),
  c_decimal_wide decimal(65, 30),
  c_float float,
  c_double double,
  c_bit1 bit(1),
  c_bit10 bit(10),
  c_bit64 bit(64),
  c_bool bool
);

-- Text and binary kinds, enum and set.
CREATE TABLE corpus.texts (
  id int NOT NULL PRIMARY KEY,
  c_char char(5),
  c_varchar varchar(20),
  c_binary binary(4),
  c_varbinary varbinary(16),
  c_tinytext tinytext,
  c_text text,
  c_mediumtext mediumtext,
  c_longtext longtext,
  c_tinyblob tinyblob,
  c_blob blob,
  c_mediumblob mediumblob,
  c_longblob longblob,
  c_enum enum('sad', 'ok', 'happy'),
  c_set set('x', 'y', 'z'),
  c_latin1 varchar(10) CHARACTER SET latin1
);

-- Dates and times with their precisions.
CREATE TABLE corpus.times (
  id int NOT NULL PRIMARY KEY,
  c_date date,
  c_time time,
  c_time3 time(3),
  c_time6 time(6),
  c_datetime datetime,
  c_datetime3 datetime(3),
  c_datetime6 datetime(6),
  c_timestamp timestamp NULL DEFAULT NULL,
  c_timestamp3 timestamp(3) NULL DEFAULT NULL,
  c_timestamp6 timestamp(6) NULL DEFAULT NULL,
  c_year year
);

-- JSON and the spatial types.
CREATE TABLE corpus.structured (
  id int NOT NULL PRIMARY KEY,
  c_json json,
  c_point point,
  c_linestring linestring,
  c_polygon polygon,
  c_geometry geometry,
  c_multipoint multipoint,
  c_geometrycollection geometrycollection
);

-- MariaDB's own uuid type (not inet4 nor inet6: Debezium's DDL parser refuses a table
-- with one, and the connector stops).
CREATE TABLE corpus.mariadb_types (
  id int NOT NULL PRIMARY KEY,
  c_uuid uuid
);

-- No primary key: no record key.
CREATE TABLE corpus.no_key (
  label varchar(20),
  amount int
);

-- A composite primary key.
CREATE TABLE corpus.composite (
  region varchar(8) NOT NULL,
  code int NOT NULL,
  label varchar(20),
  PRIMARY KEY (region, code)
);

CREATE TABLE corpus.truncated (
  id int NOT NULL PRIMARY KEY,
  label varchar(20)
);

-- Snapshot rows; altered mid-stream.
CREATE TABLE corpus.seed (
  id int NOT NULL PRIMARY KEY,
  label varchar(20),
  note varchar(20)
);
INSERT INTO corpus.seed VALUES (1, 'one', 'first'), (2, 'two', NULL);
INSERT INTO corpus.numbers (c_tinyint, c_tinyint_u, c_smallint, c_smallint_u, c_mediumint, c_mediumint_u, c_int, c_int_u,
  c_bigint, c_bigint_u, c_decimal, c_decimal_int, c_decimal_wide, c_float, c_double, c_bit1, c_bit10, c_bit64, c_bool)
  VALUES (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 4.5, 10, 1.5, 1.5, 2.25, b'1', b'1010', b'1', true);

-- The insert that ends a run.
CREATE TABLE corpus.done (
  id int NOT NULL PRIMARY KEY
);
