'use strict';

// A PostgreSQL schema of its own for a test file, on the machine's PostgreSQL (127.0.0.1:5432,
// database `test`, user postgres, trust), as the Java tests use it: Beacon creates it through
// Flyway on start; drop() removes it with psql when the file ends.

const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');

const HOST = process.env.BEACON_TEST_PG_HOST ?? '127.0.0.1';
const PORT = process.env.BEACON_TEST_PG_PORT ?? '5432';
const DATABASE = process.env.BEACON_TEST_PG_DATABASE ?? 'test';
const USER = process.env.BEACON_TEST_PG_USER ?? 'postgres';

/** A fresh schema name with `prefix`, the BEACON_DB_* variables naming it, and drop(). */
function pgSchema(prefix) {
  const name = `${prefix}_${crypto.randomBytes(6).toString('hex')}`;
  return {
    name,
    env: {
      // commits are not waited for on disk (the tests kill Beacon, never PostgreSQL)
      BEACON_DB_URL: `jdbc:postgresql://${HOST}:${PORT}/${DATABASE}?options=-c%20synchronous_commit%3Doff`,
      BEACON_DB_USER: USER,
      BEACON_DB_SCHEMA: name,
    },
    /** Runs one SQL statement in the schema; returns psql's unaligned, tuples-only output. */
    query(sql) {
      return execFileSync('psql', ['-h', HOST, '-p', PORT, '-U', USER, '-d', DATABASE, '-At',
        '-v', 'ON_ERROR_STOP=1', '-c', `SET search_path TO ${name}; ${sql}`],
      { encoding: 'utf8' }).trim();
    },
    drop() {
      execFileSync('psql', ['-h', HOST, '-p', PORT, '-U', USER, '-d', DATABASE, '-q',
        '-v', 'ON_ERROR_STOP=1', '-c', `SET client_min_messages TO warning; DROP SCHEMA IF EXISTS ${name} CASCADE`]);
    },
  };
}

module.exports = { pgSchema };
