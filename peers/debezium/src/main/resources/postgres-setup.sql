-- The tables of the PostgreSQL corpus, made afresh for each run in schema `corpus`
-- (the runner drops the run's replication slot first). Rows inserted here are read by
-- the connector's initial snapshot (op "r"); postgres-changes.sql streams the rest.
DROP PUBLICATION IF EXISTS corpus_pub;
DROP SCHEMA IF EXISTS corpus CASCADE;
CREATE SCHEMA corpus;
CREATE EXTENSION IF NOT EXISTS hstore;
CREATE EXTENSION IF NOT EXISTS ltree;
CREATE EXTENSION IF NOT EXISTS citext;
CREATE TYPE corpus.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN corpus.positive AS integer CHECK (VALUE > 0);

-- Every numeric type.
CREATE TABLE corpus.numbers (
  id serial PRIMARY KEY,
  c_smallint smallint,
  c_integer integer,
  c_bigint bigint,
  c_numeric numeric(12, 4),
  c_numeric_noscale numeric,
  c_numeric_int numeric(10),
  c_decimal decimal(5, 2),
  c_real real,
  c_double double precision,
  c_money money,
  c_bool boolean,
  c_positive corpus.positive,
  c_oid oid
);

-- Text and binary.
CREATE TABLE corpus.texts (
  id integer PRIMARY KEY,
  c_char char(5),
  c_varchar varchar(20),
  c_varchar_nolen varchar,
  c_text text,
  c_bpchar_1 "char",
  c_name name,
  c_citext citext,
  c_bytea bytea,
  c_enum corpus.mood,
  c_bit1 bit(1),
  c_bit8 bit(8),
  c_varbit bit varying(16),
  c_tsvector tsvector,
  c_ltree ltree
);

-- Dates, times and durations.
CREATE TABLE corpus.times (
  id integer PRIMARY KEY,
  c_date date,
  c_time time,
  c_time0 time(0),
  c_time3 time(3),
  c_timetz timetz,
  c_timestamp timestamp,
  c_timestamp0 timestamp(0),
  c_timestamp3 timestamp(3),
  c_timestamptz timestamptz,
  c_timestamptz3 timestamptz(3),
  c_interval interval,
  c_interval_ym interval year to month
);

-- Structured values: uuid, json, xml, hstore, arrays, network and geometric types, ranges.
CREATE TABLE corpus.structured (
  id integer PRIMARY KEY,
  c_uuid uuid,
  c_json json,
  c_jsonb jsonb,
  c_xml xml,
  c_hstore hstore,
  c_text_array text[],
  c_varchar_array varchar(10)[],
  c_int_array integer[],
  c_bigint_array bigint[],
  c_double_array double precision[],
  c_numeric_array numeric(10, 2)[],
  c_uuid_array uuid[],
  c_date_array date[],
  c_enum_array corpus.mood[],
  c_inet inet,
  c_cidr cidr,
  c_macaddr macaddr,
  c_macaddr8 macaddr8,
  c_point point,
  c_line line,
  c_lseg lseg,
  c_box box,
  c_path path,
  c_polygon polygon,
  c_circle circle,
  c_int4range int4range,
  c_int8range int8range,
  c_numrange numrange,
  c_tsrange tsrange,
  c_tstzrange tstzrange,
  c_daterange daterange,
  c_int4multirange int4multirange,
  c_pg_lsn pg_lsn
);

-- Large values that PostgreSQL stores out of line (TOAST); REPLICA IDENTITY DEFAULT, so
-- an update that leaves them alone does not send them.
CREATE TABLE corpus.toasted (
  id integer PRIMARY KEY,
  counter integer,
  c_text text,
  c_bytea bytea,
  c_int_array integer[],
  c_text_array text[],
  c_jsonb jsonb,
  c_json json
);

-- REPLICA IDENTITY FULL: updates and deletes carry the whole old row.
CREATE TABLE corpus.full_identity (
  id integer PRIMARY KEY,
  label text,
  amount numeric(8, 2),
  c_text text
);
ALTER TABLE corpus.full_identity REPLICA IDENTITY FULL;

-- No primary key (REPLICA IDENTITY FULL, or PostgreSQL refuses its updates): no record key.
CREATE TABLE corpus.no_key (
  label text,
  amount integer
);
ALTER TABLE corpus.no_key REPLICA IDENTITY FULL;

-- A composite primary key.
CREATE TABLE corpus.composite (
  region text,
  code integer,
  label text,
  PRIMARY KEY (region, code)
);

-- Truncated mid-stream.
CREATE TABLE corpus.truncated (
  id integer PRIMARY KEY,
  label text
);
CREATE TABLE corpus.truncated_too (
  id integer PRIMARY KEY,
  label text
);

-- Snapshot rows; a column is added to and another dropped from this table mid-stream.
CREATE TABLE corpus.seed (
  id integer PRIMARY KEY,
  label text,
  note text
);
INSERT INTO corpus.seed VALUES (1, 'one', 'first'), (2, 'two', NULL);
INSERT INTO corpus.numbers (c_smallint, c_integer, c_bigint, c_numeric, c_numeric_noscale, c_numeric_int,
  c_decimal, c_real, c_double, c_money, c_bool, c_positive, c_oid)
  VALUES (1, 2, 3, 4.5, 6.789, 10, 1.25, 1.5, 2.25, 3.50, true, 1, 1);

-- The insert that ends a run.
CREATE TABLE corpus.done (
  id integer PRIMARY KEY
);

CREATE PUBLICATION corpus_pub FOR TABLES IN SCHEMA corpus;
