"""The training coverage page. Thin: :mod:`accord.monitoring.training` does the counting,
:mod:`accord.reports.charts` draws the funnel."""

from __future__ import annotations

import io
import uuid
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from accord.datasets.export import Cell, write_csv
from accord.datasets.models import Dataset, Kind
from accord.monitoring import training
from accord.monitoring.forms import form_problems
from accord.monitoring.presentation import wide_limits
from accord.policy.roles import Zone
from accord.policy.views import requires
from accord.reports.charts import change_chart, funnel_chart, render_svg


def training_datasets(user: Any) -> Any:
    return Dataset.objects.visible_to(user).current().filter(kind=Kind.TRAINING)


class CoverageForm(forms.Form):
    """Which dataset, course and period: the choices come from the data itself, and the
    page opens on the newest dataset's first course at its latest period."""

    dataset = forms.ModelChoiceField(
        queryset=Dataset.objects.none(), label="Training data", empty_label=None
    )
    course = forms.ChoiceField(label="Course")
    period = forms.ChoiceField(label="At the end of")
    rank = forms.ChoiceField(label="Rank", required=False)
    team = forms.ChoiceField(label="Team", required=False)
    borough = forms.ChoiceField(
        label="Look into one borough",
        required=False,
        help_text="Its coverage in each rank and team, against the same rank or team elsewhere",
    )
    spread = forms.ChoiceField(
        label="Limits",
        choices=list(training.SPREADS.items()),
        widget=forms.RadioSelect,
    )

    def __init__(self, data: Any, *, datasets: Any) -> None:
        super().__init__(data)
        self.fields["dataset"].queryset = datasets  # type: ignore[attr-defined]
        wanted = str((data or {}).get("dataset", ""))
        self.chosen: Dataset | None = (
            next((d for d in datasets if str(d.pk) == wanted), None) or datasets.first()
        )
        found = training.options(self.chosen.path) if self.chosen else training.Options([], [])
        self.fields["course"].choices = [(c, c) for c in found.courses]  # type: ignore[attr-defined]
        self.fields["period"].choices = [(p, p) for p in reversed(found.periods)]  # type: ignore[attr-defined]
        # A rank or team choice only when the file broke its counts down that way.
        for name, labels in (("rank", found.ranks), ("team", found.teams)):
            if labels:
                everyone = training.BREAKDOWNS[name][1]
                self.fields[name].choices = [("", everyone), *((v, v) for v in labels)]  # type: ignore[attr-defined]
            else:
                del self.fields[name]
        if found.ranks or found.teams:
            self.fields["borough"].choices = [("", "None"), *((b, b) for b in found.boroughs)]  # type: ignore[attr-defined]
        else:
            del self.fields["borough"]
        self.initial = {
            "dataset": self.chosen.pk if self.chosen else None,
            "course": found.courses[0] if found.courses else "",
            "period": found.periods[-1] if found.periods else "",
            "rank": "",
            "team": "",
            "borough": "",
            "spread": "additive",
        }


def _coverage(
    request: HttpRequest, data: QueryDict | None
) -> tuple[CoverageForm, training.Coverage | None]:
    datasets = training_datasets(request.user).order_by("-created_at")
    form = CoverageForm(data, datasets=datasets)
    if data is not None and not form.is_valid():
        return form, None
    values = form.cleaned_data if data is not None else form.initial
    if form.chosen is None or not values.get("course") or not values.get("period"):
        return form, None
    try:
        result = training.coverage(
            form.chosen.path,
            values["course"],
            values["period"],
            values["spread"],
            rank=values.get("rank") or "",
            team=values.get("team") or "",
            borough=values.get("borough") or "",
        )
    except LookupError as missing:
        form.add_error("period", str(missing))
        return form, None
    return form, result


def _chart(result: training.Coverage) -> str:
    boroughs = result.boroughs.assign(
        officers=result.boroughs["size"],
        estimate=result.boroughs["estimate"] * 100,
        outlier=result.boroughs["outlier"]
        .fillna("")
        .map(lambda flag: training.CHART_LABELS.get(flag, training.CHART_LABELS[""])),
    )
    wide = wide_limits(result.limits)
    percents = [c for c in wide.columns if c != "size"]
    limits = wide.assign(**{c: wide[c] * 100 for c in percents}).rename(
        columns={"size": "officers"}
    )
    spec = funnel_chart(
        boroughs,
        limits,
        unit="la_name",
        size="officers",
        title=f"{result.course}: coverage borough by borough, {result.period}",
        value_title="officers trained (%)",
        size_title="officers in scope",
        description=(
            f"Funnel plot of the share of officers trained in {result.course} in each borough "
            "against London's share, with 95% and 99.8% control limits"
        ),
        log_values=False,
        value_domain=(0.0, 100.0),
        kinds=(
            training.CHART_LABELS[""],
            training.CHART_LABELS["above 99.8%"],
            training.CHART_LABELS["below 99.8%"],
        ),
    )
    return render_svg(spec)


def _change_chart(result: training.Coverage) -> str:
    """Each borough's change against the band chance allows at its size, round London's
    change ("" when no change could be compared). Boroughs without figures at both ends
    are named under the title, so the chart never seems to cover them."""
    table = result.boroughs_over_time
    boroughs = table.loc[~table["total"].astype(bool)]
    compared = boroughs.loc[boroughs["limit_lower"].notna()]
    if compared.empty:
        return ""
    london = training.signed_points(float(compared["london_change"].iloc[0]))
    first, last = result.recent_periods[0], result.recent_periods[-1]
    left_out = [str(name) for name in boroughs.loc[boroughs["limit_lower"].isna(), "la_name"]]
    missing = (
        f"Not shown, without figures for both {first} and {last}: {', '.join(left_out)}"
        if left_out
        else ""
    )
    spec = change_chart(
        compared.assign(
            estimate=compared["change"],
            lower=compared["limit_lower"],
            upper=compared["limit_upper"],
            outside=compared["change_flag"].astype(bool),
        ),
        category="la_name",
        title=f"{result.course}: change in coverage from {first} to {last}",
        value_title="change in officers trained (percentage points)",
        description=(
            f"Each borough's change in the share of officers trained in {result.course} from "
            f"{first} to {last}, against the range a change by chance alone could take for a "
            f"borough of its size (99.8% limits) around London's change of {london} "
            "points" + (f". {missing}" if missing else "")
        ),
        reference_value=float(compared["london_change"].iloc[0]),
        reference_label=f"London's change: {london} points",
        inside_label="Within its bar",
        outside_label="Outside: unlike London",
    )
    if missing:
        spec["title"]["subtitle"] = missing
    return render_svg(spec)


def _query(form: CoverageForm, result: training.Coverage | None) -> str:
    if result is None:
        return ""
    data = QueryDict(mutable=True)
    data.update({"course": result.course, "period": result.period})
    for name, value in (("rank", result.rank), ("team", result.team)):
        if value:
            data[name] = value
    data["spread"] = str(form.cleaned_data.get("spread") if form.is_bound else "additive")
    return data.urlencode()


def _recent_rows(result: training.Coverage) -> list[dict[str, Any]]:
    """Each borough's coverage in the latest periods, then London's, for the template
    (None = no figures)."""
    return [
        {
            "borough": record["la_name"],
            "percents": [_number(record.get(p)) for p in result.recent_periods],
            "change": _number(record.get("change")),
            "against": _number(record.get("against")),
            "flag": str(record.get("change_flag") or ""),
            "verdict": training.change_verdict(str(record.get("change_flag") or "")),
            "total": bool(record["total"]),
        }
        for record in result.boroughs_over_time.to_dict("records")
    ]


def _number(value: Any) -> float | None:
    return None if value is None or value != value else float(value)  # NaN is not equal to itself


def _breakdown_tables(result: training.Coverage) -> list[dict[str, Any]]:
    """The rank and team tables for the template, one entry per breakdown the data has:
    London's (each group against all other officers), then the chosen borough's (each
    against the same group in the rest of London). Each is within the other one's choice."""
    entries = []
    kinds = [("London", "", result.groups), (result.borough, "borough-", result.borough_groups)]
    for whose, prefix, tables in kinds:
        for name, table in tables.items():
            if len(table):
                entries.append(_breakdown_table(result, name, table, whose, prefix))
    return entries


def _breakdown_table(
    result: training.Coverage, name: str, table: Any, whose: str, prefix: str
) -> dict[str, Any]:
    label = training.BREAKDOWNS[name][0]
    within = result.team if name == "rank" else result.rank
    borough = bool(prefix)
    verdict = training.borough_verdict if borough else training.group_verdict
    kind = label.lower()
    return {
        "id": f"{prefix}by-{name}",
        "label": label,
        "title": f"{whose} by {kind}" + (f", {within} only" if within else ""),
        "borough": borough,
        "against": "the rest of London" if borough else "other officers",
        "caption": (
            f"{whose}'s coverage in each {kind}, compared with the same {kind} in the rest "
            "of London"
            if borough
            else f"London's coverage in each {kind}, compared with all other officers"
        ),
        "rows": [
            {
                **row,
                "chosen": row["group"] == getattr(result, name),
                "rest_estimate": _number(row.get("rest_estimate")),
                "difference": _number(row["difference"]),
                "verdict_text": verdict(str(row["verdict"])),
            }
            for row in table.to_dict("records")
        ],
    }


@requires("monitoring.analyse", zone=Zone.PARTNERSHIP)
@require_safe
def training_coverage(request: HttpRequest) -> HttpResponse:
    form, result = _coverage(request, request.GET if "dataset" in request.GET else None)
    rows = []
    if result is not None:
        for _, row in result.boroughs.sort_values("la_name").iterrows():
            rows.append(
                {
                    "borough": row["la_name"],
                    "in_scope": int(row["size"]),
                    "trained": int(row["events"]),
                    "percent": float(row["estimate"]) * 100,
                    "lower": float(row["lower"]) * 100,
                    "upper": float(row["upper"]) * 100,
                    "verdict": training.verdict(str(row["outlier"] or "")),
                    "flag": str(row["outlier"] or ""),
                }
            )
    return render(
        request,
        "monitoring/training.html",
        {
            "form": form,
            "result": result,
            "rows": rows,
            "chart": _chart(result) if result is not None and len(result.limits) else "",
            "over_time": result.over_time.to_dict("records") if result is not None else [],
            "groups": _breakdown_tables(result) if result is not None else [],
            "recent": _recent_rows(result) if result is not None else [],
            "change_chart": _change_chart(result) if result is not None else "",
            "recent_cut": result is not None and len(result.over_time) > len(result.recent_periods),
            "has_data": training_datasets(request.user).exists(),
            "dataset": form.chosen,
            "query": _query(form, result),
        },
    )


def _changes_by_borough(result: training.Coverage) -> dict[str, tuple[Cell, ...]]:
    """Each borough's change over the latest periods, for the CSV: the periods, the change
    and the change less London's (points, one decimal; blank when not known), and the
    verdict."""
    periods = result.recent_periods
    if len(periods) < 2:
        return {}
    span = f"{periods[0]} to {periods[-1]}"
    changes: dict[str, tuple[Cell, ...]] = {}
    for row in _recent_rows(result):
        if row["total"]:
            continue
        change, against = row["change"], row["against"]
        changes[row["borough"]] = (
            span,
            "" if change is None else round(change, 1),
            "" if against is None else round(against, 1),
            "" if against is None else row["verdict"],
        )
    return changes


def _refused(form: CoverageForm) -> HttpResponse:
    """400 naming what is wrong: the dataset is there, so a 404 would mislead."""
    message = "; ".join(form_problems(form)) or "This training data has no course to show."
    return HttpResponse(
        f"This table cannot be made: {message}\n",
        status=400,
        content_type="text/plain; charset=utf-8",
    )


@requires("monitoring.analyse", zone=Zone.PARTNERSHIP)
@require_safe
def training_coverage_csv(request: HttpRequest, dataset_id: uuid.UUID) -> HttpResponse:
    """One dataset's table; the course and period default to those the page opens on."""
    dataset = get_object_or_404(training_datasets(request.user), pk=dataset_id)
    defaults = CoverageForm(None, datasets=training_datasets(request.user).filter(pk=dataset.pk))
    data = QueryDict(mutable=True)
    for name in ("course", "period", "rank", "team", "spread"):
        data[name] = request.GET.get(name) or str(defaults.initial[name])
    data["dataset"] = str(dataset.pk)
    form, result = _coverage(request, data)
    if result is None:
        return _refused(form)
    buffer = io.StringIO()
    header = [
        "borough_code",
        "borough",
        "course",
        "rank",
        "team",
        "period",
        "officers_in_scope",
        "officers_trained",
        "percent_trained",
        "lower_95",
        "upper_95",
        "compared_with_london",
        "change_periods",
        "change_points",
        "change_against_london_points",
        "change_compared_with_london",
    ]
    changes = _changes_by_borough(result)
    write_csv(
        buffer,
        header,
        (
            (
                row["la_code"],
                row["la_name"],
                result.course,
                result.rank or training.BREAKDOWNS["rank"][1],
                result.team or training.BREAKDOWNS["team"][1],
                result.period,
                int(row["size"]),
                int(row["events"]),
                round(float(row["estimate"]) * 100, 1),
                round(float(row["lower"]) * 100, 1),
                round(float(row["upper"]) * 100, 1),
                training.verdict(str(row["outlier"] or "")),
                *changes.get(str(row["la_name"]), ("", "", "", "")),
            )
            for _, row in result.boroughs.sort_values("la_name").iterrows()
        ),
    )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = slugify(f"accord-training-{result.course}-{result.who}-{result.period}")[:80]
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
