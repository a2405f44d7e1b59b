"""The accounts import on PostgreSQL by staging table (issue 17): the file's bytes go to the
server unparsed (COPY CSV into an unlogged table: no WAL, dropped before commit), and the server
checks and moves the rows with two `INSERT … SELECT`, set-based.

The checks ride on the moves, so there is no separate pass over the rows: an account's rows
are reduced to their distinct values, so two rows that disagree are two rows with one primary
key; a value that fails a check (the same checks as `imports._AccountFile`, or stricter: ASCII
digits only) is turned into NULL in a NOT NULL column; a TN twice breaks the TNs' primary key.
Nothing here names a bad row: whenever the server refuses the file (any of those, a value too
long for its column, a line with a wrong field count, bad UTF-8), or the file is not plainly
written (a quote, a lone carriage return), `staged_import` answers None with its savepoint
rolled back, and the caller goes row by row, which finds the first bad row and names it and its
column. So a valid file is loaded the same on either path, and an error reads the same on both
databases.
"""
from __future__ import annotations

import csv
from collections.abc import Callable, Collection
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from gateway.models import Account, Tn
from gateway.models.accounts import SERVICE_CLASSES
from gateway.services.imports import ACCOUNT_COLUMNS, ACCOUNT_LEVEL, TN_IMPORT_STATUSES
from npac.bulk import rebuilt_indexes

COPY_CHUNK = 1 << 20
WORK_MEM_KIB = 512 * 1024  # the distinct accounts and the sorted TNs are hashed/sorted in memory


def _tn_check(column: str) -> str:
    """imports._TN ([2-9]XX[2-9]XXXXXX) without a regex (cheaper per row); digits ASCII only."""
    return (f"(octet_length({column}) = 10 AND translate({column}, '0123456789', '') = '' "
            f"AND ascii({column}) >= 50 AND ascii(substr({column}, 4)) >= 50)")


@cache
def _white_space() -> str:
    """Every character str.strip() removes (the row-by-row path strips values)."""
    return "".join(chr(c) for c in range(0x3001) if chr(c).isspace())


def _quoted(values: Collection[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values))


def plain_body(path: str) -> bytes | None:
    """The file's bytes after its header, when the header is right and nothing in the file
    needs the row-by-row reader (quotes, carriage returns other than CRLF line ends)."""
    with open(path, "rb") as handle:
        data = handle.read()
    header, _, body = data.removeprefix(b"\xef\xbb\xbf").partition(b"\n")
    try:
        names = [h.strip() for h in next(csv.reader([header.decode()]), [])]
    except UnicodeDecodeError:
        return None
    if names != list(ACCOUNT_COLUMNS) or not body or b'"' in body:
        return None
    if b"\r" in body and body.count(b"\r") != body.count(b"\r\n"):
        return None
    return body


def _account_checks(states: Collection[str]) -> str:
    """The checks of imports._check_account, true for a valid account (values as in the file)."""
    return " AND ".join([
        "d.account_number ~ '^[A-Za-z0-9]{1,20}$'", _tn_check("d.btn"), "d.customer_name <> ''",
        f"d.state IN ({_quoted(states)})", "d.zip ~ '^[0-9]{5}(-?[0-9]{4})?$'",
        f"d.service_class IN ({_quoted(SERVICE_CLASSES)})",
        "(d.resale_spid = '' OR d.resale_spid ~ '^[A-Z0-9]{4}$')",
        "length(d.passcode) <= 16",
        # no value with outer white space (the row-by-row path would strip it)
        *[f"d.{c} = btrim(d.{c}, %(ws)s)" for c in ACCOUNT_LEVEL]])


def staged_import(session: Session, body: bytes, states: Collection[str],
                  hash_all: Callable[[dict[str, str]], dict[str, str]],
                  rebuild: Callable[[int], bool]) -> int | None:
    """Load a file's body by staging table; None (and nothing loaded) if the server refuses it,
    for the caller to go row by row."""
    savepoint = session.begin_nested()
    connection = session.connection()
    try:
        count = _stage(connection, body)
        passcodes = dict(connection.exec_driver_sql(
            "SELECT DISTINCT account_number, passcode FROM import_stage WHERE passcode <> ''"
        ).tuples().all())
        _stage_hashes(connection, hash_all(passcodes))
        if session.scalar(sa.select(Account.account_number).limit(1)) is not None:
            _replace(connection)
        with rebuilt_indexes(connection, [Account.__table__, Tn.__table__], rebuild(count)):
            _move(connection, states)
        connection.exec_driver_sql("DROP TABLE import_stage, import_passcodes")
    except sa.exc.DBAPIError:
        savepoint.rollback()
        return None
    savepoint.commit()
    return count


def _driver(connection: sa.Connection):  # noqa: ANN202 - psycopg's connection
    raw = connection.connection.driver_connection
    if raw is None:
        raise RuntimeError("the connection is closed")
    return raw


def _stage(connection: sa.Connection, body: bytes) -> int:
    """COPY the body into an unlogged table as text (created and dropped inside the import's
    transaction, so a failed import leaves nothing behind); return its rows."""
    columns = ", ".join(ACCOUNT_COLUMNS)
    connection.exec_driver_sql(f"SET LOCAL work_mem = '{WORK_MEM_KIB}kB'")
    connection.exec_driver_sql(
        "CREATE UNLOGGED TABLE import_stage ("
        + ", ".join(f"{c} text NOT NULL" for c in ACCOUNT_COLUMNS) + ")")
    with _driver(connection).cursor() as cursor:
        with cursor.copy(f"COPY import_stage ({columns}) FROM STDIN "
                         f"(FORMAT csv, FORCE_NOT_NULL ({columns}))") as copy:
            for start in range(0, len(body), COPY_CHUNK):
                copy.write(body[start:start + COPY_CHUNK])
        return cursor.rowcount


def _stage_hashes(connection: sa.Connection, hashes: dict[str, str]) -> None:
    connection.exec_driver_sql("CREATE UNLOGGED TABLE import_passcodes (account_number text "
                               "PRIMARY KEY, passcode_hash text NOT NULL)")
    if hashes:
        with _driver(connection).cursor() as cursor, \
                cursor.copy("COPY import_passcodes FROM STDIN") as copy:
            for row in hashes.items():
                copy.write_row(row)


def _move(connection: sa.Connection, states: Collection[str]) -> None:
    """The two INSERT … SELECT; a failed check is a NULL in a NOT NULL column."""
    level = ", ".join(ACCOUNT_LEVEL)
    connection.exec_driver_sql(f"""
        INSERT INTO accounts (account_number, btn, customer_name, sano, sasd, sasn, sath, sass,
            ld1, lv1, city, state, zip, service_class, une, resale_spid, passcode_hash,
            port_freeze, contact_email)
        SELECT CASE WHEN {_account_checks(states)} THEN d.account_number END,
               d.btn, d.customer_name, d.sano, d.sasd, d.sasn, d.sath, d.sass, d.ld1, d.lv1,
               d.city, d.state, d.zip, d.service_class,
               CASE d.une WHEN 'Y' THEN true WHEN 'N' THEN false END,
               NULLIF(d.resale_spid, ''), p.passcode_hash,
               CASE d.port_freeze WHEN 'Y' THEN true WHEN 'N' THEN false END,
               NULLIF(d.contact_email, '')
        FROM (SELECT DISTINCT {level} FROM import_stage) d
        LEFT JOIN import_passcodes p ON p.account_number = d.account_number
        ORDER BY d.account_number""", {"ws": _white_space()})
    connection.exec_driver_sql(f"""
        INSERT INTO tns (tn, account_number, status)
        SELECT CASE WHEN {_tn_check("tn")} THEN tn END, account_number,
               CASE WHEN tn_status IN ({_quoted(TN_IMPORT_STATUSES)}) THEN tn_status END
        FROM import_stage ORDER BY tn""")


def _replace(connection: sa.Connection) -> None:
    """Delete the rows the file replaces (as imports._replace does), set-based."""
    connection.exec_driver_sql(
        "DELETE FROM tns WHERE tn IN (SELECT tn FROM import_stage) "
        "OR account_number IN (SELECT account_number FROM import_stage)")
    connection.exec_driver_sql(
        "DELETE FROM accounts WHERE account_number IN (SELECT account_number FROM import_stage)")
