"""One-page result sheets per unit per period ("Phiếu kết quả của đơn vị").

- `build.build_unit_pages`: a handful of set-based queries for every unit -> `model.UnitPage`s;
- `render.render_unit_batch`: a batch of pages -> one HTML document -> one PDF per unit;
- `render.render_unit_pages`: the whole period with a process pool (callers without Prefect);
- `flows/unit_pages.py`: the same on Dask through Prefect (flow `unit-pages`).
"""
