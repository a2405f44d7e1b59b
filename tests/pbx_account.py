"""A PBX account of hundreds of working TNs (issue 15: the LSR form at a business park's size)."""
from __future__ import annotations

from pathlib import Path

ACCOUNT, BTN = "777000", "5035550000"
CODES = "npa_nxx,spid,lrn\n503555,CT01,5035550000\n"  # the NPA-NXX the carrier holds
COLUMNS = ("account_number,btn,customer_name,sano,sasd,sasn,sath,sass,ld1,lv1,city,state,zip,"
           "tn,tn_status,service_class,une,resale_spid,passcode,port_freeze,contact_email")


def tn(i: int) -> str:
    """The account's i-th TN (its BTN is the first)."""
    return f"503555{i:04d}"


def write_files(folder: Path, n_tns: int) -> tuple[Path, Path]:
    """The accounts CSV (one account, `n_tns` working TNs) and the NPA-NXX the carrier holds."""
    rows = [COLUMNS] + [f"{ACCOUNT},{BTN},BIG PBX CO,1,,MAIN,ST,,,,PORTLAND,OR,97201,{tn(i)},"
                        "working,pbx,N,,,N,pbx@example.net" for i in range(n_tns)]
    accounts, codes = folder / "pbx.csv", folder / "pbx-codes.csv"
    accounts.write_text("\n".join(rows) + "\n")
    codes.write_text(CODES)
    return accounts, codes


def load(cli, folder: Path, n_tns: int = 600) -> None:
    """Import the account and its NPA-NXX through the CLI (`cli` returns (code, output))."""
    _import(cli, *write_files(folder, n_tns))


def load_rows(cli, folder: Path, rows: list[str]) -> None:
    """Import accounts CSV rows of 503-555 TNs (COLUMNS' order) and the NPA-NXX the carrier
    holds, through the CLI."""
    accounts, codes = folder / "rows.csv", folder / "rows-codes.csv"
    accounts.write_text("\n".join([COLUMNS, *rows]) + "\n")
    codes.write_text(CODES)
    _import(cli, accounts, codes)


def _import(cli, accounts: Path, codes: Path) -> None:
    for args in (("import-accounts", accounts), ("npac", "import-codes", codes)):
        code, out = cli(*args)
        assert code == 0, out
