"""The before-and-after page (what works). Thin: :mod:`accord.monitoring.before_after`
asks the question, :mod:`accord.reports.charts` draws the monthly rates."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pandas as pd
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accord.datasets.export import Cell, write_csv
from accord.monitoring import before_after
from accord.monitoring.analysis import readable
from accord.monitoring.before_after_forms import BeforeAfterForm
from accord.monitoring.forms import event_datasets, form_problems, population_datasets
from accord.policy.roles import Zone
from accord.policy.views import requires
from accord.reports.charts import before_after_chart, render_svg
from accord.stats.before_after import COMPARISON, INITIATIVE
from accord.stats.errors import StatsInputError

#: How the two sets are called on the page, the chart and the CSV.
SET_LABELS = {INITIATIVE: "Boroughs with the initiative", COMPARISON: "Comparison boroughs"}


def _form(request: HttpRequest) -> tuple[BeforeAfterForm, bool]:
    bound = "events" in request.GET
    form = BeforeAfterForm(
        request.GET if bound else None,
        events=event_datasets(request.user),
        populations=population_datasets(request.user),
    )
    return form, bound


def _answer(form: BeforeAfterForm) -> before_after.Answer | None:
    """The comparison, or None with the reason added to the form."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    column, group = form.whose()
    question = before_after.Question(
        events=data["events"].path,
        population=data["population"].path,
        treated=tuple(sorted(data["treated"])),
        start=data["start"],
        comparison=form.comparison(),
        group=column,
        focus=group,
        reference=form.compared_with(),
        first=data.get("first") or "",
        last=data.get("last") or "",
    )
    try:
        return before_after.compare(question)
    except StatsInputError as problem:
        form.add_error(None, readable(str(problem)))  # column names in words
        return None


def _series(answer: before_after.Answer) -> pd.DataFrame:
    """The monthly table with ``value``: the rate per 1,000 residents, or the gap."""
    series = answer.result.series.copy()
    series["month"] = series["period"].astype(str)
    series["label"] = series["set"].map(SET_LABELS)
    if answer.question.gap:
        series["value"] = series["ratio"]
        series["suppressed"] = series["focus_suppressed"] | series["reference_suppressed"]
    else:
        series["value"] = series["rate"] * before_after.PER
    return series


def _chart(answer: before_after.Answer) -> str:
    series = _series(answer)
    data = series.assign(
        month=[f"{m}-01" for m in series["month"]], set=series["label"], rate=series["value"]
    )
    question = answer.question
    if question.gap:
        pair = f"{question.focus} people were searched as {question.reference} people"
        title = f"How many times as often {question.focus} people were searched, month by month"
        value_title = f"times as often as {question.reference} people"
        description = (
            f"Line chart of how many times as often {pair}, per head, each month in the "
            "boroughs with the initiative and in the comparison boroughs, with the month the "
            "initiative started marked"
        )
    else:
        subject = before_after.who(question)
        title = f"{subject.capitalize()} per 1,000 residents, month by month"
        value_title = "per 1,000 residents a month"
        description = (
            f"Line chart of {subject} per 1,000 residents each month in the boroughs with the "
            "initiative and in the comparison boroughs, with the month the initiative started "
            "marked"
        )
    spec = before_after_chart(
        data,
        start=f"{question.start}-01",
        title=title,
        value_title=value_title,
        description=description,
    )
    return render_svg(spec)


def _names(answer: before_after.Answer, codes: tuple[str, ...]) -> list[str]:
    return sorted(answer.names.get(code, code) for code in codes)


def _plain(row: pd.Series) -> dict[str, Any]:
    """A result row with Python values, so the template can test ``is True``."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is pd.NA:
            out[str(key)] = None
        else:
            out[str(key)] = value.item() if hasattr(value, "item") else value
    return out


def _summary_row(row: pd.Series, gap: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "label": SET_LABELS[str(row["set"])],
        "areas": int(row["areas"]),
        "suppressed": bool(row["suppressed"]),
        "change": row["estimate"],
        "lower": row["lower"],
        "upper": row["upper"],
    }
    if gap:
        for column in ("focus_before", "focus_after", "reference_before", "reference_after"):
            out[column] = row[column]
        out["gap_before"], out["gap_after"] = row["ratio_before"], row["ratio_after"]
    else:
        out["before"], out["after"] = row["events_before"], row["events_after"]
        out["rate_before"] = row["rate_before"] * before_after.PER
        out["rate_after"] = row["rate_after"] * before_after.PER
    return out


def _context(answer: before_after.Answer) -> dict[str, Any]:
    question = answer.question
    comparison = question.comparison or tuple(sorted(set(answer.names) - set(question.treated)))
    summary = [_summary_row(row, question.gap) for _, row in answer.result.summary.iterrows()]
    series = _series(answer)
    months = []
    for month, rows in series.groupby("month", sort=True):
        by_set = rows.set_index("set")
        months.append(
            {
                "month": pd.Timestamp(f"{month}-01").strftime("%B %Y"),
                "phase": str(rows["phase"].iloc[0]),
                "cells": [
                    by_set.loc[name] if name in by_set.index else None
                    for name in (INITIATIVE, COMPARISON)
                ],
            }
        )
    return {
        "answer": answer,
        "sentences": before_after.sentences(answer),
        "treated_names": _names(answer, question.treated),
        "comparison_names": _names(answer, comparison),
        "summary": summary,
        "effect": _plain(answer.result.effect.iloc[0]),
        "trend": _plain(answer.result.pre_trend.iloc[0]),
        "trend_words": before_after.trend_words(answer),
        "months": months,
        "chart": _chart(answer),
        "start_name": pd.Timestamp(f"{question.start}-01").strftime("%B %Y"),
        "gap": question.gap,
        "focus": question.focus,
        "reference": question.reference,
    }


@requires("monitoring.analyse", zone=Zone.PARTNERSHIP)
@require_safe
def before_after_page(request: HttpRequest) -> HttpResponse:
    form, bound = _form(request)
    context: dict[str, Any] = {
        "form": form,
        "has_data": event_datasets(request.user).exists()
        and population_datasets(request.user).exists(),
    }
    answer = _answer(form) if bound else None
    if answer is not None:
        context |= _context(answer)
        context["query"] = request.GET.urlencode()
    return render(request, "monitoring/before_after.html", context)


@requires("monitoring.analyse", zone=Zone.PARTNERSHIP)
@require_safe
def before_after_csv(request: HttpRequest) -> HttpResponse:
    """The chart's numbers, month by month, for the question in the query string."""
    form, bound = _form(request)
    answer = _answer(form) if bound else None
    if answer is None:
        message = (
            "; ".join(form_problems(form))
            or "Choose the boroughs and the month the initiative started."
        )
        return HttpResponse(
            f"This comparison cannot be made: {message}\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    buffer = io.StringIO()
    header, rows = _gap_csv(answer) if answer.question.gap else _rate_csv(answer)
    write_csv(buffer, header, rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="accord-before-after.csv"'
    return response


def _ordered(answer: before_after.Answer) -> pd.DataFrame:
    return _series(answer).sort_values(["month", "set"], ascending=[True, False])


def _rate_csv(answer: before_after.Answer) -> tuple[list[str], Iterator[tuple[Cell, ...]]]:
    header = ["month", "before_or_after", "boroughs", "searches", "residents", "per_1000_residents"]
    rows = (
        (
            row["month"],
            row["phase"],
            row["label"],
            "" if row["suppressed"] else int(row["events"]),
            int(row["exposure"]),
            "" if row["suppressed"] else round(float(row["value"]), 4),
        )
        for _, row in _ordered(answer).iterrows()
    )
    return header, rows


def _gap_csv(answer: before_after.Answer) -> tuple[list[str], Iterator[tuple[Cell, ...]]]:
    """Both groups' searches and residents each month, and the gap made of them."""
    question = answer.question

    def count(row: pd.Series, column: str) -> Cell:
        return "" if row[f"{column}_suppressed"] else int(row[column])

    header = [
        "month",
        "before_or_after",
        "boroughs",
        "group",
        "searches",
        "residents",
        "compared_with",
        "their_searches",
        "their_residents",
        "times_as_often_per_head",
    ]
    rows = (
        (
            row["month"],
            row["phase"],
            row["label"],
            question.focus,
            count(row, "focus"),
            int(row["focus_exposure"]),
            question.reference,
            count(row, "reference"),
            int(row["reference_exposure"]),
            "" if row["suppressed"] or pd.isna(row["value"]) else round(float(row["value"]), 4),
        )
        for _, row in _ordered(answer).iterrows()
    )
    return header, rows
