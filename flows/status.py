"""Text rendering of `dxreport status` (the data comes from tasks.report.submission_status)."""

from __future__ import annotations

from tasks.report.submission_status import STATUS_VI


def status_text(result: dict) -> str:
    counts = result["counts"]
    head = (
        f"{result['label']} ({result['period']}): {result['expected']} đơn vị phải báo cáo / units expected; "
        + ", ".join(f"{STATUS_VI.get(k, k)} ({k}): {v}" for k, v in sorted(counts.items()))
        + ("; KỲ ĐÃ KHÓA / period locked" if result["locked"] else "")
    )
    lines = [head]
    for u in result["units"]:
        extra = f" v{u['version']}" if u["version"] else ""
        if u["rejected_arrivals"]:
            extra += f" ({u['rejected_arrivals']} tệp bị từ chối / rejected files)"
        flag = "" if u["expected"] else " [không thuộc diện báo cáo / not expected]"
        lines.append(f"  {u['status']:<9} {u['unit']:<18} {u['name']}{extra}{flag}")
    return "\n".join(lines)
