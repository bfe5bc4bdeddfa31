"""bench/scale.py's printed table: every ratio is like for like.

The run with `dxreport server` up is a column of its own (its cold end to end against the
baseline, its unchanged rerun against its own cold end to end), and the verdict on the ≥ 10× target
is printed for both. Figures here are made up; the benchmark itself runs the real commands.
"""

from bench import scale


def _run(seconds: float) -> scale.Run:
    return scale.Run(seconds, 300.0, 200.0, 0, "{}", "")


def _result(server: bool) -> scale.SizeResult:
    res = scale.SizeResult(1000, pages=103)
    bare = {"intake cold": 10.0, "report": 15.0, "intake empty": 4.0}
    bare |= {"intake duplicates": 6.0, "report unchanged": 4.0}
    res.runs["add-units"] = _run(0.5)
    for name, seconds in bare.items():
        res.runs[name] = _run(seconds)
        if server:  # cold slower with the server (no start to hide imports in), reruns faster
            cold = name in ("intake cold", "report")
            res.runs[name + scale.SERVER] = _run(seconds + 2.0 if cold else seconds / 2)
    res.counts = {"intake cold": {"accepted": 1000}, "intake duplicates": {"duplicate": 1000}}
    if server:
        res.counts["intake cold" + scale.SERVER] = {"accepted": 1000}
        res.counts["intake duplicates" + scale.SERVER] = {"duplicate": 1000}
    return res


BASELINE = (_run(250.0), {"intake_seconds": 230.0, "report_seconds": 19.0, "pages": 103})


def _line(text: str, start: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(start))


def test_the_server_column_is_like_for_like():
    text = scale.report_text([1000], {1000: _result(server=True)}, {1000: BASELINE}, 9)
    assert (
        "| stage | straightforward pipeline | dxreport | with `dxreport server` running |" in text
    )
    # bare 10 + 15 = 25 s (10.0×); with the server 12 + 17 = 29 s (8.6×)
    assert _line(text, "| end to end |").endswith(
        "| 25.0 s (10.0× faster) | 29.0 s (8.6× faster) |"
    )
    # rerun: bare 4 + 4 = 8 s of 25 s; with the server 2 + 2 = 4 s of its own 29 s (not of 25 s)
    rerun = _line(text, "| unchanged rerun")
    assert "8.0 s = 32% of the cold end to end" in rerun
    assert "4.0 s = 14% of the cold end to end" in rerun
    targets = text.split("## Targets (issue 9)")[1]
    assert "- end to end vs baseline at 1,000: 10.0× (target ≥ 10×): met" in targets
    assert "with `dxreport server` running (its own start not counted): 8.6×: NOT met" in targets
    assert "with `dxreport server` running: 14% of its cold end to end: NOT met" in targets
    assert "with `dxreport server` running: 3.0 s: met" in targets  # the duplicates
    assert "WARNING" not in text


def test_without_the_server_the_table_has_no_server_column():
    text = scale.report_text([1000], {1000: _result(server=False)}, {1000: BASELINE}, 9)
    assert "| stage | straightforward pipeline | dxreport |\n" in text
    assert _line(text, "| end to end |").endswith("| 25.0 s (10.0× faster) |")
    assert "server" not in text.split("## Targets (issue 9)")[1]
