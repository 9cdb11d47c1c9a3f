"""The before-and-after page (what works). Thin: :mod:`accord.monitoring.before_after`
asks the question, :mod:`accord.reports.charts` draws the monthly rates."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accord.datasets.export import write_csv
from accord.monitoring import before_after
from accord.monitoring.before_after_forms import BeforeAfterForm
from accord.monitoring.forms import event_datasets, population_datasets
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
        first=data.get("first") or "",
        last=data.get("last") or "",
    )
    try:
        return before_after.compare(question)
    except StatsInputError as problem:
        form.add_error(None, str(problem))
        return None


def _series(answer: before_after.Answer) -> pd.DataFrame:
    series = answer.result.series.copy()
    series["month"] = series["period"].astype(str)
    series["label"] = series["set"].map(SET_LABELS)
    series["per_1000"] = series["rate"] * before_after.PER
    return series


def _chart(answer: before_after.Answer) -> str:
    series = _series(answer)
    data = series.assign(
        month=[f"{m}-01" for m in series["month"]], set=series["label"], rate=series["per_1000"]
    )
    subject = before_after.who(answer.question)
    spec = before_after_chart(
        data,
        start=f"{answer.question.start}-01",
        title=f"{subject.capitalize()} per 1,000 residents, month by month",
        value_title="per 1,000 residents a month",
        description=(
            f"Line chart of {subject} per 1,000 residents each month in the boroughs with the "
            "initiative and in the comparison boroughs, with the month the initiative started "
            "marked"
        ),
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


def _context(answer: before_after.Answer) -> dict[str, Any]:
    question = answer.question
    comparison = question.comparison or tuple(sorted(set(answer.names) - set(question.treated)))
    summary = []
    for _, row in answer.result.summary.iterrows():
        summary.append(
            {
                "label": SET_LABELS[str(row["set"])],
                "areas": int(row["areas"]),
                "suppressed": bool(row["suppressed"]),
                "before": row["events_before"],
                "after": row["events_after"],
                "rate_before": row["rate_before"] * before_after.PER,
                "rate_after": row["rate_after"] * before_after.PER,
                "change": row["estimate"],
                "lower": row["lower"],
                "upper": row["upper"],
            }
        )
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
        "months": months,
        "chart": _chart(answer),
        "start_name": pd.Timestamp(f"{question.start}-01").strftime("%B %Y"),
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
        errors = [str(e) for e in form.non_field_errors()] + [
            f"{form.fields[name].label}: {error}"
            for name, errors in form.errors.items()
            if name != "__all__"
            for error in errors
        ]
        message = "; ".join(errors) or "Choose the boroughs and the month the initiative started."
        return HttpResponse(
            f"This comparison cannot be made: {message}\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    series = _series(answer)
    buffer = io.StringIO()
    write_csv(
        buffer,
        ["month", "before_or_after", "boroughs", "searches", "residents", "per_1000_residents"],
        (
            (
                row["month"],
                row["phase"],
                row["label"],
                "" if row["suppressed"] else int(row["events"]),
                int(row["exposure"]),
                "" if row["suppressed"] else round(float(row["per_1000"]), 4),
            )
            for _, row in series.sort_values(["month", "set"], ascending=[True, False]).iterrows()
        ),
    )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="accord-before-after.csv"'
    return response
