"""The CLI of api-contract §2: imports all-or-nothing, partners, users, tokens."""
import sqlalchemy as sa

from gateway.models import Account, EscalationContact, Partner, Tn, User
from tests.conftest import EXAMPLES


def test_import_accounts_loads_every_row(cli, db_session):
    code, out = cli("import-accounts", EXAMPLES / "accounts.csv")
    assert code == 0 and "imported 5 rows" in out
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Tn)) == 5
    account = db_session.get(Account, "884201")
    # kept hashed only: no field of the stored value is the passcode (a 4-digit passcode can
    # turn up inside the hash's 96 hex digits by chance, ~1 in 700 imports)
    assert account.passcode_hash and "7713" not in account.passcode_hash.split("$")
    assert account.passcode_hash.startswith("scrypt-hmac$")
    assert db_session.get(Account, "884590").resale_spid == "SW01"


def test_import_with_a_bad_row_names_it_and_loads_nothing(cli, db_session, tmp_path):
    lines = (EXAMPLES / "accounts.csv").read_text().splitlines()
    lines[3] = lines[3].replace(",working,", ",sleeping,")
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    code, out = cli("import-accounts", path)
    assert code != 0 and "row 4" in out and "tn_status" in out and "sleeping" in out
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Account)) == 0


def test_import_refuses_account_rows_that_disagree(cli, tmp_path, db_session):
    lines = (EXAMPLES / "accounts.csv").read_text().splitlines()
    lines[3] = lines[3].replace("HIGH DESERT DENTAL PC", "HIGH DESERT DENTISTS")
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    code, out = cli("import-accounts", path)
    assert code != 0 and "customer_name" in out and "row 4" in out
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Tn)) == 0


def test_import_refuses_a_wrong_header(cli, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("account,btn\n1,2\n")
    code, out = cli("import-accounts", path)
    assert code != 0 and "header" in out


def test_escalation_import_replaces_the_states_in_the_file(cli, db_session, tmp_path):
    assert cli("escalation", "import", EXAMPLES / "escalations.csv")[0] == 0
    path = tmp_path / "esc.csv"
    path.write_text("state,level,name,title,email,phone,hours\n"
                    "OR,1,New Desk,Desk,new@cascade.example,5415550999,24x7\n")
    assert cli("escalation", "import", path)[0] == 0
    names = db_session.scalars(sa.select(EscalationContact.name)).all()
    assert names == ["New Desk"]


def test_partner_add_validates_its_options(cli, db_session):
    assert cli("partner", "add", "--name", "X", "--ccna", "TOOLONG", "--type", "clec",
               "--spid", "AB12")[0] != 0
    assert cli("partner", "add", "--name", "X", "--ccna", "XYZ", "--type", "clec")[0] != 0
    assert cli("partner", "add", "--name", "X", "--ccna", "XYZ", "--type", "agent")[0] == 0
    code, out = cli("partner", "add", "--name", "Y", "--ccna", "XYZ", "--type", "agent")
    assert code != 0 and "XYZ" in out
    assert db_session.scalar(sa.select(Partner).where(Partner.ccna == "XYZ")).status == "active"


def test_user_add_disable_and_token(cli, actors, db_session):
    actors.partner()
    code, out = cli("user", "add", "--username", "ann", "--email", "ann@example.net",
                    "--password", "short", "--role", "partner_user", "--partner", "BHW")
    assert code != 0 and "password" in out
    code, out = cli("user", "add", "--username", "ann", "--email", "ann@example.net",
                    "--password", "Ann-Long-Pass-2026", "--role", "partner_user")
    assert code != 0 and "--partner" in out
    actors.user("ann", privileges=("csr",))
    user = db_session.scalar(sa.select(User).where(User.username == "ann"))
    assert user.privileges == frozenset({"csr"})
    assert user.password_hash.startswith("$argon2id$")
    token = actors.token("ann")
    assert token and "\n" not in token
    assert cli("user", "disable", "ann")[0] == 0
    assert cli("user", "disable", "nobody")[0] != 0
    db_session.expire_all()
    assert db_session.scalar(sa.select(User).where(User.username == "ann")).disabled_at


def test_webhook_set_and_clear(app, cli, actors, db_session):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True  # a loopback receiver (api-contract §1)
    actors.partner()
    assert cli("partner", "webhook", "--ccna", "BHW", "--url", "ftp://x", "--secret", "s")[0] != 0
    assert cli("partner", "webhook", "--ccna", "BHW", "--url", "http://127.0.0.1:9/h",
               "--secret", "s3cret")[0] == 0
    assert cli("partner", "webhook", "--ccna", "BHW", "--url", "")[0] == 0
    partner = db_session.scalar(sa.select(Partner).where(Partner.ccna == "BHW"))
    assert partner.webhook_url is None


def test_npac_import_errors_name_the_file_row_column_and_value(cli, tmp_path):
    path = tmp_path / "spids.csv"
    path.write_text("spid,name,type\nAB12,Good,wireline\nAB13,Bad,landline\n")
    code, out = cli("npac", "import-spids", path)
    assert code != 0 and "spids.csv" in out and "row 3" in out and "type" in out, out
    assert "'landline'" in out and "nothing imported" in out
    assert "Traceback" not in out


def test_an_invalid_input_error_names_its_options(cli, examples):
    code, out = cli("account", "freeze", "884201", "--on", "--channel", "phone",
                    "--note", "x" * 501)
    assert code != 0 and "--note" in out and "500" in out, out


def test_the_progress_bar_of_an_empty_file_on_a_terminal(cli, tmp_path, monkeypatch):
    import io
    import sys

    from gateway import cli as gateway_cli

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert gateway_cli._progress(str(empty)) is None
    lines = tmp_path / "one.csv"
    lines.write_text("spid,name,type\nAB12,Good,wireline\n")
    show = gateway_cli._progress(str(lines))
    assert show is not None
    show(1)


ESCALATION_HEADER = "state,level,name,title,email,phone,hours"


def test_escalation_import_names_bad_levels_long_values_and_nul(cli, tmp_path, db_session):
    good = "OR,1,LNP Desk,Desk,desk@x.example,5415550900,Mon-Fri"
    cases = [(good.replace(",1,", ",\u00b2,"), "level"),  # "²".isdigit() is True
             (good.replace(",1,", ",\u0661,"), "level"),  # Arabic-Indic one
             (good.replace("LNP Desk", "N" * 121), "name"),
             (good.replace("5415550900", "5" * 31), "phone"),
             (good.replace("Mon-Fri", "H" * 121), "hours"),
             (good.replace("Desk,desk", "De\x00sk,desk"), "title")]
    for row, column in cases:
        path = tmp_path / "escalations.csv"
        path.write_text(f"{ESCALATION_HEADER}\nOR,2,B,T,b@x.example,5415550901,24x7\n{row}\n")
        code, out = cli("escalation", "import", path)
        assert code != 0 and f"row 3, column {column}" in out, (column, out)
        assert "Traceback" not in out
    assert db_session.scalar(sa.select(sa.func.count()).select_from(EscalationContact)) == 0


def test_npac_spids_name_must_fit_and_hold_no_nul(cli, tmp_path):
    for name, why in (("N" * 201, "longer than 200"), ("Bad\x00Name", "NUL")):
        path = tmp_path / "spids.csv"
        path.write_text(f"spid,name,type\nAB12,Good,wireline\nAB13,{name},wireless\n")
        code, out = cli("npac", "import-spids", path)
        assert code != 0 and "row 3" in out and "name" in out and why in out, out
    path.write_text(f"spid,name,type\nAB12,{'N' * 200},wireline\n")
    assert cli("npac", "import-spids", path)[0] == 0


def test_user_values_ending_in_a_newline_are_refused(cli):
    base = ["user", "add", "--password", "Ann-Long-Pass-2026", "--role", "staff"]
    for username, email in (("ann\n", "ann@example.net"), ("ann", "ann@example.net\n")):
        code, out = cli(*base, "--username", username, "--email", email)
        assert code != 0 and ("username" in out or "email" in out), out
    code, out = cli(*base, "--username", "ann", "--email", "ann@example.net",
                    "--phone", "5035550100\n")
    assert code != 0, out
