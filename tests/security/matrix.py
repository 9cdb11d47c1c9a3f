"""The authorization matrix: every URL × every principal × GET and POST → expected status.

Statuses: 200 page, 302 redirect (to sign-in for people who are not signed in, to MFA set-up
for people who must enrol, or onward after a form), 403 refused, 404 not found (the casework
zone's answer to everyone outside it), 405 method not allowed.

Adding a URL without adding it here fails ``test_every_url_is_in_the_matrix``.
"""

from __future__ import annotations

from typing import Any

from tests.security.principals import PRINCIPALS, SIGNED_IN

Expect = dict[str, dict[str, int]]


def table(
    *,
    anonymous: tuple[int, int],
    signed_in: tuple[int, int],
    deactivated: tuple[int, int] | None = None,
    mfa_not_done: tuple[int, int] = (302, 302),
    overrides: dict[str, tuple[int, int]] | None = None,
) -> Expect:
    """Build a row: (GET, POST) for each principal, with per-principal overrides."""
    row: dict[str, tuple[int, int]] = {"anonymous": anonymous}
    row["deactivated"] = deactivated if deactivated is not None else anonymous
    row["mfa_not_done"] = mfa_not_done
    for name in SIGNED_IN:
        row[name] = signed_in
    row.update(overrides or {})
    assert set(row) == set(PRINCIPALS)
    return {"GET": {k: v[0] for k, v in row.items()}, "POST": {k: v[1] for k, v in row.items()}}


def only(names: tuple[str, ...], allowed: tuple[int, int], others: tuple[int, int]) -> Expect:
    """Signed-in principals in ``names`` get ``allowed``; other signed-in ones ``others``."""
    return table(
        anonymous=(302, 302),
        signed_in=others,
        overrides=dict.fromkeys(names, allowed),
    )


ADMINS = ("service_admin", "system_admin")
IMPORTERS_IN_UPLOADING_ORG = ("plan_owner", "analyst")


def partnership(
    *,
    readers: tuple[int, int],
    importers: tuple[int, int] | None = None,
    other_org_importers: tuple[int, int] | None = None,
) -> Expect:
    """A partnership-zone page: 404 for casework and platform roles, ``readers`` for the rest.

    ``importers`` applies to police plan owners and analysts (the uploading organisation in
    the fixtures); ``other_org_importers`` to the partner contributor.
    """
    overrides: dict[str, tuple[int, int]] = {
        "advocate": (404, 404),
        "supervisor": (404, 404),
        "service_admin": (404, 404),
        "system_admin": (404, 404),
    }
    if importers is not None:
        overrides.update(dict.fromkeys(IMPORTERS_IN_UPLOADING_ORG, importers))
    if other_org_importers is not None:
        overrides["contributor"] = other_org_importers
    return table(anonymous=(302, 302), signed_in=readers, overrides=overrides)


def casework(*, workers: tuple[int, int], supervisor: tuple[int, int] | None = None) -> Expect:
    """A casework page: ``workers`` for the advocate and supervisor, 404 for every other
    signed-in principal (never 403: nothing confirms that a case exists)."""
    overrides = {"advocate": workers, "supervisor": supervisor or workers}
    return table(anonymous=(302, 302), signed_in=(404, 404), overrides=overrides)


MATRIX: dict[str, Expect] = {
    # --- the shell ---------------------------------------------------------------------------
    "public_home": table(anonymous=(200, 405), signed_in=(302, 405)),
    "home": table(anonymous=(302, 302), signed_in=(200, 405)),
    "quick_exit": table(anonymous=(302, 405), signed_in=(302, 405), mfa_not_done=(302, 405)),
    # Browsers post violation reports as JSON; the matrix's form post is the wrong type.
    "csp_report": table(anonymous=(405, 415), signed_in=(405, 415), mfa_not_done=(405, 415)),
    # --- people --------------------------------------------------------------------------------
    "mfa_required": table(anonymous=(302, 302), signed_in=(200, 405), mfa_not_done=(200, 405)),
    # The page's sign-out warning: every signed-in person, their own session only.
    "session_time": table(anonymous=(302, 302), signed_in=(200, 200), mfa_not_done=(200, 200)),
    "people": only(ADMINS, (200, 405), (403, 403)),
    "invite": only(ADMINS, (200, 200), (403, 403)),
    "deactivate": table(
        anonymous=(302, 302),
        signed_in=(403, 403),
        overrides={"service_admin": (405, 302), "system_admin": (405, 302)},
    ),
    # --- data and analysis (partnership zone) ---------------------------------------------
    "datasets": partnership(readers=(200, 405)),
    "dataset_detail": partnership(readers=(200, 405)),
    "dataset_upload": partnership(
        readers=(403, 403), importers=(200, 200), other_org_importers=(200, 200)
    ),
    "dataset_upload_status": partnership(
        readers=(403, 403), importers=(200, 302), other_org_importers=(404, 404)
    ),
    "dataset_upload_map": partnership(
        readers=(403, 403), importers=(200, 200), other_org_importers=(404, 404)
    ),
    "analysis": partnership(readers=(200, 405)),
    "analysis_run": partnership(readers=(200, 405)),
    "analysis_download": partnership(readers=(200, 405)),
    # Without a question the CSV has nothing to give: 400 with what is missing.
    "before_after": partnership(readers=(200, 405)),
    "before_after_csv": partnership(readers=(400, 405)),
    "training": partnership(readers=(200, 405)),
    "training_csv": partnership(readers=(200, 405)),
    # --- casework (the sealed zone): 404 for everyone outside it, and for service admins,
    # who manage people, not cases. The case in the URL is assigned to the advocate. ------
    "self_referral": table(anonymous=(200, 200), signed_in=(200, 200)),
    "casework_home": casework(workers=(200, 405)),
    "case_new": casework(workers=(200, 200)),
    "case_detail": casework(workers=(200, 405)),
    "case_assign": casework(workers=(404, 404), supervisor=(200, 200)),
    "case_close": casework(workers=(200, 200)),
    "case_reopen": casework(workers=(404, 404), supervisor=(405, 302)),
    # --- allauth: sign-in (allauth guards these itself; people who must enrol in MFA are
    # sent to set-up from every page that is not part of enrolment) -------------------------
    "account_login": table(anonymous=(200, 200), signed_in=(302, 302)),
    "account_logout": table(anonymous=(302, 302), signed_in=(200, 302), mfa_not_done=(200, 302)),
    "account_inactive": table(anonymous=(200, 405), signed_in=(200, 405)),
    "account_signup": table(anonymous=(200, 200), signed_in=(302, 302)),
    # Once enrolled, confirming means the second factor: the password page sends people on.
    "account_reauthenticate": table(
        anonymous=(302, 302), signed_in=(302, 302), mfa_not_done=(200, 200)
    ),
    "account_change_password": table(anonymous=(302, 302), signed_in=(200, 200)),
    "account_set_password": table(anonymous=(302, 302), signed_in=(302, 302)),
    "account_reset_password": table(anonymous=(200, 200), signed_in=(200, 200)),
    "account_reset_password_done": table(anonymous=(200, 405), signed_in=(200, 405)),
    "account_reset_password_from_key": table(anonymous=(200, 200), signed_in=(200, 200)),
    "account_reset_password_from_key_done": table(anonymous=(200, 405), signed_in=(200, 405)),
    # --- allauth: MFA. Adding or removing an authenticator first asks for the password again
    # (302 to re-authenticate); pages about an authenticator someone lacks answer 404. ------
    "mfa_index": table(anonymous=(302, 302), signed_in=(200, 405), mfa_not_done=(200, 405)),
    "mfa_authenticate": table(anonymous=(302, 302), signed_in=(302, 302)),
    "mfa_reauthenticate": table(anonymous=(302, 302), signed_in=(200, 200)),
    "mfa_activate_totp": table(anonymous=(302, 302), signed_in=(302, 302)),
    "mfa_deactivate_totp": table(anonymous=(302, 302), signed_in=(302, 302)),
    # The step-up is asked for before allauth's method check, so a POST is sent to confirm too.
    "mfa_view_recovery_codes": table(anonymous=(302, 302), signed_in=(302, 302)),
    "mfa_generate_recovery_codes": table(anonymous=(302, 302), signed_in=(302, 302)),
    "mfa_download_recovery_codes": table(anonymous=(302, 302), signed_in=(302, 302)),
    "mfa_list_webauthn": table(anonymous=(302, 302), signed_in=(200, 405)),
    "mfa_add_webauthn": table(anonymous=(302, 302), signed_in=(302, 302)),
    "mfa_reauthenticate_webauthn": table(anonymous=(302, 302), signed_in=(302, 302)),
    "mfa_remove_webauthn": table(anonymous=(302, 302), signed_in=(302, 302)),
    "mfa_edit_webauthn": table(anonymous=(302, 302), signed_in=(302, 302)),
    "usersessions_list": table(anonymous=(302, 302), signed_in=(200, 302)),
}


def _merge_parts() -> None:
    """Areas keep their rows in tests/security/matrix_<area>.py (ROWS, KWARGS)."""
    import importlib
    from pathlib import Path

    for part in sorted(Path(__file__).parent.glob("matrix_*.py")):
        module = importlib.import_module(f"tests.security.{part.stem}")
        clash = set(module.ROWS) & set(MATRIX)
        assert not clash, f"{part.name} repeats matrix rows {sorted(clash)}"
        MATRIX.update(module.ROWS)
        PART_KWARGS.update(module.KWARGS)


PART_KWARGS: dict[str, Any] = {}
_merge_parts()
