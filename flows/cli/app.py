"""Verbs, options and help of `dxreport` (typer). Parsing only: it yields an `Invocation` and
imports nothing heavy, so `--help` and usage errors answer at once.

The common options (--home, --json, -v/--verbose, --now) are accepted before or after the verb:
every level of the command takes them, and the value given closest to the verb wins.
"""

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import typer

COMMON = ("home", "json_out", "verbose", "now")


@dataclass
class Invocation:
    """A parsed command line: the verb, its own parameters and the common options."""

    verb: str
    params: dict[str, Any] = field(default_factory=dict)
    home: str | None = None
    json_out: bool = False
    verbose: bool = False
    now: str | None = None


HomeOpt = Annotated[
    str | None,
    typer.Option(
        "--home",
        metavar="DIR",
        help="Thư mục làm việc (workspace); mặc định $DXREPORT_HOME hoặc ./dxreport-home "
        "/ workspace folder (default: $DXREPORT_HOME or ./dxreport-home)",
        show_default=False,
    ),
]
JsonOpt = Annotated[
    bool,
    typer.Option("--json", help="In một tài liệu JSON / print one JSON document"),
]
VerboseOpt = Annotated[
    bool,
    typer.Option("-v", "--verbose", help="Hiện nhật ký của Prefect / show Prefect's logs"),
]
NowOpt = Annotated[
    str | None,
    typer.Option(
        "--now",
        metavar="ISO",
        help="Thời điểm giả lập, như DXREPORT_NOW, vd 2025-09-16T08:00:00+07:00 "
        "/ clock override, like DXREPORT_NOW (ISO date-time with offset)",
        show_default=False,
    ),
]
_COMMON_TYPES = {"home": HomeOpt, "json_out": JsonOpt, "verbose": VerboseOpt, "now": NowOpt}
_COMMON_DEFAULTS = {"home": None, "json_out": False, "verbose": False, "now": None}

PERIOD_EXAMPLE = "vd / e.g. 2025Q3, Q3/2025, Quý III/2025"
LatestClosedPeriod = Annotated[
    str | None,
    typer.Option(
        "--period",
        metavar="P",
        help=f"Kỳ báo cáo / reporting period, {PERIOD_EXAMPLE}; mặc định quý vừa chốt số liệu "
        "gần nhất / default: the latest closed quarter",
        show_default=False,
    ),
]
CurrentPeriod = Annotated[
    str | None,
    typer.Option(
        "--period",
        metavar="P",
        help=f"Kỳ báo cáo / reporting period, {PERIOD_EXAMPLE}; mặc định quý hiện tại "
        "/ default: the current quarter",
        show_default=False,
    ),
]

app = typer.Typer(
    name="dxreport",
    help="Báo cáo quý Đề án truyền thông Chuyển đổi số Đà Nẵng (QĐ 2780/QĐ-UBND). "
    "/ Quarterly reporting of Da Nang's digital-transformation communication plan.",
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
catalog_app = typer.Typer(
    help="Danh mục đơn vị của workspace / the workspace's catalogue",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _with_common(fn: Callable[..., Any]) -> tuple[Callable[..., Any], inspect.Signature]:
    """`fn`'s signature plus the common options and the click context."""
    sig = inspect.signature(fn, eval_str=True)
    extra = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=_COMMON_DEFAULTS[name],
            annotation=_COMMON_TYPES[name],
        )
        for name in COMMON
    ]
    ctx_param = inspect.Parameter(
        "dx_ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context
    )
    return fn, sig.replace(parameters=[*sig.parameters.values(), *extra, ctx_param])


def _merge(ctx: typer.Context, given: dict[str, Any]) -> dict[str, Any]:
    """The common options seen so far (outer levels), overridden by those given at this level."""
    merged = dict(_COMMON_DEFAULTS)
    merged.update(ctx.obj or {})
    merged.update({k: v for k, v in given.items() if v not in (None, False)})
    ctx.obj = merged
    return merged


def verb(name: str, help: str, parent: typer.Typer = app) -> Callable:
    """Register `fn` (returning its parameters as a dict) as verb `name` with the common options."""

    def register(fn: Callable[..., dict]) -> Callable[..., dict]:
        _, signature = _with_common(fn)
        path = name if parent is app else f"catalog {name}"

        @functools.wraps(fn)
        def command(**kwargs: Any) -> Invocation:
            ctx = kwargs.pop("dx_ctx")
            common = _merge(ctx, {k: kwargs.pop(k) for k in COMMON})
            return Invocation(path, fn(**kwargs), **common)

        command.__signature__ = signature  # type: ignore[attr-defined]
        parent.command(name, help=help)(command)
        return fn

    return register


def group_options(group: typer.Typer) -> None:
    """The common options on a level above the verb (`dxreport --home X status`)."""

    def options(**kwargs: Any) -> None:
        _merge(kwargs.pop("dx_ctx"), kwargs)

    _, signature = _with_common(lambda: None)
    options.__signature__ = signature  # type: ignore[attr-defined]
    group.callback()(options)


group_options(app)
group_options(catalog_app)
app.add_typer(catalog_app, name="catalog")


@verb(
    "demo",
    "Dựng workspace demo từ đầu đến cuối, in đường dẫn các PDF / build a demo workspace end to end and print the PDFs",
)
def demo() -> dict:
    return {}


@verb("template", "Ghi mẫu biểu trống, điền sẵn / write blank, pre-filled workbooks")
def template(
    period: CurrentPeriod = None,
    units: Annotated[
        list[str] | None,
        typer.Option(
            "--unit",
            metavar="CODE",
            help="Mã đơn vị, lặp lại được / unit code, repeatable; mặc định mọi đơn vị phải báo "
            "cáo / default: every expected unit",
            show_default=False,
        ),
    ] = None,
    codes: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[CODE]...",
            help="Thêm mã đơn vị (như --unit A B) / more unit codes (as in --unit A B)",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Thư mục xuất; mặc định <workspace>/templates/<kỳ> "
            "/ output folder (default: <workspace>/templates/<period>)",
            show_default=False,
        ),
    ] = None,
) -> dict:
    chosen = [*(units or []), *(codes or [])]
    return {"period": period, "units": chosen or None, "out": out}


@verb("intake", "Tiếp nhận mọi tệp trong inbox/ / Take every file in inbox/")
def intake() -> dict:
    return {}


@verb("report", "Lập báo cáo quý (PDF) / render the quarterly PDF report")
def report(
    period: LatestClosedPeriod = None,
    final: Annotated[
        bool,
        typer.Option(
            "--final",
            help="Ban hành chính thức và khóa kỳ / issue as final and lock the period",
        ),
    ] = False,
    number: Annotated[
        str | None,
        typer.Option(
            "--number",
            metavar="N",
            help="Số văn bản của báo cáo chính thức (vd 125) / document number of the final report",
            show_default=False,
        ),
    ] = None,
    signer: Annotated[
        str | None,
        typer.Option(
            "--signer",
            metavar="NAME",
            help="Người ký báo cáo chính thức / who signs the final report",
            show_default=False,
        ),
    ] = None,
    reviewer: Annotated[
        str | None,
        typer.Option(
            "--reviewer",
            metavar="NAME",
            help="Người duyệt dự thảo (bắt buộc với --final) / who signs off the draft (needed "
            "with --final)",
            show_default=False,
        ),
    ] = None,
    approve: Annotated[
        bool | None,
        typer.Option(
            "--approve/--reject",
            help="Duyệt hay không duyệt dự thảo (với --final) / approve or reject the draft "
            "(with --final)",
            show_default=False,
        ),
    ] = None,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            metavar="TEXT",
            help="Lý do (bắt buộc khi --reject) / why (needed with --reject)",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Lập lại bản dự thảo dù số liệu không đổi / render the draft again even when "
            "nothing changed",
        ),
    ] = False,
) -> dict:
    return {
        "period": period,
        "final": final,
        "number": number,
        "signer": signer,
        "reviewer": reviewer,
        "approve": approve,
        "reason": reason,
        "force": force,
    }


@verb(
    "status", "Đơn vị nào đã gửi, đúng hạn, trễ, chưa gửi, bị từ chối / who submitted for a period"
)
def status(period: LatestClosedPeriod = None) -> dict:
    return {"period": period}


RequiredPeriod = Annotated[
    str,
    typer.Option("--period", metavar="P", help=f"Kỳ báo cáo / reporting period, {PERIOD_EXAMPLE}"),
]


@verb(
    "history",
    "Mọi lần gửi của một đơn vị trong một kỳ: phiên bản, ngày, tình trạng, giá trị đã sửa "
    "/ every arrival of a unit for a period: versions, dates, statuses, what changed",
)
def history(
    unit: Annotated[
        str, typer.Option("--unit", metavar="CODE", help="Mã đơn vị / unit code, vd P_HAI_CHAU")
    ],
    period: RequiredPeriod,
) -> dict:
    return {"unit": unit, "period": period}


@verb(
    "reopen",
    "Mở lại kỳ đã ban hành báo cáo chính thức (ghi người, lúc, lý do) "
    "/ reopen an issued period (who, when and why are recorded)",
)
def reopen(
    period: RequiredPeriod,
    reason: Annotated[
        str, typer.Option("--reason", metavar="TEXT", help="Lý do mở lại / why it is reopened")
    ],
    by: Annotated[str, typer.Option("--by", metavar="NAME", help="Người mở lại / who reopens it")],
) -> dict:
    return {"period": period, "reason": reason, "by": by}


@verb(
    "backfill",
    "Chạy lại một khoảng kỳ: tiếp nhận một lần, rồi lập dự thảo báo cáo từng kỳ theo thứ tự, theo "
    "đúng ngày của kỳ; kỳ đã ban hành được giữ nguyên; mặc định chỉ chạy thử "
    "/ backfill a range of periods: intake once, then each period's draft on its own date; issued "
    "periods untouched; a dry run unless --run",
)
def backfill(
    from_period: Annotated[
        str,
        typer.Option(
            "--from",
            metavar="P",
            help=f"Kỳ đầu / first period, {PERIOD_EXAMPLE}",
            show_default=False,
        ),
    ],
    to_period: Annotated[
        str,
        typer.Option(
            "--to", metavar="P", help=f"Kỳ cuối / last period, {PERIOD_EXAMPLE}", show_default=False
        ),
    ],
    run: Annotated[
        bool,
        typer.Option(
            "--run",
            help="Chạy thật (mặc định chỉ liệt kê việc sẽ làm, không ghi gì) "
            "/ really run it (default: a dry run that writes nothing)",
        ),
    ] = False,
) -> dict:
    return {"from_period": from_period, "to_period": to_period, "dry_run": not run}


@verb(
    "remind",
    "Nhắc đơn vị chưa gửi báo cáo hợp lệ: thư vào outbox/<kỳ>/, gửi qua máy chủ thư nếu đã cấu hình; "
    "chạy lại không gửi trùng / remind units without an accepted submission: letters in "
    "outbox/<period>/, mailed when an SMTP server is configured; a rerun sends nothing twice",
)
def remind(
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            metavar="P",
            help=f"Kỳ báo cáo / reporting period, {PERIOD_EXAMPLE}; mặc định kỳ sắp hết hạn số "
            "liệu, nếu không thì quý vừa chốt / default: the period about to close, else the "
            "latest closed quarter",
            show_default=False,
        ),
    ] = None,
    round_id: Annotated[
        str | None,
        typer.Option(
            "--round",
            metavar="NAME",
            help="Đợt nhắc, vd lan-3; mặc định truoc-han / sau-han theo hạn gửi / reminder round "
            "(default: truoc-han before the deadline, sau-han after it)",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Chỉ liệt kê, không ghi, không gửi / list only, write and send nothing",
        ),
    ] = False,
) -> dict:
    return {"period": period, "round": round_id, "dry_run": dry_run}


@verb(
    "add-units",
    "Thêm hoặc sửa đơn vị từ tệp CSV / add or update units from a CSV "
    "(code,name,type,valid_from,valid_to,successor_of[,email])",
    parent=catalog_app,
)
def add_units(
    file: Annotated[str, typer.Argument(metavar="FILE.csv", help="Tệp CSV / the CSV file")],
) -> dict:
    return {"file": file}


@verb(
    "server",
    "Chạy máy chủ Prefect (UI) và mọi deployment; các lệnh khác dùng máy chủ này "
    "/ start the Prefect server (UI) and serve every deployment; other verbs use it",
)
def server(
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            min=1,
            max=65535,
            help="Cổng của API và giao diện; mặc định $PREFECT_SERVER_API_PORT hoặc 4200 "
            "/ port of the API and UI (default: $PREFECT_SERVER_API_PORT or 4200)",
            metavar="N",
            show_default=False,
        ),
    ] = None,
    host: Annotated[
        str | None,
        typer.Option(
            "--host",
            help="Địa chỉ lắng nghe; 0.0.0.0 cho máy khác truy cập; mặc định "
            "$PREFECT_SERVER_API_HOST hoặc 127.0.0.1 / address to listen on, 0.0.0.0 for other "
            "machines (default: $PREFECT_SERVER_API_HOST or 127.0.0.1)",
            metavar="ADDR",
            show_default=False,
        ),
    ] = None,
) -> dict:
    return {"port": port, "host": host}


def parse(argv: list[str]) -> Invocation | int:
    """The invocation, or an exit code when click answered by itself (`--help`: 0)."""
    command = typer.main.get_command(app)
    result = command.main(args=argv, prog_name="dxreport", standalone_mode=False)
    return result if isinstance(result, Invocation) else int(result or 0)
