"""File names shown in casework documents and plan evidence hide nothing and fake nothing."""

from __future__ import annotations

from accord.web.file_checks import clean_filename, visible


def test_a_right_to_left_override_cannot_disguise_a_name() -> None:
    # Shown raw, "report\u202efdp.exe" reads as "reportexe.pdf".
    assert clean_filename("report\u202efdp.exe") == "report_fdp.exe"
    assert clean_filename("a\u200bb\u2066c\u2028d.pdf") == "a_b_c_d.pdf"


def test_joiners_that_words_and_emoji_need_are_kept() -> None:
    for name in ("می\u200cخواهم.pdf", "family \U0001f469\u200d\U0001f467.png"):
        assert clean_filename(name) == name
    assert visible("plain text") == "plain text"


def test_folders_and_leading_dots_are_still_taken_off() -> None:
    assert clean_filename("C:\\Users\\x\\..\\.secret.pdf") == "secret.pdf"


def test_a_long_name_keeps_its_start_and_its_kind() -> None:
    # Dataset uploads kept the last 200 characters (the start, which says what the file
    # is, went); other files kept ".gz" of ".csv.gz", so a long upload name lost ".csv".
    long = "Metropolitan Police stop and search " + "x" * 300
    for kind in (".csv.gz", ".pdf", ".xlsx"):
        cleaned = clean_filename(long + kind)
        assert len(cleaned) == 200
        assert cleaned.startswith("Metropolitan Police stop and search xx")
        assert cleaned.endswith("x" + kind)
    assert clean_filename("y" * 250) == "y" * 200


def test_dataset_uploads_clean_names_the_same_way() -> None:
    from accord.datasets.uploads import clean_filename as upload_name

    long = "London stops " + "x" * 300 + ".csv.gz"
    assert upload_name(long) == clean_filename(long)
    assert upload_name(long).endswith(".csv.gz")
    assert upload_name("  ") == "upload"
